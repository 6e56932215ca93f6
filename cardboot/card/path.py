"""File paths as tuples of 16-bit file identifiers (ISO/IEC 7816-4 7.1.1, TS 102 221 8.4.2).

``(0x3F00, 0x7F50, 0x5031)`` is absolute from the MF; ``(0x7FFF, 0x5031)`` starts at the current
application (ADF) on a UICC; anything else is relative to the current DF. Hex text ("3F00/7F50/5031"
or "3F007F505031") is accepted at the edges only.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import UsageError

MF = 0x3F00
CURRENT_ADF = 0x7FFF

FilePath = tuple[int, ...]


def as_path(value: "FilePath | Sequence[int] | bytes | str | int") -> FilePath:
    """Normalise a path given as FIDs, bytes (2 per FID), an int FID or hex text."""
    if isinstance(value, int):
        fids: Sequence[int] = (value,)
    elif isinstance(value, (bytes, bytearray)):
        if not value or len(value) % 2:
            raise UsageError(f"a file path needs an even, non-zero number of bytes, got {len(value)}")
        fids = [int.from_bytes(value[i : i + 2], "big") for i in range(0, len(value), 2)]
    elif isinstance(value, str):
        text = value.replace("/", "").replace(":", "").replace(" ", "")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise UsageError(f"file path {value!r} is not hex FIDs like 3F00/7F50/5031") from None
        return as_path(raw)
    else:
        fids = tuple(value)
    for fid in fids:
        if not isinstance(fid, int) or not 0 <= fid <= 0xFFFF:
            raise UsageError(f"file identifier {fid!r} is not a 16-bit number")
    if not fids:
        raise UsageError("empty file path")
    return tuple(fids)


def path_bytes(path: FilePath) -> bytes:
    return b"".join(fid.to_bytes(2, "big") for fid in path)


def path_str(path: FilePath) -> str:
    return "/".join(f"{fid:04X}" for fid in path)
