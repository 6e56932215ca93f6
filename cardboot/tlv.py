"""BER-TLV as used by smartcards (ISO/IEC 7816-4 section 5.2, ETSI TS 102 221 section 11.1.1.3).

Tags are kept as ints with all their bytes (``0x62``, ``0x9F1F``); lengths are definite, in short form
or 81/82/83 long form (indefinite length is not allowed on cards). Bytes 00 and FF where a tag should
start are padding (ISO 7816-4 5.2.2.1) and end the list when ``padding=True``.

Why not pytlv: it works on hex strings, keeps one value per tag (the PIN status template C6 repeats
tag 83), knows only one-byte lengths and raises bare ValueError; see README "Dependencies".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import TlvError

MAX_DEPTH = 16


@dataclass(frozen=True)
class Tlv:
    """One TLV: its tag, its value bytes and the offset of its tag in the buffer it was parsed from."""

    tag: int
    value: bytes
    offset: int = 0
    value_offset: int = 0
    depth: int = 0
    what: str = field(default="TLV", compare=False)
    where: str = field(default="", compare=False)

    @property
    def constructed(self) -> bool:
        first = self.tag
        while first > 0xFF:
            first >>= 8
        return bool(first & 0x20)

    def children(self, padding: bool = False) -> list["Tlv"]:
        """Parse the value as a list of TLVs (for constructed tags)."""
        if self.depth + 1 > MAX_DEPTH:
            raise TlvError(self.what, f"nesting deeper than {MAX_DEPTH}", self.offset, self.where)
        return parse(
            self.value,
            what=self.what,
            where=self.where,
            base_offset=self.value_offset,
            padding=padding,
            depth=self.depth + 1,
        )


def _read_tag(data: bytes, i: int, what: str, where: str, base: int) -> tuple[int, int]:
    if i >= len(data):
        raise TlvError(what, "truncated tag", base + i, where)
    tag = data[i]
    i += 1
    if tag & 0x1F == 0x1F:
        for _ in range(3):
            if i >= len(data):
                raise TlvError(what, "truncated multi-byte tag", base + i, where)
            b = data[i]
            tag = (tag << 8) | b
            i += 1
            if not b & 0x80:
                break
        else:
            raise TlvError(what, "tag longer than 4 bytes", base + i, where)
    return tag, i


def _read_length(data: bytes, i: int, what: str, where: str, base: int) -> tuple[int, int]:
    if i >= len(data):
        raise TlvError(what, "truncated length", base + i, where)
    first = data[i]
    i += 1
    if first < 0x80:
        return first, i
    n = first & 0x7F
    if n == 0:
        raise TlvError(what, "indefinite length (80) is not allowed", base + i - 1, where)
    if n > 3:
        raise TlvError(what, f"length field of {n} bytes is too long", base + i - 1, where)
    if i + n > len(data):
        raise TlvError(what, "truncated length", base + i - 1, where)
    return int.from_bytes(data[i : i + n], "big"), i + n


def parse(
    data: bytes,
    *,
    what: str = "TLV",
    where: str = "",
    base_offset: int = 0,
    padding: bool = False,
    depth: int = 0,
) -> list[Tlv]:
    """Parse a concatenation of TLVs. Raises :class:`TlvError` naming ``what``, ``where`` and the offset."""
    out: list[Tlv] = []
    i = 0
    n = len(data)
    while i < n:
        if padding and data[i] in (0x00, 0xFF):
            rest = data[i:]
            if rest.strip(b"\x00\xff") == b"":
                break
            # ISO 7816-4 allows 00/FF between objects too
            i += 1
            continue
        item, i = parse_one(data, i, what=what, where=where, base_offset=base_offset, depth=depth)
        out.append(item)
    return out


def parse_one(data: bytes, i: int, *, what: str = "TLV", where: str = "", base_offset: int = 0,
              depth: int = 0) -> tuple[Tlv, int]:
    """The TLV starting at ``data[i]`` and the index just after it."""
    n = len(data)
    start = i
    tag, i = _read_tag(data, i, what, where, base_offset)
    length, i = _read_length(data, i, what, where, base_offset)
    if i + length > n:
        raise TlvError(
            what,
            f"tag {tag:02X} announces {length} bytes but only {n - i} follow",
            base_offset + start,
            where,
        )
    return Tlv(tag, bytes(data[i : i + length]), base_offset + start, base_offset + i, depth, what, where), i + length


def find(tlvs: list[Tlv], tag: int) -> Tlv | None:
    """The first TLV with this tag, or None."""
    for t in tlvs:
        if t.tag == tag:
            return t
    return None


def find_all(tlvs: list[Tlv], tag: int) -> list[Tlv]:
    return [t for t in tlvs if t.tag == tag]


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    if length <= 0xFF:
        return bytes([0x81, length])
    if length <= 0xFFFF:
        return b"\x82" + length.to_bytes(2, "big")
    if length <= 0xFFFFFF:
        return b"\x83" + length.to_bytes(3, "big")
    raise ValueError(f"TLV length {length} too large")


def encode_tag(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode(tag: int, value: bytes) -> bytes:
    """One TLV with a definite, minimal length."""
    return encode_tag(tag) + encode_length(len(value)) + bytes(value)


def encode_many(items: list[tuple[int, bytes]]) -> bytes:
    return b"".join(encode(t, v) for t, v in items)
