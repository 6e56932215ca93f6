"""``cardboot pkcs15 init``: lay out a card's PKCS#15 application as a layout says (see provision.init)."""

from __future__ import annotations

import json

from ..errors import ExitCode
from ..provision.init import init_card
from ..provision.layout import load_layout
from .cardopts import add_card_options, add_secret_options, open_card, secrets_from
from .commands import TOP_HELP


def add_parsers(sub) -> None:
    p = sub.add_parser("pkcs15", help=TOP_HELP["pkcs15"])
    psub = p.add_subparsers(dest="pkcs15_command", required=True)
    i = psub.add_parser("init", help="create and fill what the layout's [pkcs15] table wants, verified; "
                                     "a second run changes nothing")
    i.add_argument("--layout", required=True, metavar="NAME|TOML",
                   help="built-in layout (uicc, sim, usim-arr, ...) or a layout TOML with a [pkcs15] table")
    add_card_options(i)
    add_secret_options(i)
    i.add_argument("--dry-run", action="store_true", help="read the card and print the commands that would "
                                                          "change it, without sending them")
    i.add_argument("--recreate", action="store_true",
                   help="DELETE FILE and CREATE FILE again where a file's structure, size or access differs; "
                        "grow a full EF.DIR by one record (every record kept)")
    i.add_argument("--no-efdir", action="store_true",
                   help="leave a full EF.DIR alone: the application is then reachable by its AID only (D.3.1 "
                        "looks in EF.DIR first)")
    i.set_defaults(func=run_init)


def _hex_apdu(apdu: bytes) -> str:
    """A held command for the plan: a VERIFY's value masked."""
    if len(apdu) > 5 and apdu[1] in (0x20, 0x24, 0x2C):
        return apdu[:5].hex().upper() + " ****"
    return apdu[:5].hex().upper() + (" " + apdu[5:].hex().upper() if len(apdu) > 5 else "")


def run_init(args) -> int:
    layout = load_layout(args.layout)
    with open_card(args, dry_run=args.dry_run) as ctx:
        result = init_card(ctx.card, layout, secrets_from(args), recreate=args.recreate, dry_run=args.dry_run,
                             no_efdir=args.no_efdir)
        held = list(getattr(ctx.transport, "held", []))
    status = ("planned" if args.dry_run else "incomplete" if result.missing
              else "unchanged" if result.unchanged else "initialized")
    if args.json:
        print(json.dumps({"status": status, "layout": layout.source, "card": ctx.source,
                          "steps": [{"action": s.action, "target": s.target, "detail": s.detail, "done": s.done}
                                    for s in result.steps],
                          "missing": result.missing, "recreated": [str(d) for d in result.recreated],
                          "notes": result.notes, "apdus": result.apdus,
                          "not_sent": [_hex_apdu(a) for a in held]}, indent=2))
    else:
        name = args.layout
        if status == "unchanged":
            print(f"already as the layout says: {name} on {ctx.source} ({result.apdus} APDUs, reads only)")
        else:
            head = {"planned": "dry run, nothing changed", "incomplete": "incomplete",
                    "initialized": "initialized, every change read back"}[status]
            print(f"{head}: {name} on {ctx.source}, {len(result.steps)} step(s), {result.apdus} APDUs")
            for step in result.steps:
                print(f"  {step}")
        for note in result.notes:
            print(f"note: {note}")
        for miss in result.missing:
            print(f"missing: {miss}")
        if held:
            print(f"not sent ({len(held)} commands):")
            for apdu in held:
                print(f"  {_hex_apdu(apdu)}")
    return ExitCode.VALIDATION if result.missing else 0
