"""``cardboot conformance``: the OMA DM Bootstrap Appendix B items a message shows — from a file, from a
card (the message on it), or from a server (the 5.5.7 GET, as a device fetches it)."""

from __future__ import annotations

import json

from ..errors import ExitCode
from .cardopts import add_card_options, add_secret_options, open_card, secret_option, secrets_from
from .commands import TOP_HELP


def add_parsers(sub) -> None:
    c = sub.add_parser("conformance", help=TOP_HELP["conformance"])
    src = c.add_mutually_exclusive_group(required=True)
    src.add_argument("--message", help="a bootstrap message file (WBXML or XML)")
    src.add_argument("--card", action="store_true", help="the message on a card (--vsim / --reader)")
    src.add_argument("--server", metavar="URL", help="https://host[:port]/OMA/DM/Bootstrap.xml, fetched as a device")
    src.add_argument("--device", metavar="DEVICE.json", help="the device items (C-007..C-015) from what `device boot` "
                                                             "recorded in this state")
    c.add_argument("--from-cp", action="store_true", help="the message was converted from a CP document (5.4.4)")
    add_card_options(c)
    add_secret_options(c)
    c.add_argument("--cert")
    c.add_argument("--key")
    c.add_argument("--basic-env", metavar="VAR")
    c.add_argument("--ca")
    c.set_defaults(func=run_conformance)


def run_conformance(args) -> int:
    from ..bootstrap.conformance import check_message

    if args.device:
        from ..device.boot import load_state
        from ..device.conformance import check_device

        items = check_device(load_state(args.device), args.device)
        return _report(args, args.device, items)
    if args.message:
        from ..bootstrap.io import load_message_file

        loaded = load_message_file(args.message)
        msg, wbxml, source = loaded.message, loaded.wbxml, args.message
    elif args.server:
        from ..device.fetch import fetch

        got = fetch(args.server, ca=args.ca, cert=args.cert, key=args.key, basic=secret_option(args, "basic"))
        msg, wbxml, source = got.loaded.message, got.loaded.wbxml, args.server
    else:
        from ..errors import MessageError
        from ..provision.read import read_stored

        with open_card(args) as ctx:
            stored = read_stored(ctx.card, secrets_from(args))
        if stored.loaded is None:
            raise MessageError(f"the card holds no bootstrap message ({'empty' if stored.empty else stored.error})")
        msg, wbxml, source = stored.loaded.message, stored.loaded.wbxml, ctx.source
    items = check_message(msg, wbxml, source=source, from_cp=args.from_cp)
    return _report(args, source, items)


def _report(args, source: str, items) -> int:
    from ..bootstrap.conformance import FAIL

    if args.json:
        print(json.dumps({"source": source, "items": [i.as_dict() for i in items]}, indent=2))
    else:
        for i in items:
            print(f"{i.status:<4} {i.item:<28} {i.function}: {i.evidence}")
    return ExitCode.VALIDATION if any(i.status == FAIL for i in items) else 0
