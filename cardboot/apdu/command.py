"""Short command and response APDUs, cases 1-4 (ISO/IEC 7816-3 section 12.1, ETSI TS 102 221 section 10.1).

Bytes are ``bytes``; hex appears only in ``__str__`` for people.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import ApduFormatError


@dataclass(frozen=True)
class CommandApdu:
    """A short command APDU.

    ``le`` is the number of bytes expected (1..256; 256 is sent as 00), or None for cases 1 and 3.
    ``secret`` marks the data field as secret (PIN, ADM key): the trace shows it as ``****``.
    """

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None
    name: str = ""
    secret: bool = False

    def __post_init__(self) -> None:
        for field_name in ("cla", "ins", "p1", "p2"):
            v = getattr(self, field_name)
            if not 0 <= v <= 0xFF:
                raise ApduFormatError(f"{self.label}: {field_name.upper()} {v} is not a byte")
        if len(self.data) > 255:
            raise ApduFormatError(f"{self.label}: {len(self.data)} data bytes do not fit a short APDU (max 255)")
        if self.le is not None and not 1 <= self.le <= 256:
            raise ApduFormatError(f"{self.label}: Le {self.le} outside 1..256")

    @property
    def label(self) -> str:
        return self.name or f"INS {self.ins:02X}"

    @property
    def case(self) -> int:
        """ISO 7816-3 case: 1 (no data, no Le), 2 (Le), 3 (data), 4 (data and Le)."""
        if self.data:
            return 4 if self.le is not None else 3
        return 2 if self.le is not None else 1

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    def to_bytes(self) -> bytes:
        out = self.header
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out

    def with_le(self, le: int) -> "CommandApdu":
        return replace(self, le=le)

    @classmethod
    def from_bytes(cls, raw: bytes, name: str = "") -> "CommandApdu":
        """Parse a short C-APDU (the virtual card's side)."""
        n = len(raw)
        if n < 4:
            raise ApduFormatError(f"C-APDU of {n} bytes is shorter than its 4-byte header")
        cla, ins, p1, p2 = raw[:4]
        if n == 4:
            return cls(cla, ins, p1, p2, name=name)
        if n == 5:
            return cls(cla, ins, p1, p2, le=raw[4] or 256, name=name)
        lc = raw[4]
        if lc == 0:
            raise ApduFormatError("C-APDU with Lc=00 and data (extended APDUs are not supported)")
        if n == 5 + lc:
            return cls(cla, ins, p1, p2, bytes(raw[5:]), name=name)
        if n == 6 + lc:
            return cls(cla, ins, p1, p2, bytes(raw[5 : 5 + lc]), le=raw[-1] or 256, name=name)
        raise ApduFormatError(f"C-APDU length {n} does not match Lc={lc}")

    def __str__(self) -> str:
        body = "****" if (self.secret and self.data) else self.data.hex().upper()
        lc = f" {len(self.data):02X} {body}" if self.data else ""
        le = f" {self.le & 0xFF:02X}" if self.le is not None else ""
        return f"{self.header.hex(' ').upper()}{lc}{le}"


@dataclass(frozen=True)
class ResponseApdu:
    """Response data and the status word SW1 SW2."""

    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @classmethod
    def from_bytes(cls, raw: bytes) -> "ResponseApdu":
        if len(raw) < 2:
            raise ApduFormatError(f"R-APDU of {len(raw)} bytes has no status word")
        return cls(bytes(raw[:-2]), raw[-2], raw[-1])

    def to_bytes(self) -> bytes:
        return self.data + bytes((self.sw1, self.sw2))
