"""APDU layer: command/response types, status words, the T=0 procedure and the trace."""

from .command import CommandApdu, ResponseApdu
from .exchange import ApduExchange
from .status import CardFamily, sw_meaning
from .trace import Trace, TraceEntry

__all__ = ["CommandApdu", "ResponseApdu", "ApduExchange", "CardFamily", "sw_meaning", "Trace", "TraceEntry"]
