"""The one interface every layer above sees: connect, disconnect, reset, ``atr``, ``transmit``."""

from __future__ import annotations

from abc import ABC, abstractmethod


class Transport(ABC):
    """A link to one card. ``transmit`` takes a C-APDU and returns the R-APDU (data + SW1 SW2)."""

    name: str = "transport"

    @abstractmethod
    def connect(self) -> None: ...

    @abstractmethod
    def disconnect(self) -> None: ...

    @abstractmethod
    def reset(self) -> bytes:
        """Warm reset; returns the ATR."""

    @property
    @abstractmethod
    def atr(self) -> bytes: ...

    #: seconds a connect / :meth:`hold` waits for a card another client holds (set by the card session)
    wait: float = 5.0

    #: True when the card was just powered up or reset by this transport, so the MF is selected and no
    #: logical channel is open; False when an earlier session may have left it anywhere.
    fresh: bool = False

    @property
    def protocol(self) -> str:
        """'T=0' or 'T=1'."""
        return "T=1"

    @abstractmethod
    def transmit(self, apdu: bytes) -> bytes: ...

    def hold(self, wait: float) -> None:
        """Take the card for one session, so no other client's command lands between two of ours (PC/SC:
        a transaction; a virtual card: its state's lock). Waits at most ``wait`` seconds for another
        holder, then raises :class:`cardboot.errors.CardBusyError`. A link only this process uses needs
        nothing."""

    def release(self) -> None:
        """Give the card back (never raises: a card that is gone is released)."""

    def __enter__(self) -> "Transport":
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.disconnect()
