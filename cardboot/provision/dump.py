"""``dump``: read everything a card shows without a secret, and write it as a vsim layout — a virtual twin.

What is read: the MF and the EFs every card has (EF.DIR, EF.ICCID, EF.PL, EF.ARR, EF.UMPC), each
application EF.DIR lists (an ADF by its AID, found again under the MF at the FID its FCP gives; a DF by
its path), the PKCS#15 files and every file their directories point to (ODF → DODF / AODF / ...,
DODF → data objects; no EF.DIR: the PKCS#15 default DF 3F00/5015), every EF.ARR an FCP references, and
with ``scan`` every FID of the usual ranges (MF 2Fxx / 7Fxx / 5Fxx, DFs 4Fxx / 5xxx / 6Fxx). An EF whose
READ needs a key is read when the operator gave the secret that key takes (its PIN or ADM: VERIFY once
per key, through the retry-counter guard, ``card/pin.py``); otherwise it is dumped with its size, its
rules and FF, and said so. Retry counters are probed the safe way (TS 102 221 11.1.9 / TS 51.011 9.2.1).

The layout keeps each file's SELECT response verbatim (``fcp``), its content, and ``read`` / ``update``
stating what the twin enforces; PIN and ADM values are the ones given to :func:`dump_card`, never read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..card.access_rule import (ALWAYS, AccessRules, Key, Never, Rule, RuleNotSatisfiable, is_adm_ref, key_ref_name,
                                keys_to_present)
from ..card.pin import pin_block
from ..card.atr import atr_protocols
from ..card.fcp import explicit_sfi
from ..card.connect import Card
from ..card.efdir import PKCS15_AID, decode_efdir
from ..card.fileinfo import FileInfo, sim_chv_name
from ..card.path import CURRENT_ADF, MF, FilePath, path_str
from ..card.uicc import UiccCard
from ..errors import CardbootError, CardFileNotFoundError, CardResponseError, DecodeError, StatusWordError
from ..pkcs15.aodf import PinObject, read_aodf
from ..pkcs15.dodf import read_dodf
from ..pkcs15.odf import read_odf
from .access import Secrets, present
from .difference import Difference

ADF_KEY_BASE = 0x10000  # dumped ADFs with no FID of their own: keys above every FID (written by AID)
_MF_KNOWN = (0x2F00, 0x2FE2, 0x2F05, 0x2F06, 0x2F08, 0x5015)
_DF_KNOWN = (0x6F06, 0x5031, 0x5032)
_SCAN_MF = (range(0x2F00, 0x3000), range(0x7F00, 0x7FFF), range(0x5F00, 0x6000))
_SCAN_DF = (range(0x4F00, 0x5000), range(0x5000, 0x6000), range(0x6F00, 0x7000))
_NAMES = {0x2F00: "EF.DIR", 0x2FE2: "EF.ICCID", 0x2F05: "EF.PL", 0x2F06: "EF.ARR", 0x6F06: "EF.ARR",
          0x2F08: "EF.UMPC", 0x5031: "EF(ODF)", 0x5032: "EF(TokenInfo)"}


@dataclass
class DumpedFile:
    path: FilePath  # from the MF; an ADF at the FID its FCP names
    info: FileInfo
    rules: AccessRules
    content: bytes | None = None  # transparent: the EF; linear: the records back to back; None: not read
    name: str = ""
    aid: bytes | None = None
    note: str = ""


@dataclass
class CardDump:
    family: str
    atr: bytes
    source: str
    files: dict[FilePath, DumpedFile] = field(default_factory=dict)
    keys: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # ref -> (name, tries left)
    skipped: list[str] = field(default_factory=list)  # what the card listed but the dump could not reach
    protocol: str = ""  # the protocol the card ran during the dump (T=0 / T=1)
    apdus: int = 0
    selects: int = 0

    def path_text(self, path: FilePath) -> str:
        """A dumped file's path as a layout names it: an ADF without an FID of its own by its AID."""
        if len(path) > 1 and path[1] >= ADF_KEY_BASE:
            adf = self.files.get(path[:2])
            aid = adf.aid.hex().upper() if adf is not None and adf.aid else f"{path[1]:X}"
            return "/".join(["3F00", aid] + [f"{f:04X}" for f in path[2:]])
        return path_str(path)


