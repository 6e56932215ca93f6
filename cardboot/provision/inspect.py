"""What is on a card: ATR, ICCID, EF.DIR applications, the PKCS#15 application's files decoded (ODF,
TokenInfo, AODF, DODF) and where EF DM_Bootstrap is, with its access rule and the APDUs the lookup took.

Orchestration over the card and pkcs15 layers; the faces (CLI, TUI) render the :class:`CardReport`.
Malformed PKCS#15 content does not stop the report: the error is recorded beside what could be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..card import Application, Card, FileInfo, read_applications
from ..card.access_rule import AccessRules
from ..card.files import FileAccess
from ..card.iccid import read_iccid
from ..card.path import FilePath, path_str
from ..errors import CardbootError, CardFileNotFoundError, DecodeError, SecurityStatusError, TransportError
from ..pkcs15.aodf import PinObject, RawAuthObject, read_aodf
from ..pkcs15.dodf import DataObject
from ..apdu.trace import Stage
from .lookup import BootstrapLocation, Seen, locate_bootstrap, open_pkcs15
from ..pkcs15.odf import DEFAULT_FID as ODF_FID
from ..pkcs15.odf import OdfEntry
from ..pkcs15.tokeninfo import DEFAULT_FID as TOKENINFO_FID
from ..pkcs15.tokeninfo import TokenInfo, decode_tokeninfo
from ..bootstrap.syncml import TNDS_WBXML, TNDS_XML
from ..wbxml.codec import VERSIONS
from .access import Secrets, read_keys
from .read import StoredMessage, read_stored


@dataclass
class FileEntry:
    """A file of the PKCS#15 application as the card describes it."""

    role: str
    path: FilePath
    info: FileInfo | None = None
    error: str = ""
    rules: AccessRules | None = None  # the access rules, EF.ARR resolved

    def describe(self) -> str:
        """'5031 EF transparent 32 bytes read ALW update ADM1' (EF.ARR references shown resolved)."""
        if self.info is None:
            return self.error
        text = self.info.describe()
        if self.rules is not None and not self.info.access.resolved:
            text = text.replace(str(self.info.access.arr), f"{self.rules.text()} ({self.info.access.arr})")
        return text

    def as_dict(self) -> dict:
        out = {"role": self.role, "path": path_str(self.path)}
        if self.info is not None:
            i = self.info
            rules = self.rules or i.access
            out.update(kind=i.kind, structure=i.structure, size=i.size, access=rules.as_json(),
                       access_text=rules.text())
        if self.error:
            out["error"] = self.error
        return out


class ContentStatus(StrEnum):
    EMPTY = "empty"  # all FF (D.4.3)
    MESSAGE = "message"  # a bootstrap message, decoded and validated
    MALFORMED = "malformed"  # bytes that are no bootstrap message
    NOT_READ = "not read"  # a secret is missing, or the card refused


@dataclass
class Content:
    """What EF DM_Bootstrap holds, as far as inspect could tell."""

    status: ContentStatus
    reason: str = ""  # NOT_READ: why; MALFORMED: what is wrong
    size: int = 0
    read_bytes: int = 0
    wbxml_version: str | None = None
    source: str | None = None  # SyncHdr/Source
    carrier: str | None = None
    findings: list[str] = field(default_factory=list)
    needs: str | None = None  # NOT_READ for want of a secret: the key's name
    needs_adm: bool = False
    stored: "StoredMessage | None" = None  # what was read (not in as_dict)

    @property
    def valid(self) -> bool:
        return self.status is ContentStatus.MESSAGE and not self.findings

    def as_dict(self) -> dict:
        out = {"status": self.status.value}
        if self.status is ContentStatus.NOT_READ:
            out["reason"] = self.reason
            return out
        out["read_bytes"] = self.read_bytes
        if self.status is ContentStatus.EMPTY:
            return out
        out["size"] = self.size
        if self.status is ContentStatus.MALFORMED:
            out["error"] = self.reason
            return out
        out.update(wbxml_version=self.wbxml_version, source=self.source, carrier=self.carrier,
                   findings=self.findings, valid=self.valid)
        return out


