"""EF.DIR (2F00) application templates (TS 102 221 13.1, ISO/IEC 7816-4 8.2.1.1; PKCS#15 5.4).

Each record holds one template ``61 L {4F AID, 50 label, 51 path, 52 command, 53/73 discretionary}``
padded with FF. Empty (all FF) records are skipped. Real cards count padding inside the template's length
(``61 1D 4F 10 <AID> 50 08 <label> FF``, benches.md): 00 / FF there are padding too (ISO/IEC 7816-4 5.2),
and the application says so in ``warning``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import tlv
from ..errors import TlvError
from .path import FilePath, as_path

PKCS15_AID = bytes.fromhex("A000000063504B43532D3135")  # PKCS#15 section 5.4, OMA DM Bootstrap D.1
USIM_AID_PREFIX = bytes.fromhex("A0000000871002")  # TS 31.102 annex: 3GPP USIM

_WHAT = "EF.DIR record"


@dataclass(frozen=True)
class Application:
    """One application template from EF.DIR."""

    record: int
    aid: bytes
    label: str = ""
    path: FilePath | None = None
    raw: bytes = b""
    discretionary: bytes | None = None  # tag 73 (or 53): application-specific data, kept as is
    warning: str = ""  # the record departs from the letter but is read (padding inside the template)

    @property
    def is_pkcs15(self) -> bool:
        return self.aid.startswith(PKCS15_AID)

    @property
    def kind(self) -> str:
        if self.is_pkcs15:
            return "PKCS#15"
        if self.aid.startswith(USIM_AID_PREFIX):
            return "USIM"
        return "application"


def decode_application(record: bytes, number: int) -> Application | None:
    """Decode one EF.DIR record; None for an empty record. Raises :class:`TlvError` when malformed."""
    where = f"EF.DIR record {number}"
    items = tlv.parse(record, what=_WHAT, where=where, padding=True)
    if not items:
        return None
    template = items[0]
    if template.tag != 0x61:
        raise TlvError(_WHAT, f"expected an application template (61), found tag {template.tag:02X}", 0, where)
    inner = template.children(padding=True)  # ISO 7816-4 5.2: 00 / FF between objects are padding
    used = sum(t.value_offset - t.offset + len(t.value) for t in inner)
    warning = ""
    if used < len(template.value):
        warning = (f"{where}: the application template's length ({len(template.value)}) counts "
                   f"{len(template.value) - used} byte(s) of padding (ISO/IEC 7816-4 5.2); read as padding")
    aid = tlv.find(inner, 0x4F)
    if aid is None or not 5 <= len(aid.value) <= 16:
        raise TlvError(_WHAT, "application template without a 5..16 byte AID (4F)", template.offset, where)
    label_tlv = tlv.find(inner, 0x50)
    label = label_tlv.value.decode("utf-8", "replace") if label_tlv else ""
    path_tlv = tlv.find(inner, 0x51)
    path = None
    if path_tlv is not None:
        if not path_tlv.value or len(path_tlv.value) % 2:
            raise TlvError(_WHAT, f"path (51) of {len(path_tlv.value)} bytes is not a list of FIDs",
                           path_tlv.offset, where)
        path = as_path(path_tlv.value)
    extra = tlv.find(inner, 0x73) or tlv.find(inner, 0x53)
    return Application(number, aid.value, label, path, bytes(record), extra.value if extra else None, warning)


def decode_efdir(records: list[bytes]) -> list[Application]:
    out = []
    for i, rec in enumerate(records, start=1):
        app = decode_application(rec, i)
        if app is not None:
            out.append(app)
    return out


def encode_application(aid: bytes, label: str = "", path: FilePath | None = None, size: int | None = None) -> bytes:
    """An EF.DIR record (padded with FF to ``size``)."""
    from .path import path_bytes

    body = tlv.encode(0x4F, aid)
    if label:
        body += tlv.encode(0x50, label.encode("utf-8"))
    if path:
        body += tlv.encode(0x51, path_bytes(path))
    rec = tlv.encode(0x61, body)
    if size is not None:
        if len(rec) > size:
            raise ValueError(f"application template of {len(rec)} bytes does not fit a {size}-byte record")
        rec = rec.ljust(size, b"\xff")
    return rec
