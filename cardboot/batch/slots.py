"""Where a batch worker finds its cards: a PC/SC reader, or an in-process virtual reader fed from a list of
virtual cards (tests and demos). ``done(outcome)`` is the operator taking the card out: a virtual slot
puts the next card in (or the same one again when it should be retried)."""

from __future__ import annotations

import threading
from collections import deque

from ..transport.base import Transport
from ..transport.open import card_transport, reader_transport


class Slot:
    name: str = "slot"

    def card_present(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def transport(self) -> Transport:  # pragma: no cover - interface
        raise NotImplementedError

    def done(self, retry: bool) -> None:
        """The worker is finished with the card in the slot (``retry``: it should come back)."""

    @property
    def exhausted(self) -> bool:
        """True when no card will come any more (virtual slots); a real reader never is."""
        return False


class PcscSlot(Slot):
    def __init__(self, reader: str):
        self.name = reader

    def card_present(self) -> bool:
        from ..transport.pcsc import card_state

        return card_state(self.name)[0]

    def transport(self) -> Transport:
        return reader_transport(self.name)


class VirtualSlot(Slot):
    """In-process virtual reader: cards come from a queue; a card to retry goes back in at once."""

    def __init__(self, name: str, cards):
        self.name = name
        self.queue = deque(cards)
        self.current = self.queue.popleft() if self.queue else None
        self.lock = threading.Lock()

    def card_present(self) -> bool:
        return self.current is not None

    def transport(self) -> Transport:
        return card_transport(self.current, name=self.name)

    def done(self, retry: bool) -> None:
        with self.lock:
            if not retry:
                self.current = self.queue.popleft() if self.queue else None

    @property
    def exhausted(self) -> bool:
        return self.current is None and not self.queue


class FedPcscSlot(PcscSlot):
    """A vpcd reader slot fed with virtual cards by this process (``cardboot batch run --vsim-slots``)."""

    def __init__(self, reader: str, port: int, cards):
        """``cards``: vsim cards, or (card, StateKeeper) pairs whose content survives the process."""
        super().__init__(reader)
        self.port = port
        self.queue = deque(cards)
        self.server = None
        self._next()

    def _next(self) -> None:
        from vsim.pcscd import card_present
        from vsim.vpcd import VpcdCard, wait_for

        if self.server is not None:
            self.server.stop()
            wait_for(lambda: not card_present(self.name), 5)
            self.server = None
        if self.queue:
            item = self.queue.popleft()
            card, keeper = item if isinstance(item, tuple) else (item, None)
            self.server = VpcdCard(card, port=self.port, state=keeper)
            self.server.start_thread()
            wait_for(lambda: card_present(self.name), 10)

    def done(self, retry: bool) -> None:
        if not retry:
            self._next()

    @property
    def exhausted(self) -> bool:
        return self.server is None and not self.queue

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