class _Walker:
    def __init__(self, card: Card, source: str, scan: bool, secrets: Secrets | None = None):
        self.card, self.scan = card, scan
        self.secrets = secrets or Secrets()
        self.verified: set[int] = set()  # key references verified in this walk
        self.uicc = isinstance(card, UiccCard)
        self.dump = CardDump("uicc" if self.uicc else "sim", bytes(card.atr), source,
                             protocol=getattr(card.exchange.transport, "protocol", ""))
        self.adf_of: dict[FilePath, bytes] = {}  # ADF path -> AID
        self.apps: list = []  # EF.DIR's applications, once read
        self.done: set[FilePath] = set()

    # --- selecting --------------------------------------------------------------------------------------
    def _address(self, path: FilePath) -> FilePath:
        """How to SELECT a file: inside an ADF from the application (7FFF/...), else from the MF."""
        for adf, aid in self.adf_of.items():
            if path[: len(adf)] == adf and (len(path) > len(adf) or adf[1] >= ADF_KEY_BASE):
                self.card.select_aid(aid, info=False)
                return (CURRENT_ADF,) + path[len(adf):]
        return path

    def visit(self, path: FilePath, name: str = "") -> DumpedFile | None:
        if path in self.done:
            return self.dump.files.get(path)
        self.done.add(path)
        self.dump.selects += 1
        try:
            info = self.card.select(self._address(path))
        except (CardFileNotFoundError, StatusWordError, DecodeError):
            return None
        if info is None or (info.fid is not None and info.fid != path[-1]):
            return None  # a card that answers a FID with another file
        return self._record(path, info, name)

    def _record(self, path: FilePath, info: FileInfo, name: str, aid: bytes | None = None) -> DumpedFile:
        rules = info.access
        if not rules.resolved:
            try:
                rules = self.card.access_rules(self._address(path))
            except CardbootError:
                pass
        entry = DumpedFile(path, info, rules, name=name or _NAMES.get(path[-1], ""), aid=aid or info.aid)
        self.dump.files[path] = entry
        for pin in info.pins:
            self._key(pin.key_ref)
        for rule in rules.values():
            for key in rule.keys():
                self._key(key.ref)
        if info.is_df:
            return entry
        if rules.arr is not None:  # the EF.ARR it references is part of what the card shows
            self.pending.append(((path[:-1] + (rules.arr.fid,)), ""))
            self.pending.append(((MF, rules.arr.fid), ""))
        read = rules.get("read", ALWAYS if not self.uicc else None)
        if read is not None and read != ALWAYS and not self._present(read):
            entry.note = f"content not read: READ needs {read}" if not isinstance(read, Never) else \
                "content not read: READ is never allowed"
            return entry
        try:
            self.card.select(self._address(path))
            if info.structure == "transparent":
                entry.content = self.card.read_binary() if info.size else b""
            elif info.structure in ("linear", "cyclic"):
                entry.content = b"".join(self.card.read_record(n) for n in range(1, (info.record_count or 0) + 1))
        except StatusWordError as e:
            entry.note = f"content not read: {e}"
        return entry

    def _present(self, rule: Rule) -> bool:
        """VERIFY what ``rule`` needs when the operator gave those secrets (each key once per walk); False
        when a needed secret was not given or the rule cannot be met by a key. A wrong value raises."""
        given = self.secrets
        try:
            keys = keys_to_present(rule, given.has)
        except RuleNotSatisfiable:
            return False
        if not all(given.has(k) for k in keys):
            return False
        new = [k for k in keys if k.ref not in self.verified]
        present(self.card, new, given, "reading for the dump")
        self.verified.update(k.ref for k in new)
        return True

    def _key(self, ref: int) -> None:
        if ref in self.dump.keys:
            return
        name = key_ref_name(ref) if self.uicc else sim_chv_name(ref)
        self.dump.keys[ref] = (name, None)

    # --- the walk -----------------------------------------------------------------------------------------
    def run(self) -> CardDump:
        start = self.card.exchange.count
        self.pending: list[tuple[FilePath, str]] = []
        mf = self.visit((MF,), "MF")
        if mf is None:
            raise CardResponseError("the card answers no SELECT of the MF 3F00")
        self.children((MF,), _MF_KNOWN + ((0x7F10, 0x7F20, 0x7F50) if not self.uicc else ()))
        self.applications()
        for df in [p for p, f in list(self.dump.files.items()) if f.info.is_df and p != (MF,)]:
            self.pkcs15(df)
        if (MF, 0x5015) in self.dump.files:
            self.pkcs15((MF, 0x5015))
        if self.scan:
            for df in [p for p, f in list(self.dump.files.items()) if f.info.is_df]:
                for r in (_SCAN_MF if df == (MF,) else _SCAN_DF):
                    self.children(df, r)
        self.drain()
        self.probe_keys()
        self.dump.apdus = self.card.exchange.count - start
        return self.dump

    def drain(self) -> None:
        while self.pending:
            path, name = self.pending.pop(0)
            self.visit(path, name)

    def children(self, df: FilePath, fids: Iterable[int]) -> None:
        for fid in fids:
            self.visit(df + (fid,))
        self.drain()

    def applications(self) -> None:
        efdir = self.dump.files.get((MF, 0x2F00))
        apps = []
        if efdir is not None and efdir.content is not None and efdir.info.record_size:
            size = efdir.info.record_size
            apps = decode_efdir([efdir.content[i:i + size] for i in range(0, len(efdir.content), size)])
        self.apps = apps
        if self.uicc and not any(app.is_pkcs15 for app in apps):
            self.adf(PKCS15_AID, "PKCS#15")  # as the field finds it without EF.DIR (real-cards.md)
        for app in apps:
            if self.uicc:
                self.adf(app.aid, app.kind if app.kind != "application" else "")
            elif app.path:
                path = app.path if app.path[0] == MF else (MF,) + app.path
                if self.visit(path) is not None:
                    self.children(path, _DF_KNOWN)

    def adf(self, aid: bytes, name: str) -> None:
        """An application selected by its AID, kept under the MF at the FID its FCP names — or, when it
        names none (no 83, as two real UICCs' USIMs) or the reserved 7FFF, under a key of its own that the
        layout writes as the AID (``3F00/<AID>``)."""
        try:
            info = self.card.select_aid(aid)
        except (CardFileNotFoundError, StatusWordError, DecodeError) as e:
            if name != "PKCS#15" or any(a.is_pkcs15 for a in self.apps):
                self.dump.skipped.append(f"{name or 'application'} {aid.hex().upper()}: SELECT by AID failed ({e})")
            return
        if info is None:
            self.dump.skipped.append(f"{name or 'application'} {aid.hex().upper()}: no FCP")
            return
        fid = info.fid
        if fid is None or fid in (0x7FFF, 0xFFFF, MF):
            fid = ADF_KEY_BASE + sum(1 for p in self.adf_of if p[1] >= ADF_KEY_BASE)
        path = (MF, fid)
        self.adf_of[path] = info.aid or aid
        self.done.add(path)
        self._record(path, info, name, info.aid or aid)
        self.children(path, _DF_KNOWN)

    def pkcs15(self, df: FilePath) -> None:
        """Follow the PKCS#15 directory files from the ODF (tolerantly: entries that do not decode are skipped)."""
        self.children(df, _DF_KNOWN)  # ODF, TokenInfo (PKCS#15 default FIDs), an EF.ARR
        odf = self.dump.files.get(df + (0x5031,))
        if odf is None or not odf.content:
            return
        entries, _ = read_odf(odf.content)
        for entry in entries:
            if entry.path is None:
                continue
            target = self._resolve(df, entry.path.fids)
            got = self.visit(target, f"EF({entry.kind})")
            if got is None or not got.content:
                continue
            if entry.kind == "DODF":
                objects, _ = read_dodf(got.content)
                for obj in objects:
                    if obj.path is not None:
                        self.visit(self._resolve(df, obj.path.fids), obj.label or "")
            elif entry.kind == "AODF":
                objects, _ = read_aodf(got.content)
                for obj in objects:
                    if isinstance(obj, PinObject) and obj.path is not None:
                        self.visit(self._resolve(df, obj.path.fids))
        self.drain()

    @staticmethod
    def _resolve(df: FilePath, fids: FilePath) -> FilePath:
        if fids[0] == MF:
            return fids
        if fids[0] == CURRENT_ADF:
            return df + fids[1:]
        return df + fids

    def probe_keys(self) -> None:
        """Tries left, without spending one: VERIFY without data (UICC) or the DF's CHV status (SIM)."""
        for ref, (name, _) in list(self.dump.keys.items()):
            try:
                if not self.uicc:
                    self.card.select((MF,))
                left = self.card.pin_retries(ref)
            except CardbootError:
                left = None
            self.dump.keys[ref] = (name, left)


