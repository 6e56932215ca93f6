"""EF(ODF), the Object Directory File (PKCS#15 5.5.1 / 6.1; OMA DM Bootstrap D.4.1).

A concatenation of ``PKCS15Objects`` CHOICE entries, ``[n] PathOrObjects``: a DODF entry is
``A7 { 30 { 04 path } }``. Entries other than a Path (direct objects, protected forms) and unknown
tags are kept as raw bytes so that encoding gives them back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import tlv
from . import asn1, der
from .path import Pkcs15Path

DEFAULT_FID = 0x5031
ODF_KINDS = {
    0: "PrKDF", 1: "PuKDF", 2: "PuKDF-trusted", 3: "SKDF", 4: "CDF", 5: "CDF-trusted", 6: "CDF-useful",
    7: "DODF", 8: "AODF",
}
TAG_OF = {kind: n for n, kind in ODF_KINDS.items()}


@dataclass(frozen=True)
class OdfEntry:
    """One ODF entry: its kind ('DODF', 'AODF', ...), its context tag number and the file it points to."""

    kind: str
    tag: int
    path: Pkcs15Path | None = None
    raw: bytes = b""  # the encoded entry, for kinds/forms cardboot does not model

    @classmethod
    def to(cls, kind: str, path: Pkcs15Path) -> "OdfEntry":
        return cls(kind, TAG_OF[kind], path)


def read_odf(data: bytes, where: str = "EF(ODF) 5031") -> tuple[list[OdfEntry], list[der.SkippedEntry]]:
    """Every entry that decodes, and every one that does not (kept raw with the reason)."""
    items, skipped = der.split_tolerant(data, "EF(ODF)", where)
    out = []
    for offset, raw in items:
        first = raw[0]
        n = first & 0x1F
        if first & 0xE0 != 0xA0 or n == 0x1F:
            skipped.append(der.SkippedEntry(offset, raw, f"entry tag {first:02X} is not a context-specific [n] "
                                            "choice", where))
            continue
        kind = ODF_KINDS.get(n, f"[{n}]")
        item = tlv.parse(raw, what="EF(ODF)", where=where, base_offset=offset)[0]
        try:
            body = item.children(padding=True)
        except der.TlvError as e:
            skipped.append(der.SkippedEntry(offset, raw, e.reason, where))
            continue
        if len(body) == 1 and body[0].tag == 0x30:
            try:
                path = der.decode(tlv.encode(body[0].tag, body[0].value), asn1.Path(), "EF(ODF)",
                                  where, offset)
            except der.Asn1Error as e:
                skipped.append(der.SkippedEntry(offset, raw, e.reason, where))
                continue
            out.append(OdfEntry(kind, n, Pkcs15Path.from_asn1(path), raw))
        else:
            out.append(OdfEntry(kind, n, None, raw))
    skipped.sort(key=lambda s: s.offset)
    return out, skipped


def decode_odf(data: bytes, where: str = "EF(ODF) 5031") -> list[OdfEntry]:
    """Strict: every entry must decode."""
    entries, skipped = read_odf(data, where)
    if skipped:
        raise der.Asn1Error("EF(ODF)", skipped[0].reason, skipped[0].offset, where)
    return entries


def encode_odf(entries: list[OdfEntry]) -> bytes:
    out = b""
    for e in entries:
        if e.path is None:
            out += e.raw
        else:
            out += tlv.encode(0xA0 | e.tag, der.encode(e.path.to_asn1()))
    return out
