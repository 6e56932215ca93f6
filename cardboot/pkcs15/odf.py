"""EF(ODF), the Object Directory File (PKCS#15 5.5.1 / 6.1; OMA DM Bootstrap D.4.1).

A concatenation of ``PKCS15Objects`` CHOICE entries, ``[n] PathOrObjects``: a DODF entry is
``A7 { 30 { 04 path } }``. Entries other than a Path (direct objects, protected forms) and unknown
tags are kept as raw bytes so that encoding gives them back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def decode_odf(data: bytes, where: str = "EF(ODF) 5031") -> list[OdfEntry]:
    out = []
    for item in der.top_level(data, "EF(ODF)", where):
        raw = der.encoded(data, item)
        first, offset = raw[0], item.offset
        n = first & 0x1F
        if first & 0xE0 != 0xA0 or n == 0x1F:
            raise der.Asn1Error("EF(ODF)", f"entry tag {first:02X} is not a context-specific [n] choice",
                                offset, where)
        kind = ODF_KINDS.get(n, f"[{n}]")
        try:
            body = item.children(padding=True)
        except der.TlvError as e:
            raise der.Asn1Error("EF(ODF)", e.reason, e.offset, where) from None
        if len(body) == 1 and body[0].tag == 0x30:
            path = der.decode(der.encoded(data, body[0]), asn1.Path(), "EF(ODF)", where, offset)
            out.append(OdfEntry(kind, n, Pkcs15Path.from_asn1(path), raw))
        else:
            out.append(OdfEntry(kind, n, None, raw))
    return out


def encode_odf(entries: list[OdfEntry]) -> bytes:
    from .. import tlv

    out = b""
    for e in entries:
        if e.path is None:
            out += e.raw
        else:
            out += tlv.encode(0xA0 | e.tag, der.encode(e.path.to_asn1()))
    return out
