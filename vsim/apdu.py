"""Command APDUs as the virtual card receives them (ISO/IEC 7816-4 5.1, short length fields only):
vsim's own parser, so a misreading in cardboot's APDU code is not shared by the card it talks to."""

from __future__ import annotations

from dataclasses import dataclass


class MalformedApdu(ValueError):
    """The bytes are no short C-APDU; the card answers 6700 (wrong length)."""


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # Ne: 1..256 (Le=00 is 256), None for cases 1 and 3

    def to_bytes(self) -> bytes:
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out


def parse_command(raw: bytes) -> Command:
    """Case 1: header; case 2: header + Le; case 3: header + Lc + data; case 4: ... + Le."""
    n = len(raw)
    if n < 4:
        raise MalformedApdu(f"{n} bytes, shorter than the 4-byte header")
    cla, ins, p1, p2 = raw[:4]
    if n == 4:
        return Command(cla, ins, p1, p2)
    if n == 5:
        return Command(cla, ins, p1, p2, le=raw[4] or 256)
    lc = raw[4]
    if lc == 0:
        raise MalformedApdu("Lc = 00 with data: an extended length, which this card does not take")
    if n == 5 + lc:
        return Command(cla, ins, p1, p2, bytes(raw[5:]))
    if n == 6 + lc:
        return Command(cla, ins, p1, p2, bytes(raw[5:5 + lc]), le=raw[-1] or 256)
    raise MalformedApdu(f"length {n} does not match Lc = {lc}")