def dump_card(card: Card, source: str, *, scan: bool = False, secrets: Secrets | None = None) -> CardDump:
    """Walk ``card`` (see the module doc); ``secrets``: the PIN / ADM that let EFs guarded by them be read."""
    return _Walker(card, source, scan, secrets).run()


# --- as a vsim layout -------------------------------------------------------------------------------------


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _hexs(data: bytes) -> str:
    return _toml_str(data.hex().upper())


def _condition(rule: Rule | None, names: dict[int, str], default: str) -> tuple[str, str]:
    """(layout condition, note): a rule vsim states as one condition; an OR keeps its first key."""
    if rule is None:
        return default, ""
    if rule == ALWAYS:
        return "always", ""
    if isinstance(rule, Never):
        return "never", ""
    if isinstance(rule, Key):
        return names[rule.ref], ""
    keys = list(rule.keys())
    if keys:
        return names[keys[0].ref], f"the card's rule is {rule}; the twin enforces {names[keys[0].ref]}"
    return "never", f"the card's rule is {rule}; the twin enforces NEV"


def twin_values(dump: CardDump, secrets: Secrets) -> dict[int, bytes]:
    """Key reference -> the value the twin's key gets: the operator's PIN for PIN1 / CHV1, the ADM for
    ADM1 (a SIM's ADM level), as the VERIFY data carries it (a 16-hex-digit ADM key is its 8 bytes);
    no value goes to a key it is not for (:meth:`Secrets.for_key`)."""
    out = {}
    for ref, (name, _) in dump.keys.items():
        key = Key(ref, is_adm_ref(ref) if dump.family == "uicc" else ref >= 4, name, sim=dump.family == "sim")
        given = secrets.for_key(key)
        if given is not None:
            out[ref] = pin_block(given, name).rstrip(b"\xff")
    return out


