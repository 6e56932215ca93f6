"""An in-process virtual card as a transport.

Works with any object that has ``power_on() -> atr``, ``reset() -> atr``, ``power_off()``,
``process(apdu: bytes) -> bytes`` and ``t0: bool`` (vsim's cards do). A card that raises
``ConnectionError`` (vsim's fault injection "drop the link") is reported as :class:`CardRemovedError`.

``keeper`` (vsim's :class:`vsim.state.StateKeeper`: ``acquire(wait)``, ``release()``, ``after(apdu)``)
makes the card's state file the card: :meth:`hold` locks and loads it for the session, every changing
command is saved, :meth:`release` lets the next process in.
"""

from __future__ import annotations

from ..errors import CardBusyError, CardRemovedError, NoCardError, UsageError
from .base import Transport


class VirtualTransport(Transport):
    def __init__(self, card, name: str = "vsim", after=None, keeper=None):
        self.card = card
        self.name = name
        self.keeper = keeper
        # called with each C-APDU after the card answered
        self.after = after if after is not None else (keeper.after if keeper is not None else None)
        self._atr: bytes | None = None

    def hold(self, wait: float) -> None:
        if self.keeper is None:
            return
        try:
            self.keeper.acquire(wait)
        except TimeoutError as e:
            raise CardBusyError(f"{self.name}: {e}; nothing was sent. Try again, or wait longer with --wait S") \
                from None
        except OSError as e:  # the state file's folder is missing or not writable: the user's to mend
            raise UsageError(str(e)) from None
        # the card's content is the state file's now: power it up afresh from that
        self._atr = bytes(self.card.reset()) if self._atr is not None else None

    def release(self) -> None:
        if self.keeper is not None:
            self.keeper.release()

    def connect(self) -> None:
        try:
            self._atr = bytes(self.card.power_on())
        except ConnectionError as e:
            raise NoCardError(f"{self.name}: no card ({e})") from None
        self.fresh = True

    def disconnect(self) -> None:
        try:
            if self._atr is not None:
                self.card.power_off()
            self._atr = None
        finally:
            self.release()

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