@dataclass
class CardReport:
    family: str
    reader: str
    protocol: str
    atr: bytes
    iccid: str | None = None
    applications: list[Application] = field(default_factory=list)
    pkcs15: Application | None = None
    pkcs15_access: str = ""  # how the application was found (EF.DIR + AID, direct AID, 3F00/5015)
    pkcs15_files: list[FileEntry] = field(default_factory=list)
    odf: list[OdfEntry] = field(default_factory=list)
    tokeninfo: TokenInfo | None = None
    aodf: list[PinObject | RawAuthObject] = field(default_factory=list)
    dodf: list[DataObject] = field(default_factory=list)
    bootstrap: BootstrapLocation | None = None
    lookup_apdus: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # directory entries kept raw
    content: "Content | None" = None  # what EF DM_Bootstrap holds, when the lookup found it
    apdus: int = 0

    def as_dict(self) -> dict:
        out = {
            "family": self.family,
            "reader": self.reader,
            "protocol": self.protocol,
            "atr": self.atr.hex().upper(),
            "iccid": self.iccid,
            "applications": [
                {"record": a.record, "kind": a.kind, "aid": a.aid.hex().upper(), "label": a.label,
                 "path": path_str(a.path) if a.path else None}
                for a in self.applications
            ],
            "pkcs15": None,
            "bootstrap": None,
            "errors": self.errors,
            "warnings": self.warnings,
            "content": self.content.as_dict() if self.content is not None else {},
            "apdus": self.apdus,
        }
        if self.pkcs15 is not None:
            out["pkcs15"] = {
                "aid": self.pkcs15.aid.hex().upper(),
                "found_by": self.pkcs15_access,
                "files": [f.as_dict() for f in self.pkcs15_files],
                "odf": [{"kind": e.kind, "path": str(e.path) if e.path else None} for e in self.odf],
                "tokeninfo": None if self.tokeninfo is None else {
                    "version": self.tokeninfo.version, "serial": self.tokeninfo.serial.hex().upper(),
                    "manufacturer": self.tokeninfo.manufacturer, "label": self.tokeninfo.label,
                    "flags": sorted(self.tokeninfo.flags)},
                "aodf": [pin_dict(p) for p in self.aodf],
                "dodf": [data_dict(d) for d in self.dodf],
            }
        if self.bootstrap is not None:
            b = self.bootstrap
            out["bootstrap"] = {
                "path": path_str(b.path), "size": b.size, "offset": b.offset, "label": b.data_object.label,
                "read_rule": b.read_rule, "pin_reference": b.pin_reference,
                "card_access": (b.rules or b.info.access).as_json(),
                "lookup_apdus": self.lookup_apdus, "lookup_apdus_total": sum(self.lookup_apdus.values()),
            }
        return out


def pin_dict(p: PinObject | RawAuthObject) -> dict:
    if isinstance(p, RawAuthObject):
        return {"raw": p.raw.hex().upper()}
    return {"label": p.label, "auth_id": p.auth_id.hex().upper(), "reference": p.reference,
            "flags": sorted(p.flags), "type": p.pin_type, "min_length": p.min_length,
            "stored_length": p.stored_length, "max_length": p.max_length}


def data_dict(d: DataObject) -> dict:
    return {"label": d.label, "application": d.application_name, "oid": d.application_oid or d.oid,
            "known_as": d.known_as, "form": d.form, "private": d.private, "modifiable": d.modifiable,
            "auth_id": d.auth_id.hex().upper() if d.auth_id else None, "path": str(d.path) if d.path else None,
            "offset": d.offset, "variants": list(d.variants)}


def _probe(files: FileAccess, role: str, path: FilePath, report: CardReport) -> FileInfo | None:
    try:
        info = files.select(path)
    except CardFileNotFoundError:
        return None
    except SecurityStatusError as e:
        report.pkcs15_files.append(FileEntry(role, path, None, str(e)))
        return None
    entry = FileEntry(role, path, info)
    report.pkcs15_files.append(entry)
    if not info.access.resolved:
        try:
            entry.rules = files.access_rules(path)
            files.select(path)  # reading EF.ARR moved the selection: the caller reads this file next
        except CardbootError as e:
            report.errors.append(f"{path_str(path)}: access rules not read: {e}")
    return info