def _pin_value(value: bytes) -> str:
    """``value = "1234"`` for printable ASCII, else ``value_hex`` (what the layout reader takes)."""
    if value and all(0x21 <= b < 0x7F and b not in (0x22, 0x5C) for b in value):
        return f"value = {_toml_str(value.decode('ascii'))}"
    return f"value_hex = {_hexs(value)}"


def to_layout(dump: CardDump, values: dict[int, bytes] | None = None) -> str:
    """The dump as a vsim layout TOML. ``values``: key reference -> PIN/ADM value for the twin (given by
    the user, :func:`twin_values`; a key without one gets 00000000)."""
    values = values or {}
    names = {ref: name for ref, (name, _) in dump.keys.items()}
    out = [f"# A twin of {dump.source}, dumped by cardboot ({len(dump.files)} files, {dump.apdus} APDUs).",
           "# SELECT responses are the card's own bytes (fcp); read/update state what the twin enforces.",
           "# PIN / ADM values were not read from the card: they are the ones given to `cardboot dump`.",
           "", "[card]", f"name = {_toml_str('twin of ' + dump.source)}", f"family = {_toml_str(dump.family)}",
           f"atr = {_hexs(dump.atr)}"]
    if dump.protocol == "T=0" and atr_protocols(dump.atr) == {0}:  # a T=0-only card: its twin runs T=0 too
        out.append('protocol = "T=0"')
    for ref, (name, left) in sorted(dump.keys.items()):
        value = values.get(ref, b"00000000")
        retries = max(left or 0, 3 if left is None or left < 3 else left)
        out += ["", "[[pin]]", f"name = {_toml_str(name)}", f"ref = 0x{ref:02X}", _pin_value(value),
                f"retries = {min(retries, 15)}"]
        if left is not None and 0 <= left < retries:
            out.append(f"retries_left = {left}")
    for path in sorted(dump.files, key=lambda p: (len(p), p)):
        f = dump.files[path]
        info = f.info
        out += ["", "[[file]]", f"path = {_toml_str(dump.path_text(path))}"]
        if f.name:
            out.append(f"name = {_toml_str(f.name)}")
        if info.is_df:
            out.append(f"type = {_toml_str('mf' if path == (MF,) else 'adf' if f.aid else 'df')}")
            if f.aid:
                out.append(f"aid = {_hexs(f.aid)}")
            pins = [names[p.key_ref] for p in info.pins if p.key_ref in names]
            if pins:
                out.append("pins = [" + ", ".join(_toml_str(p) for p in pins) + "]")
        else:
            out.append(f"type = {_toml_str('linear' if info.structure in ('linear', 'cyclic') else 'transparent')}")
            if info.structure in ("linear", "cyclic"):
                out += [f"record_size = {info.record_size}", f"records = {info.record_count}"]
                if f.content is not None:
                    size = info.record_size or 1
                    recs = [f.content[i:i + size] for i in range(0, len(f.content), size)]
                    out.append("record = [" + ", ".join(_hexs(r) for r in recs) + "]")
            else:
                out.append(f"size = {info.size}")
                if f.content:
                    out.append(f"content = {_hexs(f.content)}")
            sfi = explicit_sfi(info.raw)
            if sfi:
                out.append(f"sfi = {sfi}")
        for op, default in (("read", "always"), ("update", "never")):
            # a DF's "update" in a layout is what creating files in it needs
            rule = f.rules.get("create-ef" if info.is_df and op == "update" else op)
            if info.is_df and op == "read":
                continue
            cond, note = _condition(rule, names, default)
            out.append(f"{op} = {_toml_str(cond)}")
            if note:
                out.append(f"# {op}: {note}")
        if f.note:
            out.append(f"# {f.note}")
        out.append(f"fcp = {_hexs(info.raw)}")
    return "\n".join(out) + "\n"


