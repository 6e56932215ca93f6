"""The bench TUI's widgets: each renders one typed result and nothing else (the app wires them, workers
call ``provision``). The card as a tree, the stored bootstrap as tabs (fields, XML, hex) re-rendered when
``report`` or ``show_secrets`` change, the APDU log."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import RichLog, Static, TabbedContent, TabPane, Tree

from ..apdu import Trace
from ..bootstrap.syncml import expand_embedded_tnds
from ..bootstrap.view import mask_secrets, summary
from ..card.path import path_str
from ..errors import tries_left
from ..provision.inspect import CardReport, ContentStatus
from ..wbxml.xml import to_xml_bytes


class CardTree(Tree):
    """EF.DIR → PKCS#15 (files with their access rules, DODF objects, entries kept raw) → PINs; each node's
    ``data`` is the text the details pane shows."""

    def show_nothing(self, label: str = "no card") -> None:
        self.clear()
        self.root.set_label(label)

    def show(self, report: CardReport, pins=()) -> None:
        self.clear()
        self.root.set_label(f"{report.family.upper()} {report.iccid or ''}")
        self.root.data = f"ATR {report.atr.hex(' ').upper()}\nICCID {report.iccid}"
        efdir = self.root.add("EF.DIR", data=f"{len(report.applications)} application(s)", expand=True)
        for a in report.applications:
            efdir.add_leaf(f"{a.kind} {a.label}".strip(), data=f"AID {a.aid.hex().upper()}\n"
                           f"path {path_str(a.path) if a.path else '-'}")
        if report.pkcs15 is not None:
            p = self.root.add("PKCS#15", data=report.pkcs15_access, expand=True)
            for f in report.pkcs15_files:
                detail = f.describe()
                rules = f.rules or (f.info.access if f.info is not None else None)
                if rules:
                    detail += "\n" + "\n".join(f"{k}: {v}" for k, v in rules.items())
                p.add_leaf(f"{f.role} {path_str(f.path)}", data=detail)
            for d in report.dodf:
                known = f"\n{d.known_as} (OID {d.oid or d.application_oid})" if d.known_as else ""
                p.add_leaf(f"DODF: {d.title}", data=f"{d.form}DO, application {d.application_name}\npath {d.path}\n"
                           f"private {d.private}, modifiable {d.modifiable}, authId "
                           f"{d.auth_id.hex().upper() if d.auth_id else '-'}{known}")
            for w in report.warnings:
                p.add_leaf("DODF: entry kept raw", data=w)
        if pins:
            node = self.root.add("PINs", data="tries left, read without spending one", expand=True)
            for name, ref, left in pins:
                text = {None: "the card does not say", -1: "verified", 0: "BLOCKED"}.get(left, tries_left(left))
                node.add_leaf(f"{name} (ref {ref:02X}): {text}", data=f"{name}, key reference {ref:02X}: {text}")
        self.root.expand()


class ContentTabs(Vertical):
    """The stored bootstrap: fields (secrets masked unless ``show_secrets``), XML, hex, and the management
    tree a DM client makes of it (5.5.5, as ``message apply`` / ``read --apply`` show it)."""

    DEFAULT_CSS = "ContentTabs > TabbedContent { height: 1fr; }"

    report: reactive[CardReport | None] = reactive(None, always_update=True)
    show_secrets: reactive[bool] = reactive(False)
    # the card's LwM2M bootstrap (LwM2M Core Appendix G): a provision.lwm2m.StoredLwm2m, why it could not be
    # read (text), or None when the card lists no LwM2M object
    lwm2m: reactive[object | None] = reactive(None, always_update=True)

    def __init__(self, secret_leaves=(), **kw):
        super().__init__(**kw)
        self.secret_leaves = set(secret_leaves)  # what the template marks secret

    def compose(self) -> ComposeResult:
        with TabbedContent():
            with TabPane("Bootstrap", id="tab-bootstrap"):
                yield Static("", id="summary")
            with TabPane("XML", id="tab-xml"):
                yield Static("", id="xml")
            with TabPane("Hex", id="tab-hex"):
                yield Static("", id="hex")
            with TabPane("Tree", id="tab-tree"):
                yield Static("", id="tree")
            with TabPane("LwM2M", id="tab-lwm2m"):
                yield Static("", id="lwm2m")

    def watch_report(self) -> None:
        self._render_content()

    def watch_show_secrets(self) -> None:
        self._render_content()

    def watch_lwm2m(self) -> None:
        self._render_content()

    def _render_content(self) -> None:
        if not self.is_mounted:
            return
        c = self.report.content if self.report is not None else None
        text = xml = hexdump = tree = ""
        stored = c.stored if c is not None else None
        reveal = self.show_secrets
        if c is not None and c.status is ContentStatus.EMPTY:
            text = "EF DM_Bootstrap is empty (all FF, D.4.3)."
        if c is not None and c.status is ContentStatus.MESSAGE and stored is not None and stored.loaded is not None:
            rows = summary(stored.loaded.message, show_secrets=reveal, secret_names=self.secret_leaves)
            text = "\n".join(f"{k:<34} {v}" for k, v in rows)
            verdict = "valid" if c.valid else "INVALID"
            text = f"{c.carrier} message, WBXML {c.wbxml_version}, {c.size} bytes: {verdict}\n" + \
                "\n".join(c.findings) + "\n" + text
            root = expand_embedded_tnds(stored.loaded.root, xml_text=True)
            xml = to_xml_bytes(root if reveal else mask_secrets(root, self.secret_leaves)).decode()
            hexdump = "\n".join(f"{i:04X}  {stored.data[i:i + 16].hex(' ').upper()}"
                                for i in range(0, len(stored.data), 16))
            if not reveal:
                hexdump = "(hex hidden while secrets are masked: press s)"
            tree = _applied_view(stored.loaded.message, reveal)
        elif c is not None and c.status in (ContentStatus.NOT_READ, ContentStatus.MALFORMED):
            text = f"{c.status.value}: {c.reason}" + \
                ("\n\nPress p to enter the PIN." if c.needs is not None and not c.needs_adm else "")
        self.query_one("#summary", Static).update(text)
        self.query_one("#xml", Static).update(xml)
        self.query_one("#hex", Static).update(hexdump)
        self.query_one("#tree", Static).update(tree)
        self.query_one("#lwm2m", Static).update(_lwm2m_view(self.lwm2m, reveal))


def _lwm2m_view(stored, reveal: bool) -> str:
    """The LwM2M tab: the objects and resources (secret keys masked unless revealed) and whom the client
    contacts first, as ``read --lwm2m`` prints them."""
    if stored is None:
        return "The card's DODF lists no LwM2M bootstrap object (OID 2.23.43.9.1)."
    if isinstance(stored, str):
        return stored
    if stored.empty:
        return "The LwM2M bootstrap EF is empty (all FF)."
    from ..lwm2m.bootstrap import describe

    head = f"LwM2M bootstrap, {len(stored.data)} bytes: " + ("valid" if not stored.findings else "INVALID")
    return "\n".join([head, *map(str, stored.findings), describe(stored.boot, reveal)])


def _applied_view(message, reveal: bool) -> str:
    from ..device.apply import apply_message, describe
    from ..device.tree import new_tree

    return describe(apply_message(message, new_tree()), reveal)


class ApduLog(RichLog):
    """Every APDU of the card work, secrets masked (the trace masks them)."""

    def add(self, trace: Trace) -> None:
        for entry in trace:
            self.write(str(entry))
