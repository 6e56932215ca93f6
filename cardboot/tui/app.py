"""``cardboot tui``: the personalization bench at a terminal.

Readers on the left (virtual cards and PC/SC readers, presence polled); the card as a tree (EF.DIR →
PKCS#15 → ODF → DODF objects → EF DM_Bootstrap) with details; the stored bootstrap as fields, XML, hex;
an APDU log. Card work runs in thread workers calling the provisioning functions the CLI uses.
"""

from __future__ import annotations

import threading

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Label, ListItem, ListView, Static, Tree

from ..apdu import Trace
from ..card.path import path_str
from ..errors import CardbootError, CardRemovedError, PinBlockedError, PinRetryGuardError, TransportError
from ..provision.access import Secrets, pin_overview, probe_secret
from ..provision.inspect import CardReport, inspect_card
from ..provision.session import card_session
from ..provision.write import erase_stored, write_stored
from ..secret import Secret
from .dialogs import HelpScreen, ResultDialog, SecretDialog
from .readers import ReaderEntry, ReaderKind, pcsc_entries, virtual_entries
from .widgets import ApduLog, CardTree, ContentTabs
from .write_screen import WriteScreen


class ProgressTrace(Trace):
    """A trace that tells the app about each APDU (stage and command name; data stays masked)."""

    def __init__(self, app: "CardbootApp"):
        super().__init__(keep=True)
        self.app = app

    def record(self, cmd, response, sw, family, micros, secret_response=False):
        super().record(cmd, response, sw, family, micros, secret_response)
        self.app.call_from_thread(self.app.set_status, f"{self.stage or 'card'}: {cmd.label} ({self.count} APDUs)")


