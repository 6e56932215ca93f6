"""``cardboot batch run | status | report``: many cards through many readers, one ledger."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sys
import threading
import time

from ..errors import UsageError
from .cardopts import secret_option
from .commands import TOP_HELP


def add_parser(sub) -> None:
    p = sub.add_parser("batch", help=TOP_HELP["batch"])
    bsub = p.add_subparsers(dest="batch_command", metavar="ACTION")
    r = bsub.add_parser("run", help="write and verify every card of the CSV (resumes where a run stopped)")
    r.add_argument("--template", default="dm-bootstrap")
    r.add_argument("--lwm2m-template", metavar="T", help="also write an LwM2M bootstrap (LwM2M Core Appendix G) "
                   "from this template; its variables are columns of the same CSV")
    r.add_argument("--csv", required=True, help="one row per card: iccid, the template's variables, [pin], [adm]")
    r.add_argument("--batch", help="batch name in the ledger (default: the CSV's file name)")
    r.add_argument("--db", help="ledger URL: sqlite:///FILE (default <batch>.ledger.sqlite) or postgresql+psycopg://...")
    r.add_argument("--station", default=socket.gethostname(), help="this station's name in the ledger")
    where = r.add_mutually_exclusive_group()
    where.add_argument("--readers", default="all", help="all, or reader names / indexes separated by commas")
    where.add_argument("--vsim-slots", type=int, metavar="N",
                       help="demo/test: start pcscd with N vpcd readers and feed them virtual cards with the CSV's ICCIDs")
    r.add_argument("--vsim-profile", default="uicc", help="layout of the virtual cards (with --vsim-slots)")
    r.add_argument("--vsim-state", metavar="DIR", help="keep each virtual card's content in DIR/<iccid>.json "
                   "(with --vsim-slots), so a resumed run meets the cards as the killed run left them")
    for kind in ("adm", "pin"):
        r.add_argument(f"--{kind}-env", metavar="VAR", help=f"default {kind.upper()} for rows without one")
        r.add_argument(f"--{kind}-file", metavar="FILE")
        r.add_argument(f"--{kind}-prompt", action="store_true")
    r.add_argument("--force-verify", action="store_true")
    r.add_argument("--init", metavar="LAYOUT", help="lay out each card's PKCS#15 files as this layout says "
                                                    "(pkcs15 init) before writing its message")
    r.add_argument("--max-attempts", type=int, default=3)
    r.add_argument("--idle-timeout", type=float, help="stop a worker whose reader stays empty this many seconds")
    r.add_argument("--quiet", action="store_true", help="no live progress, a summary at the end")
    r.set_defaults(func=run_batch)

    for name, helptext in (("status", "counts per state"), ("report", "one line per card")):
        s = bsub.add_parser(name, help=helptext)
        s.add_argument("--batch", required=True)
        s.add_argument("--db")
        if name == "report":
            s.add_argument("--format", choices=["csv", "json"], default="csv")
        else:
            s.add_argument("--json", action="store_true")
        s.set_defaults(func=run_status if name == "status" else run_report)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _ledger(args, batch: str, *, existing: bool = False):
    """The batch's ledger. ``existing``: for status and report, which must not create one for a typo."""
    from ..batch.ledger import Ledger, default_url

    url = args.db or os.environ.get("CARDBOOT_LEDGER") or default_url(batch)
    if existing and url == default_url(batch) and not os.path.exists(f"{batch}.ledger.sqlite"):
        raise UsageError(f"no ledger for batch {batch!r} here ({batch}.ledger.sqlite); give --db for another one")
    return Ledger(url)


def _known_batch(ledger, batch: str) -> dict[str, int]:
    counts = ledger.counts(batch)
    if not any(counts.values()):
        raise UsageError(f"the ledger holds no batch {batch!r}")
    return counts


def _batch_name(args) -> str:
    return args.batch or os.path.splitext(os.path.basename(args.csv))[0]


