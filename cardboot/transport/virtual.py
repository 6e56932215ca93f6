"""An in-process virtual card as a transport.

Works with any object that has ``power_on() -> atr``, ``reset() -> atr``, ``power_off()``,
``process(apdu: bytes) -> bytes`` and ``t0: bool`` (vsim's cards do). A card that raises
``ConnectionError`` (vsim's fault injection "drop the link") is reported as :class:`CardRemovedError`.
"""

from __future__ import annotations

from ..errors import CardRemovedError, NoCardError
from .base import Transport


class VirtualTransport(Transport):
    def __init__(self, card, name: str = "vsim", after=None):
        self.card = card
        self.name = name
        self.after = after  # called with each C-APDU after the card answered (vsim's state keeper)
        self._atr: bytes | None = None

    def connect(self) -> None:
        try:
            self._atr = bytes(self.card.power_on())
        except ConnectionError as e:
            raise NoCardError(f"{self.name}: no card ({e})") from None
        self.fresh = True

    def disconnect(self) -> None:
        if self._atr is not None:
            self.card.power_off()
        self._atr = None

    def reset(self) -> bytes:
        self.fresh = True
        try:
            self._atr = bytes(self.card.reset())
        except ConnectionError as e:
            raise CardRemovedError(f"{self.name}: card removed ({e})") from None
        return self._atr

    @property
    def atr(self) -> bytes:
        if self._atr is None:
            raise NoCardError(f"{self.name}: not connected")
        return self._atr

    @property
    def protocol(self) -> str:
        return "T=0" if getattr(self.card, "t0", False) else "T=1"

    def transmit(self, apdu: bytes) -> bytes:
        if self._atr is None:
            raise NoCardError(f"{self.name}: not connected")
        try:
            response = bytes(self.card.process(bytes(apdu)))
            if self.after is not None:
                self.after(apdu)
            return response
        except ConnectionError as e:
            self._atr = None
            raise CardRemovedError(f"{self.name}: card removed during the command ({e})") from None