class CardbootApp(App):
    TITLE = "cardboot"
    SUB_TITLE = "OMA DM bootstrap bench"
    CSS = """
    #left { width: 28; border-right: solid $primary; }
    #left Label { padding: 0 1; text-style: bold; }
    #top { height: 10; }
    #card { width: 1fr; }
    #details { width: 1fr; padding: 0 1; border-left: solid $primary; }
    #tabs { height: 1fr; }
    #status { height: 1; background: $boost; padding: 0 1; }
    #log { display: none; height: 8; }
    #log.shown { display: block; }
    """
    BINDINGS = [
        ("r", "refresh", "Read"), ("w", "write", "Write"), ("e", "erase", "Erase"), ("p", "pin", "PIN"),
        ("i", "insert", "Insert/remove"), ("s", "secrets", "Secrets"), ("l", "log", "APDU log"),
        ("question_mark", "help", "Help"), ("q", "quit", "Quit"),
    ]

    def __init__(self, entries: list[ReaderEntry] | None = None, template: str = "dm-bootstrap",
                 defaults: dict | None = None, poll_pcsc: bool = True):
        super().__init__()
        self.entries = entries if entries is not None else virtual_entries()
        self.template = template
        # thread workers cannot be cancelled: one card session at a time, whatever asked for it
        self._card_lock = threading.Lock()
        self.secret_leaves = _secret_leaves(template)  # what the template marks secret, masked on display
        self.defaults = defaults if defaults is not None else _example_vars()
        self.poll_pcsc = poll_pcsc
        self.current: ReaderEntry | None = None
        self.report: CardReport | None = None
        self.pin: Secret | None = None
        self.adm: Secret | None = None
        self.force_adm = False

    # --- layout ---------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="left"):
                yield Label("Readers")
                yield ListView(id="readers")
            with Vertical():
                with Horizontal(id="top"):
                    yield CardTree("no card", id="card")
                    yield Static("Choose a reader.", id="details")
                yield ContentTabs(self.secret_leaves, id="tabs")
                yield ApduLog(id="log", max_lines=500)
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_readers()
        readers = self.query_one("#readers", ListView)
        readers.focus()
        if self.entries:
            readers.index = 0
        if len(self.entries) == 1:  # the only reader there is (e.g. `cardboot tui --vsim uicc`): open it
            self.current = self.entries[0]
            self.load_card()
        if self.poll_pcsc:
            self.poll_readers()

    def refresh_readers(self) -> None:
        lv = self.query_one("#readers", ListView)
        index = lv.index
        lv.clear()
        for e in self.entries:
            lv.append(ListItem(Label(e.label, markup=False)))
        if index is not None and self.entries:
            lv.index = min(index, len(self.entries) - 1)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # --- readers ---------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="poll")
    def poll_readers(self) -> None:
        import time

        from textual.worker import get_current_worker

        worker = get_current_worker()
        known: dict[str, bool] = {}
        while not worker.is_cancelled:
            found = pcsc_entries()
            state = {e.name: e.present for e in found}
            if state != known:
                known = state
                self.call_from_thread(self._merge_pcsc, found)
            time.sleep(1.0)

    def _merge_pcsc(self, found: list[ReaderEntry]) -> None:
        virtual = [e for e in self.entries if e.kind is ReaderKind.VSIM]
        self.entries = virtual + found
        self.refresh_readers()
        if self.current is not None and self.current.kind is ReaderKind.PCSC:
            now = next((e for e in found if e.name == self.current.name), None)
            if now is not None and now.present != self.current.present:
                self.current = now
                self.load_card()

    @on(ListView.Selected, "#readers")
    def reader_chosen(self, event: ListView.Selected) -> None:
        entry = self.entries[event.list_view.index]
        if entry is not self.current:
            self.pin = self.adm = None
            self.force_adm = False
        self.current = entry
        self.load_card()

    # --- reading ---------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="card")
    def load_card(self) -> None:
        entry = self.current
        if entry is None:
            return
        trace = ProgressTrace(self)
        try:
            transport = entry.transport()
            with self._card_lock, card_session(transport, trace=trace) as card:
                report = inspect_card(card, entry.name, transport.protocol, Secrets(pin=self.pin))
                pins = pin_overview(card) if report.bootstrap is not None else []
                lwm2m = self._read_lwm2m(card, report)
            self.call_from_thread(self.show_report, report, trace, pins, lwm2m)
        except CardbootError as e:
            self.call_from_thread(self.show_error, str(e), trace)

    def _read_lwm2m(self, card, report: CardReport):
        """The LwM2M bootstrap when the DODF lists one (what the LwM2M tab shows), or why not."""
        from ..provision.lwm2m import LWM2M_OBJECT, read_lwm2m

        if LWM2M_OBJECT.choose(report.dodf) is None:
            return None
        try:
            return read_lwm2m(card, Secrets(pin=self.pin))
        except CardbootError as e:
            return f"LwM2M bootstrap not read: {e}"

    def show_error(self, text: str, trace: Trace | None = None) -> None:
        self.report = None
        self.query_one(ContentTabs).lwm2m = None
        self.query_one(CardTree).show_nothing()
        self.query_one("#details", Static).update(text)
        self.query_one(ContentTabs).report = None
        self.set_status(text)
        self.notify(text, severity="error", timeout=6)
        if trace is not None:
            self._log(trace)

    def show_report(self, report: CardReport, trace: Trace, pins=(), lwm2m=None) -> None:
        self.report = report
        self.query_one(ContentTabs).lwm2m = lwm2m
        self.query_one(CardTree).show(report, pins)
        b = report.bootstrap
        self.query_one("#details", Static).update(
            f"{path_str(b.path)}: {b.size} bytes\n{b.read_rule}" if b else "no EF DM_Bootstrap found")
        self.query_one(ContentTabs).report = report
        self._log(trace)
        self.set_status(f"{report.family.upper()} {report.iccid}: {report.apdus} APDUs")

    @on(Tree.NodeHighlighted, "#card")
    def node_chosen(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data:
            self.query_one("#details", Static).update(str(event.node.data))

    def _log(self, trace: Trace) -> None:
        self.query_one(ApduLog).add(trace)

    # --- actions ---------------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.load_card()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_secrets(self) -> None:
        tabs = self.query_one(ContentTabs)
        tabs.show_secrets = not tabs.show_secrets

    def action_log(self) -> None:
        self.query_one(ApduLog).toggle_class("shown")

    def action_insert(self) -> None:
        e = self.current
        if e is not None and e.kind is ReaderKind.VSIM:
            e.present = not e.present
            self.refresh_readers()
            self.load_card()

    def action_pin(self) -> None:
        if self.report is None or self.report.bootstrap is None:
            return
        self.ask_secret("pin", "reading the bootstrap", then=self.load_card)

    def action_write(self) -> None:
        if self.report is None or self.report.bootstrap is None:
            self.notify("No card with EF DM_Bootstrap in the chosen reader.", severity="warning")
            return
        stored = self.report.content.stored if self.report.content is not None else None
        current = stored.loaded.message if stored is not None and stored.loaded is not None else None
        self.push_screen(WriteScreen(self.template, self.defaults, self.report.bootstrap.size, current),
                         self._write_confirmed)

    def _write_confirmed(self, message: bytes | None) -> None:
        if message is None:
            return
        self._with_secrets(lambda: self.write_worker(message))

    def action_erase(self) -> None:
        if self.report is None or self.report.bootstrap is None:
            return
        self._with_secrets(self.erase_worker)

    def _with_secrets(self, then) -> None:
        """Ask for the ADM (and the PIN for a private object) when not given yet, then run ``then``."""
        loc = self.report.bootstrap
        if loc.data_object.needs_pin and self.pin is None:
            self.ask_secret("pin", "reading back the private bootstrap", then=lambda: self._with_secrets(then))
            return
        if self.adm is None:
            self.ask_secret("adm", "writing EF DM_Bootstrap (UPDATE is ADM, D.4.3)", then=then)
            return
        then()

    @work(thread=True, exclusive=True, group="probe")
    def ask_secret(self, kind: str, purpose: str, then) -> None:
        """Probe the retries left in a worker, then show the dialog."""
        retries, name = None, kind.upper()
        try:
            with self._card_lock, card_session(self.current.transport()) as card:
                name, retries = probe_secret(card, kind)
        except CardbootError as e:
            self.call_from_thread(self.notify, str(e), severity="error")
            return

        def done(value):
            if not value:
                return
            if kind == "pin":
                self.pin = Secret(value)
            else:
                self.adm = Secret(value)
                self.force_adm = retries is None  # a SIM hides the ADM counter: the operator chose to go on
            then()

        self.call_from_thread(self.push_screen, SecretDialog(name, retries, purpose), done)

    @work(thread=True, exclusive=True, group="card")
    def write_worker(self, message: bytes) -> None:
        self._provision(lambda card: write_stored(card, message, self._secrets()), "write")

    @work(thread=True, exclusive=True, group="card")
    def erase_worker(self) -> None:
        self._provision(lambda card: erase_stored(card, self._secrets()), "erase")

    def _secrets(self) -> Secrets:
        return Secrets(pin=self.pin, adm=self.adm, force=self.force_adm)

    def _forget(self, e: CardbootError) -> None:
        """A wrong, blocked or guarded value is not offered again: ask for it anew next time."""
        kind = getattr(e, "secret_kind", None)
        if kind == "adm":
            self.adm = None
        elif kind == "pin":
            self.pin = None

    def _provision(self, job, what: str) -> None:
        trace = ProgressTrace(self)
        try:
            with self._card_lock, card_session(self.current.transport(), trace=trace) as card:
                result = job(card)
            ok, title = True, "Verified"
            detail = (f"{result.written}-byte message in {path_str(result.location.path)}, read back and equal; "
                      f"{result.padded} bytes cleared to FF; {result.apdus} APDUs")
        except (PinRetryGuardError, PinBlockedError) as e:
            ok, title, detail = False, "Refused", str(e)
            self._forget(e)
        except (CardRemovedError, TransportError) as e:
            ok, title, detail = False, "Failed: card removed", f"{e}\nNothing is verified; write again."
        except CardbootError as e:
            ok, title, detail = False, "Failed", str(e)
            self._forget(e)
        self.call_from_thread(self._log, trace)
        self.call_from_thread(self.push_screen, ResultDialog(ok, f"{what}: {title}", detail))
        self.call_from_thread(self.load_card)


def _secret_leaves(template: str) -> set[str]:
    from ..bootstrap.template import load_toml, resolve_template, secret_leaves

    try:
        return secret_leaves(load_toml(resolve_template(template), "template"))
    except CardbootError:
        return set()


def _example_vars() -> dict:
    from ..bootstrap.template import load_toml, resolve_template

    try:
        return load_toml(resolve_template("dm-bootstrap").parent.parent / "vars" / "example.toml", "vars")
    except CardbootError:
        return {}


def run_tui(args) -> int:
    entries = None
    if getattr(args, "vsim", None):
        entries = virtual_entries(args.vsim.split(","))
    CardbootApp(entries, template=args.template).run()
    return 0