def run_batch(args) -> int:
    from ..batch.ledger import VERIFIED
    from ..batch.rows import CsvError, load_batch
    from ..batch.runner import BatchRunner, RunOptions

    name = _batch_name(args)
    try:
        batch = load_batch(args.csv, args.template, args.lwm2m_template)
    except CsvError as e:
        for line in e.lines()[:50]:
            print(f"cardboot: {line}", file=sys.stderr)
        return e.exit_code
    ledger = _ledger(args, name)
    added, existing = ledger.add_batch(name, args.template, batch.rows)
    options = RunOptions(name, args.station, adm=secret_option(args, "adm"), pin=secret_option(args, "pin"),
                         force_verify=args.force_verify, max_attempts=args.max_attempts, idle_timeout=args.idle_timeout)
    if args.init:
        from ..provision.layout import load_layout

        options.init_layout = load_layout(args.init)
    service = None
    slots = []
    try:
        if args.vsim_slots:
            service, slots = _virtual_slots(args, batch, ledger, name)
            if options.idle_timeout is None:
                options.idle_timeout = 5.0
        else:
            slots = _reader_slots(args.readers)
        progress = _Progress(name, ledger, slots, quiet=args.quiet)
        runner = BatchRunner(batch, ledger, slots, options, progress.event)
        progress.start(added, existing)
        try:
            runner.run()
        except KeyboardInterrupt:
            print("cardboot: interrupted; run the same command again to resume", file=sys.stderr)
            return 130
        finally:
            progress.stop()
    finally:
        for s in slots:
            close = getattr(s, "close", None)
            if close:
                close()
        if service is not None:
            service.stop()
    counts = ledger.counts(name)
    print(f"batch {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0 if counts[VERIFIED] == len(batch.rows) else 1


def _reader_slots(spec: str):
    from ..batch.slots import PcscSlot
    from ..transport.pcsc import list_readers, resolve_reader

    names = list_readers()
    if spec == "all":
        chosen = names
    else:
        chosen = [resolve_reader(x.strip(), names) for x in spec.split(",") if x.strip()]
    if not chosen:
        raise UsageError("no PC/SC readers to work with")
    return [PcscSlot(n) for n in chosen]


def _virtual_slots(args, batch, ledger, name):
    import vsim
    from vsim.pcscd import PcscdService, PcscdUnavailable, slot_readers

    from ..batch.ledger import VERIFIED
    from ..batch.slots import FedPcscSlot

    service = PcscdService(slots=args.vsim_slots)
    try:
        names = service.ensure()
    except PcscdUnavailable as e:
        raise UsageError(f"--vsim-slots: {e}") from None
    by_port = slot_readers(names, service.port)
    done = {r["iccid"] for r in ledger.report(name) if r["state"] == VERIFIED}
    todo = [r for r in batch.rows if r.iccid not in done]
    from pathlib import Path

    from vsim.state import StateKeeper

    def card(row):
        c = vsim.load_card(args.vsim_profile, iccid=row.iccid)
        if not args.vsim_state:
            return c
        path = Path(args.vsim_state, f"{row.iccid}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        keeper = StateKeeper(c, path)
        keeper.acquire(0)  # the served card holds its state for the run (released when the process ends)
        return c, keeper

    slots = []
    for i, port in enumerate(sorted(by_port)[: args.vsim_slots]):
        slots.append(FedPcscSlot(by_port[port], port, [card(r) for r in todo[i :: args.vsim_slots]]))
    return service, slots


class _Progress:
    """Live progress with rich: per reader the current card and counts, overall cards/min and ETA."""

    def __init__(self, name, ledger, slots, quiet: bool):
        self.name, self.ledger, self.quiet = name, ledger, quiet
        self.per_slot = {s.name: {"card": "", "verified": 0, "failed": 0} for s in slots}
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.verified = 0
        self.live = None
        self.failures: list[str] = []

    def start(self, added: int, existing: int) -> None:
        if self.quiet or not sys.stderr.isatty():
            print(f"batch {self.name}: {added} new card(s), {existing} already in the ledger", file=sys.stderr)
            return
        from rich.live import Live

        self.live = Live(self._render(), refresh_per_second=4, console=_console(), transient=False)
        self.live.start()

    def event(self, e) -> None:
        with self.lock:
            st = self.per_slot.setdefault(e.slot, {"card": "", "verified": 0, "failed": 0})
            if e.kind == "card":
                st["card"] = e.iccid
            elif e.kind in ("verified", "already"):
                st["verified"] += 1
                st["card"] = ""
                self.verified += 1
            elif e.kind in ("failed", "removed", "no-row"):
                st["failed"] += e.kind == "failed"
                self.failures.append(f"{e.slot}: {e.iccid or '?'} {e.kind}: {e.detail}")
                if self.live is None and not self.quiet:
                    print(f"  {self.failures[-1]}", file=sys.stderr)
        if self.live is not None:
            self.live.update(self._render())

    def _render(self):
        from rich.table import Table

        counts = self.ledger.counts(self.name)
        total = sum(counts.values())
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = self.verified / elapsed * 60
        left = total - counts["verified"]
        eta = f"{left / rate:.1f} min" if rate > 0 else "-"
        t = Table(title=f"batch {self.name}: {counts['verified']}/{total} verified, {rate:.0f} cards/min, ETA {eta}")
        for col in ("reader", "card", "verified", "failed"):
            t.add_column(col)
        for slot, st in self.per_slot.items():
            t.add_row(slot, st["card"], str(st["verified"]), str(st["failed"]))
        for f in self.failures[-3:]:
            t.add_row("", f"[red]{f[:60]}", "", "")
        return t

    def stop(self) -> None:
        if self.live is not None:
            self.live.update(self._render())
            self.live.stop()


def _console():
    from rich.console import Console

    return Console(stderr=True)


def run_status(args) -> int:
    counts = _known_batch(_ledger(args, args.batch, existing=True), args.batch)
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"batch {args.batch}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def run_report(args) -> int:
    ledger = _ledger(args, args.batch, existing=True)
    _known_batch(ledger, args.batch)
    rows = ledger.report(args.batch)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["iccid", "row", "state", "attempts", "reason", "station", "reader", "apdus",
                                        "seconds"])
    w.writeheader()
    w.writerows(rows)
    sys.stdout.write(buf.getvalue())
    return 0
