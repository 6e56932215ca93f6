"""A transport for ``--dry-run``: commands that only read go to the card; commands that would change it
(UPDATE BINARY / RECORD, CREATE / DELETE / ACTIVATE / DEACTIVATE FILE, a VERIFY with a value, CHANGE /
DISABLE / ENABLE / UNBLOCK PIN) are not sent and answered 9000, and kept in ``held`` for the plan.

A VERIFY without data (how many tries are left, TS 102 221 11.1.9) reads and is sent; a SIM's VERIFY
CHV always carries the value and is held.
"""

from __future__ import annotations

from .base import Transport

_CHANGING = frozenset({0xD6, 0xDC, 0xE0, 0xE4, 0x04, 0x44, 0x24, 0x26, 0x28, 0x2C})


def changes_card(apdu: bytes) -> bool:
    if len(apdu) < 4:
        return False
    ins = apdu[1]
    return ins in _CHANGING or (ins == 0x20 and len(apdu) > 5)


class DryRunTransport(Transport):
    def __init__(self, inner: Transport):
        self.inner = inner
        self.name = f"{inner.name} (dry run)"
        self.held: list[bytes] = []

    def connect(self) -> None:
        self.inner.wait = self.wait
        self.inner.connect()

    def disconnect(self) -> None:
        self.inner.disconnect()

    def hold(self, wait: float) -> None:
        self.inner.hold(wait)  # the card is held (and a virtual card's state loaded) as without --dry-run

    def release(self) -> None:
        self.inner.release()

    def reset(self) -> bytes:
        return self.inner.reset()

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    @property
    def fresh(self) -> bool:
        return self.inner.fresh

    @fresh.setter
    def fresh(self, value: bool) -> None:
        self.inner.fresh = value

    @property
    def protocol(self) -> str:
        return self.inner.protocol

    def transmit(self, apdu: bytes) -> bytes:
        if changes_card(apdu):
            self.held.append(bytes(apdu))
            return b"\x90\x00"
        return self.inner.transmit(apdu)
