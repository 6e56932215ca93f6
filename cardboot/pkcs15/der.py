"""DER/BER plumbing for the PKCS#15 files: split a file into its top-level objects (files are padded with
00 or FF after the last one, PKCS#15 5.5), decode each with pyasn1 into a typed error that names the file
and the byte offset, encode as DER."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyasn1.codec.ber import decoder as ber_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.error import PyAsn1Error

from .. import tlv
from ..errors import Asn1Error, TlvError


def top_level(data: bytes, what: str, where: str) -> list[tlv.Tlv]:
    """The top-level TLVs of a file, stopping at 00/FF padding, their nesting bounded."""
    try:
        items = tlv.parse(data, what=what, where=where, padding=True)
        for item in items:  # bound the nesting before pyasn1 recurses into it
            _check_depth(item)
    except TlvError as e:
        raise Asn1Error(what, e.reason, e.offset, where) from None
    return items


def encoded(data: bytes, item: tlv.Tlv) -> bytes:
    """The bytes of one TLV (tag, length and value) as they stand in ``data``."""
    return bytes(data[item.offset : item.value_offset + len(item.value)])


def split_objects(data: bytes, what: str, where: str) -> list[tuple[int, bytes]]:
    """(offset, encoded object) for each top-level TLV, stopping at 00/FF padding."""
    return [(t.offset, encoded(data, t)) for t in top_level(data, what, where)]


@dataclass(frozen=True)
class SkippedEntry:
    """A directory entry (ODF, DODF, AODF) that did not decode, or is in a form cardboot does not use:
    kept raw with its offset so the lookup can go on and the user can see it."""

    offset: int
    raw: bytes
    reason: str
    where: str = ""

    def __str__(self) -> str:
        head = self.raw[:16].hex().upper() + ("..." if len(self.raw) > 16 else "")
        place = f"{self.where} " if self.where else ""
        return f"{place}entry at byte {self.offset} kept raw ({head}): {self.reason}"


def split_tolerant(data: bytes, what: str, where: str) -> tuple[list[tuple[int, bytes]], list[SkippedEntry]]:
    """Like :func:`split_objects`, but a TLV that does not parse does not stop the file: what is before it
    is returned, and from it on the bytes are kept as one :class:`SkippedEntry` (a broken length leaves
    no way to find the next entry). An entry nested too deep is skipped on its own."""
    out: list[tuple[int, bytes]] = []
    skipped: list[SkippedEntry] = []
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):  # padding after the last object, or between objects (ISO 7816-4 5.2.2.1)
            i += 1
            continue
        try:
            item, nxt = tlv.parse_one(data, i, what=what, where=where)
        except TlvError as e:
            skipped.append(SkippedEntry(i, bytes(data[i:]).rstrip(b"\xff"), e.reason, where))
            break
        raw = bytes(data[i:nxt])
        try:
            _check_depth(item)
        except TlvError as e:
            skipped.append(SkippedEntry(i, raw, e.reason, where))
        else:
            out.append((i, raw))
        i = nxt
    return out, skipped


def _check_depth(item: tlv.Tlv) -> None:
    if item.constructed:
        for child in item.children():
            _check_depth(child)


def decode(encoded: bytes, spec, what: str, where: str, offset: int = 0):
    """Decode one object; trailing bytes inside it are an error."""
    try:
        obj, rest = ber_decoder.decode(encoded, asn1Spec=spec)
    except PyAsn1Error as e:
        reason = _readable(str(e).split("\n")[0])
        if len(reason) > 160:
            reason = reason[:157] + "..."
        raise Asn1Error(what, reason, offset, where) from None
    except (ValueError, TypeError, IndexError, RecursionError) as e:  # pyasn1 leaks these on odd input
        raise Asn1Error(what, f"{type(e).__name__}: {e}", offset, where) from None
    if rest:
        raise Asn1Error(what, f"{len(rest)} bytes after the object", offset + len(encoded) - len(rest), where)
    return obj


_TAGSET = re.compile(r"<TagSet object, tags (\d+):(\d+):(\d+)>")


def _readable(reason: str) -> str:
    """pyasn1 names tags as '<TagSet object, tags 0:0:5>'; say 'tag 05' instead."""
    if "uninitialized components" in reason:
        return "required fields are missing"
    m = _TAGSET.search(reason)
    if m and "not in asn1Spec" in reason:
        cls, fmt, num = (int(g) for g in m.groups())
        byte = cls | fmt | num if num < 31 else None
        return f"unexpected tag {byte:02X}" if byte is not None else f"unexpected tag number {num}"
    return _TAGSET.sub(lambda m: f"tag [{m.group(1)}:{m.group(3)}]", reason)


def encode(obj) -> bytes:
    return der_encoder.encode(obj)
