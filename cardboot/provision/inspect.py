"""What is on a card: ATR, ICCID, the EF.DIR applications and the files of the PKCS#15 application.

Pure orchestration over the card layer; the faces (CLI, TUI) render the :class:`CardReport`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..card import Application, Card, FileInfo, SimCard, open_application, read_applications
from ..card.efdir import PKCS15_AID
from ..card.iccid import EF_ICCID, decode_iccid
from ..card.path import MF, FilePath, path_str
from ..errors import CardFileNotFoundError, SecurityStatusError
from ..pkcs15.dodf import decode_dodf
from ..pkcs15.odf import decode_odf

ODF_FID = 0x5031  # PKCS#15 5.5.1 default
TOKENINFO_FID = 0x5032
UNUSED_SPACE_FID = 0x5033



@dataclass
class FileEntry:
    """A file of the PKCS#15 application as the card describes it."""

    role: str
    path: FilePath
    info: FileInfo | None = None
    error: str = ""

    def as_dict(self) -> dict:
        out = {"role": self.role, "path": path_str(self.path)}
        if self.info is not None:
            i = self.info
            out.update(kind=i.kind, structure=i.structure, size=i.size, access=i.access)
        if self.error:
            out["error"] = self.error
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
    pkcs15_access: str = ""
    pkcs15_files: list[FileEntry] = field(default_factory=list)
    apdus: int = 0

    def as_dict(self) -> dict:
        return {
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
            "pkcs15": None if self.pkcs15 is None else {
                "aid": self.pkcs15.aid.hex().upper(),
                "access": self.pkcs15_access,
                "files": [f.as_dict() for f in self.pkcs15_files],
            },
            "apdus": self.apdus,
        }


def _probe(files, role: str, path: FilePath, entries: list[FileEntry]) -> FileInfo | None:
    try:
        info = files.select(path)
    except CardFileNotFoundError:
        return None
    except SecurityStatusError as e:
        entries.append(FileEntry(role, path, None, str(e)))
        return None
    entries.append(FileEntry(role, path, info))
    return info


def inspect_card(card: Card, reader: str = "", protocol: str = "") -> CardReport:
    """Read ATR, ICCID, EF.DIR and the PKCS#15 application's files (D.2.1 / D.3.1 selection)."""
    start = card.exchange.count
    report = CardReport(card.family.value, reader, protocol, card.atr)
    try:
        report.iccid = decode_iccid(card.read_file((MF, EF_ICCID)))
    except (CardFileNotFoundError, SecurityStatusError):
        report.iccid = None
    try:
        report.applications = read_applications(card)
    except CardFileNotFoundError:
        report.applications = []
    app = next((a for a in report.applications if a.aid.startswith(PKCS15_AID)), None)
    if app is not None:
        report.pkcs15 = app
        session = open_application(card, apps=report.applications)
        try:
            if isinstance(card, SimCard):
                report.pkcs15_access = f"DF {path_str(session.root)} selected by path (indirect selection, D.2.1)"
            else:
                report.pkcs15_access = (f"ADF selected by AID on logical channel {session.files.number} "
                                        "(MANAGE CHANNEL, D.3.1)")
            files = session.files
            odf_info = _probe(files, "ODF", session.path(ODF_FID), report.pkcs15_files)
            _probe(files, "TokenInfo", session.path(TOKENINFO_FID), report.pkcs15_files)
            _probe(files, "UnusedSpace", session.path(UNUSED_SPACE_FID), report.pkcs15_files)
            if odf_info is not None:
                odf = decode_odf(files.read_file(session.path(ODF_FID)))
                for entry in odf:
                    if entry.path is None:
                        continue
                    info = _probe(files, entry.kind, session.path(entry.path.fids), report.pkcs15_files)
                    if entry.kind == "DODF" and info is not None:
                        for obj in decode_dodf(files.read_binary()):
                            if obj.path is not None:
                                role = obj.label or obj.application_name or "data object"
                                _probe(files, role, session.path(obj.path.fids), report.pkcs15_files)
        finally:
            session.close()
    report.apdus = card.exchange.count - start
    return report
