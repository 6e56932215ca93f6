"""Named BIT STRING flags (PKCS#15 CommonObjectFlags, TokenFlags, PinFlags) as sets of names, encoded
in DER form (trailing zero bits dropped, X.690 11.2.2)."""

from __future__ import annotations


def bits_to_names(bits: str, names: tuple[str, ...]) -> list[str]:
    out = []
    for i, b in enumerate(bits):
        if b == "1":
            out.append(names[i] if i < len(names) else f"bit{i}")
    return out


def names_to_bits(flags, names: tuple[str, ...]) -> str:
    flags = set(flags)
    unknown = flags - set(names) - {f"bit{i}" for i in range(64)}
    if unknown:
        raise ValueError(f"unknown flag(s) {', '.join(sorted(unknown))}; known: {', '.join(names)}")
    top = -1
    positions = set()
    for f in flags:
        pos = names.index(f) if f in names else int(f[3:])
        positions.add(pos)
        top = max(top, pos)
    return "".join("1" if i in positions else "0" for i in range(top + 1))
