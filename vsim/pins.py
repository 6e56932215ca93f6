"""PIN / CHV / ADM state of a virtual card: value, tries left, PUK; counts down and blocks."""

from __future__ import annotations

from dataclasses import dataclass

PIN_BLOCK = 8  # PIN values are padded with FF to 8 bytes (TS 102 221 9.5.1, TS 51.011 9.2.9)


def pad_pin(value: bytes) -> bytes:
    return value.ljust(PIN_BLOCK, b"\xff")[:PIN_BLOCK]


@dataclass
class Pin:
    name: str
    ref: int
    value: bytes
    max_retries: int = 3
    retries: int = 3
    puk: bytes | None = None
    puk_max_retries: int = 10
    puk_retries: int = 10
    enabled: bool = True

    def __repr__(self) -> str:  # the virtual card's PINs stay out of logs as well
        return f"Pin({self.name}, ref={self.ref:02X}, retries={self.retries}/{self.max_retries})"

    @property
    def blocked(self) -> bool:
        return self.retries == 0

    def check(self, candidate: bytes) -> bool:
        """Count a presentation: True and counter reset on match, else one try less."""
        if self.blocked:
            return False
        if pad_pin(candidate) == pad_pin(self.value):
            self.retries = self.max_retries
            return True
        self.retries -= 1
        return False

    def unblock(self, puk: bytes, new_value: bytes) -> bool:
        if self.puk is None or self.puk_retries == 0:
            return False
        if pad_pin(puk) != pad_pin(self.puk):
            self.puk_retries -= 1
            return False
        self.puk_retries = self.puk_max_retries
        self.value = new_value.rstrip(b"\xff")
        self.retries = self.max_retries
        return True
