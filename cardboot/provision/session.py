"""A card session, the one way the faces open one: power the card through its transport, take it for the
session (a PC/SC transaction, a virtual card's state lock: no other client's command lands between two
of ours), tell a SIM from a UICC (``card.connect``), hand the card to the work, give it back and power it
down at the end.

A failure to disconnect never hides what ended the session, and after work that succeeded it does not
turn the outcome into a failure (the card has done what it was asked; the reader may already be gone).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..apdu import Trace
from ..card import Card, connect_card
from ..errors import CardbootError
from ..transport.base import Transport


DEFAULT_WAIT = 5.0  # seconds a session waits for a card another client holds (--wait)


@contextmanager
def card_session(transport: Transport, *, family: str | None = None, trace: Trace | None = None,
                 wait: float = DEFAULT_WAIT) -> Iterator[Card]:
    try:
        transport.wait = wait
        transport.connect()
        transport.hold(wait)
        yield connect_card(transport, family=family, trace=trace)
    finally:
        try:
            transport.disconnect()  # also after a failed connect: it releases what connect set up
        except CardbootError:
            pass
