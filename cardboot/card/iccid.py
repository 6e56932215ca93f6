"""EF.ICCID (2FE2): the card's identification number, BCD with swapped nibbles and F padding
(TS 102 221 13.2, TS 51.011 10.1.1, ITU-T E.118)."""

from __future__ import annotations

from ..errors import DecodeError

EF_ICCID = 0x2FE2


def decode_iccid(data: bytes) -> str:
    """'98 94 44 99 99 00 00 00 20 F8' → '8949449999000000028'."""
    digits = []
    for i, b in enumerate(data):
        for nibble in (b & 0x0F, b >> 4):
            if nibble == 0xF:
                continue
            if nibble > 9:
                raise DecodeError("EF.ICCID", f"nibble {nibble:X} is not a BCD digit", i, "3F00/2FE2")
            digits.append(str(nibble))
    return "".join(digits)


def encode_iccid(iccid: str, size: int = 10) -> bytes:
    if not iccid.isdigit() or len(iccid) > 2 * size:
        raise ValueError(f"ICCID {iccid!r} must be up to {2 * size} digits")
    s = iccid.ljust(2 * size, "F")
    return bytes(int(s[i + 1], 16) << 4 | int(s[i], 16) for i in range(0, len(s), 2))
