"""``cardboot inspect``: ATR, ICCID, EF.DIR applications and the PKCS#15 application's files."""

from __future__ import annotations

import json

from ..card.path import path_str
from ..provision.inspect import CardReport, inspect_card
from .cardopts import add_card_options, open_card

FAMILY_TEXT = {"uicc": "UICC (ETSI TS 102 221)", "sim": "SIM (3GPP TS 51.011)"}


def add_parser(sub) -> None:
    p = sub.add_parser("inspect", help="show what is on a card (default: the built-in virtual UICC)")
    add_card_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def render(report: CardReport) -> str:
    lines = [
        f"Card      {FAMILY_TEXT.get(report.family, report.family)} on {report.reader}, {report.protocol}",
        f"ATR       {report.atr.hex(' ').upper()}",
        f"ICCID     {report.iccid or '(no EF.ICCID)'}",
        f"EF.DIR    {len(report.applications)} application(s)",
    ]
    for a in report.applications:
        label = f'  "{a.label}"' if a.label else ""
        path = f"  path {path_str(a.path)}" if a.path else ""
        lines.append(f"  #{a.record} {a.kind:<11} {a.aid.hex().upper()}{label}{path}")
    if report.pkcs15 is None:
        lines.append("PKCS#15   no PKCS#15 application in EF.DIR")
    else:
        lines.append(f"PKCS#15   {report.pkcs15_access}")
        for f in report.pkcs15_files:
            what = f.info.describe() if f.info is not None else f.error
            lines.append(f"  {f.role:<12} {path_str(f.path):<16} {what}")
    lines.append(f"APDUs     {report.apdus}")
    return "\n".join(lines)


def run(args) -> int:
    with open_card(args) as ctx:
        report = inspect_card(ctx.card, reader=ctx.source, protocol=ctx.transport.protocol)
    print(json.dumps(report.as_dict(), indent=2) if args.json else render(report))
    return 0
