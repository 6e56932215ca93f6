"""``cardboot dump`` (a card as a vsim layout: its virtual twin) and ``cardboot diff`` (two cards or dumps,
file by file)."""

from __future__ import annotations

import argparse
import json

from ..outfile import write_private
from ..provision.dump import diff_dumps, dump_card, to_layout, twin_values
from .cardopts import add_card_options, add_secret_options, open_card, secrets_from
from .commands import TOP_HELP


def add_parsers(sub) -> None:
    d = sub.add_parser("dump", help=TOP_HELP["dump"])
    add_card_options(d)
    add_secret_options(d)
    d.add_argument("--out", required=True, help="the layout TOML to write (0600: it holds the PIN / ADM values "
                                                "given with --pin-*/--adm-*, never read from the card); EFs whose "
                                                "READ needs the PIN or ADM given are read after one VERIFY each")
    d.add_argument("--scan", action="store_true", help="also try every FID of the usual ranges in each DF")
    d.set_defaults(func=run_dump)

    f = sub.add_parser("diff", help=TOP_HELP["diff"])
    f.add_argument("a", metavar="A", help="reader:NAME|INDEX, or a virtual card: built-in layout, dump TOML "
                                          "or layout TOML (optionally :STATE)")
    f.add_argument("b", metavar="B")
    f.add_argument("--scan", action="store_true")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=run_diff)


def _dump_of(spec: str, scan: bool):
    args = argparse.Namespace(vsim=None, reader=None, t0=False, protocol="any", family=None, trace=False,
                              json=False)
    if spec.startswith("reader:"):
        args.reader = spec.split(":", 1)[1]
    else:
        args.vsim = spec
    with open_card(args) as ctx:
        return dump_card(ctx.card, ctx.source, scan=scan)


def run_dump(args) -> int:
    secrets = secrets_from(args)
    with open_card(args) as ctx:
        dump = dump_card(ctx.card, ctx.source, scan=args.scan, secrets=secrets)
    write_private(args.out, to_layout(dump, twin_values(dump, secrets)), what="card dump")
    unread = [f for f in dump.files.values() if f.note]
    summary = {"status": "dumped", "out": args.out, "files": len(dump.files), "apdus": dump.apdus,
               "selects": dump.selects, "not_read": {dump.path_text(f.path): f.note for f in unread},
               "not_reached": dump.skipped}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"dumped {len(dump.files)} files of {ctx.source} to {args.out} ({dump.apdus} APDUs)")
        for path, note in summary["not_read"].items():
            print(f"  {path}: {note}")
        for what in dump.skipped:
            print(f"  not reached: {what}")
    return 0


def run_diff(args) -> int:
    a, b = _dump_of(args.a, args.scan), _dump_of(args.b, args.scan)
    changes = diff_dumps(a, b)
    if args.json:
        print(json.dumps({"same": not changes, "a": args.a, "b": args.b,
                          "differences": [c.as_dict() for c in changes]}, indent=2))
    elif not changes:
        print(f"same: {len(a.files)} files, content, sizes and access rules alike")
    else:
        print(f"{len(changes)} difference(s) ({args.a} | {args.b}):")
        for c in changes:
            print(f"  {c}")
    return 0 if not changes else 6
