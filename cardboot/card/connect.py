"""Open a card on a transport: tell a UICC from a SIM and build the matching card object.

Detection costs nothing on a UICC: the first command is the UICC SELECT of EF.DIR (``00 A4 00 04 02
2F00``) that reading EF.DIR needs anyway, and its answer stays in the selection cache. A SIM rejects
CLA 00 with ``6E00`` (TS 51.011 9.4.6), after which the card is driven as a SIM.
"""

from __future__ import annotations

from ..apdu.exchange import ApduExchange
from ..apdu.status import CardFamily
from ..apdu.trace import Trace
from ..errors import StatusWordError, UsageError
from ..transport.base import Transport
from .path import MF
from .sim import SimCard
from .uicc import UiccCard

Card = SimCard | UiccCard


def connect_card(transport: Transport, family: str | None = None, trace: Trace | None = None) -> Card:
    """Power the card (if needed) and return a :class:`SimCard` or :class:`UiccCard`.

    ``family``: 'sim', 'uicc' or None to detect.
    """
    try:
        atr = transport.atr
    except Exception:
        transport.connect()
        atr = transport.atr
    if family not in (None, "sim", "uicc"):
        raise UsageError(f"card family must be 'sim' or 'uicc', not {family!r}")
    fresh = transport.fresh
    if family == "sim":
        return SimCard(ApduExchange(transport, CardFamily.SIM, trace), atr, fresh)
    exchange = ApduExchange(transport, CardFamily.UICC, trace)
    card = UiccCard(exchange, atr, fresh)
    if family == "uicc":
        return card
    try:
        card.select((MF, 0x2F00))
        return card
    except StatusWordError as e:
        if e.sw not in (0x6E00, 0x6D00):
            if e.sw in (0x6A82,):
                card._forget()
                return card  # a UICC without EF.DIR
            raise
    exchange.family = CardFamily.SIM
    return SimCard(exchange, atr, fresh)