# --- comparing two dumps ------------------------------------------------------------------------------------


def _shape(f: DumpedFile) -> str:
    i = f.info
    if i.is_df:
        return i.kind.value + (f" AID {f.aid.hex().upper()}" if f.aid else "")
    if i.structure in ("linear", "cyclic"):
        return f"{i.structure} {i.record_count}x{i.record_size}"
    return f"{i.structure} {i.size} bytes"


def diff_dumps(a: CardDump, b: CardDump) -> list[Difference]:
    """File by file: presence, structure and size, READ / UPDATE rules, content, SELECT response."""
    out: list[Difference] = []
    if a.family != b.family:
        out.append(Difference("card", "family", a.family, b.family))
    if a.atr != b.atr:
        out.append(Difference("card", "ATR", a.atr.hex().upper(), b.atr.hex().upper()))
    for path in sorted(set(a.files) | set(b.files), key=lambda p: (len(p), p)):
        where = (a if path in a.files else b).path_text(path)
        fa, fb = a.files.get(path), b.files.get(path)
        if fa is None or fb is None:
            out.append(Difference(where, "file", "present" if fa else "absent", "present" if fb else "absent"))
            continue
        if _shape(fa) != _shape(fb):
            out.append(Difference(where, "structure", _shape(fa), _shape(fb)))
            continue
        for op in ("read", "update", "create-ef"):
            ra, rb = fa.rules.get(op), fb.rules.get(op)
            if str(ra) != str(rb):
                out.append(Difference(where, f"{op} rule", str(ra), str(rb)))
        if fa.content != fb.content:
            if fa.content is None or fb.content is None:
                out.append(Difference(where, "content", "not read" if fa.content is None else "read",
                                          "not read" if fb.content is None else "read"))
            else:
                diffs = [i for i, (x, y) in enumerate(zip(fa.content, fb.content)) if x != y]
                out.append(Difference(where, "content", f"{len(diffs)} byte(s) differ",
                                          f"first at byte {diffs[0]}" if diffs else "lengths differ"))
        if fa.info.raw != fb.info.raw:
            out.append(Difference(where, "SELECT response", fa.info.raw.hex().upper(), fb.info.raw.hex().upper()))
    return out