def inspect_card(card: Card, reader: str = "", protocol: str = "", secrets: Secrets | None = None) -> CardReport:
    """Read ATR, ICCID, EF.DIR and the PKCS#15 application, and locate the bootstrap (D.2.5 / D.3.5).

    A problem on the way (a malformed file, a refused READ) is recorded in ``errors`` beside everything
    else that could be read, on a SIM and a UICC alike."""
    start = card.exchange.count
    report = CardReport(card.family.value, reader, protocol, card.atr)
    try:
        report.iccid = read_iccid(card)
    except (CardFileNotFoundError, SecurityStatusError):
        report.iccid = None
    except DecodeError as e:
        report.errors.append(str(e))
    counts: dict[str, int] = {}
    try:
        with Stage(card.exchange.trace, "EF.DIR", counts):
            report.applications = read_applications(card)
        report.warnings += [a.warning for a in report.applications if a.warning]
    except CardFileNotFoundError:
        report.applications = []
    except DecodeError as e:
        report.errors.append(str(e))
    try:
        _inspect_pkcs15(card, report, counts, secrets or Secrets())
    except TransportError:
        raise  # the card or reader is gone: nothing more to show
    except CardbootError as e:
        report.errors.append(str(e))
    report.apdus = card.exchange.count - start
    return report


def _content(card: Card, loc: BootstrapLocation, secrets: Secrets) -> Content:
    """What EF DM_Bootstrap holds: empty, a message (decoded and validated), or why it was not read."""
    try:
        keys = read_keys(loc, secrets)
    except CardbootError as e:
        return Content(ContentStatus.NOT_READ, reason=str(e))
    missing = [k for k in keys if not secrets.for_object(loc).has(k)]
    if missing:
        why = "private" if loc.data_object.needs_pin else "protected by the card's READ rule"
        return Content(ContentStatus.NOT_READ, reason=f"{why}: reading needs {missing[0].name}",
                       needs=missing[0].name, needs_adm=missing[0].adm)
    try:
        stored = read_stored(card, secrets, location=loc)
    except CardbootError as e:
        return Content(ContentStatus.NOT_READ, reason=str(e))
    if stored.empty:
        return Content(ContentStatus.EMPTY, read_bytes=stored.read_bytes, stored=stored)
    if stored.error:
        return Content(ContentStatus.MALFORMED, size=len(stored.data), read_bytes=stored.read_bytes,
                       reason=stored.error, stored=stored)
    msg = stored.loaded.message
    carriers = {i.type for _c, i in msg.items() if i.type}
    return Content(ContentStatus.MESSAGE, size=len(stored.data), read_bytes=stored.read_bytes,
                   wbxml_version=VERSIONS.get(stored.loaded.version), source=msg.header.source,
                   carrier="tnds-wbxml" if TNDS_WBXML in carriers else "tnds-xml" if TNDS_XML in carriers else "plain",
                   findings=[str(f) for f in stored.findings], stored=stored)


def _inspect_pkcs15(card: Card, report: CardReport, counts: dict[str, int], secrets: Secrets) -> None:
    session = open_pkcs15(card, report.applications, counts)
    try:
        files = session.files
        report.pkcs15 = session.app
        report.pkcs15_access = session.found_by
        seen = Seen()
        try:
            report.bootstrap = locate_bootstrap(card, session=session, counts=counts, seen=seen)
        except TransportError:
            raise
        except CardbootError as e:
            report.errors.append(str(e))
        report.odf, report.dodf = seen.odf, seen.data_objects
        report.warnings += seen.warnings
        report.lookup_apdus = dict(counts)
        if report.bootstrap is not None:
            try:
                report.bootstrap.card_rules()
            except CardbootError as e:
                report.errors.append(f"access rules of {path_str(report.bootstrap.path)} not read: {e}")
            report.content = _content(card, report.bootstrap, secrets)
        # Beyond the lookup: the other PKCS#15 files, for the listing
        _probe(files, "ODF", session.path(ODF_FID), report)
        if _probe(files, "TokenInfo", session.path(TOKENINFO_FID), report) is not None:
            try:
                report.tokeninfo = decode_tokeninfo(files.read_binary())
            except CardbootError as e:
                report.errors.append(str(e))
        for entry in report.odf:
            if entry.path is None:
                continue
            path = session.path(entry.path.fids)
            if _probe(files, entry.kind, path, report) is not None and entry.kind == "AODF":
                try:
                    report.aodf, skipped = read_aodf(files.read_binary(), where=f"EF(AODF) {path_str(path)}")
                    report.warnings += [str(w) for w in skipped if str(w) not in report.warnings]
                except CardbootError as e:
                    report.errors.append(str(e))
        for obj in report.dodf:
            if obj.path is not None:
                _probe(files, obj.title, session.path(obj.path.fids), report)
    finally:
        session.close()
