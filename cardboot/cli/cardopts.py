"""Options shared by every command that talks to a card: which card, which protocol, tracing."""

from __future__ import annotations

import argparse
import contextlib
import sys
from dataclasses import dataclass

from ..apdu import Trace
from ..card import Card, connect_card
from ..transport.base import Transport


def add_card_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--vsim", metavar="PROFILE", help="an in-process virtual card: built-in name (uicc, sim) "
                       "or a profile TOML path (default: uicc)")
    where.add_argument("--reader", metavar="NAME|INDEX", help="a PC/SC reader by index or (part of its) name")
    parser.add_argument("--t0", action="store_true", help="virtual card: behave as T=0 (61xx/9Fxx procedure)")
    parser.add_argument("--protocol", choices=["any", "T=0", "T=1"], default="any", help="PC/SC protocol")
    parser.add_argument("--family", choices=["sim", "uicc"], help="skip detection (default: detect)")
    parser.add_argument("--trace", action="store_true", help="print the APDU trace (secrets shown as ****)")


@dataclass
class CardContext:
    card: Card
    transport: Transport
    trace: Trace
    source: str


def make_transport(args) -> tuple[Transport, str]:
    if getattr(args, "reader", None) is not None:
        from ..transport.pcsc import PcscTransport

        return PcscTransport(args.reader, args.protocol), f"reader {args.reader}"
    import vsim
    from ..transport.virtual import VirtualTransport

    profile = args.vsim or "uicc"
    card = vsim.load_card(profile, t0=args.t0)
    return VirtualTransport(card, name=f"vsim:{profile}"), f"vsim {profile}"


@contextlib.contextmanager
def open_card(args):
    transport, source = make_transport(args)
    trace = Trace(keep=bool(getattr(args, "trace", False)))
    transport.connect()
    try:
        card = connect_card(transport, family=args.family, trace=trace)
        yield CardContext(card, transport, trace, source)
    finally:
        if trace.keep:
            for entry in trace:
                print(f"  {entry}", file=sys.stderr)
        transport.disconnect()
