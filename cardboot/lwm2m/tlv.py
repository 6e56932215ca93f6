"""The LwM2M TLV data format (OMA LwM2M Core 1.1 7.4.3; 1.0 6.4.3): one type byte — bits 7-6 the kind
(00 object instance, 01 resource instance, 10 multiple resource, 11 resource with value), bit 5 an 8- or
16-bit identifier, bits 4-3 the length's form (00: in bits 2-0; 01/10/11: in a following 8/16/24-bit
field) — then the identifier, the length and the value. Object instances hold resources and multiple
resources; multiple resources hold resource instances."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DecodeError

OBJECT_INSTANCE, RESOURCE_INSTANCE, MULTIPLE_RESOURCE, RESOURCE = 0, 1, 2, 3
KIND_NAMES = {OBJECT_INSTANCE: "object instance", RESOURCE_INSTANCE: "resource instance",
              MULTIPLE_RESOURCE: "multiple resource", RESOURCE: "resource"}
# what each container may hold (7.4.3: an object instance holds resources, a multiple resource its instances)
CHILDREN = {None: {OBJECT_INSTANCE, RESOURCE, MULTIPLE_RESOURCE}, OBJECT_INSTANCE: {RESOURCE, MULTIPLE_RESOURCE},
            MULTIPLE_RESOURCE: {RESOURCE_INSTANCE}}
MAX_ENTRIES = 10_000


class LwTlvError(DecodeError):
    """Malformed LwM2M TLV: what is wrong and the byte offset it starts at."""

    def __init__(self, reason: str, offset: int, where: str = "LwM2M TLV"):
        super().__init__("LwM2M TLV", reason, offset, where)


@dataclass
class Tlv:
    kind: int
    ident: int
    value: bytes = b""  # a resource's or resource instance's value
    children: list["Tlv"] = field(default_factory=list)  # an object instance's or multiple resource's
    offset: int = 0  # where the entry starts in the bytes decoded

    @property
    def container(self) -> bool:
        return self.kind in (OBJECT_INSTANCE, MULTIPLE_RESOURCE)


def encode(entries: list[Tlv]) -> bytes:
    return b"".join(_encode_one(t) for t in entries)


def _encode_one(t: Tlv) -> bytes:
    body = encode(t.children) if t.container else t.value
    if not 0 <= t.ident <= 0xFFFF:
        raise ValueError(f"identifier {t.ident} is not 0..65535")
    n = len(body)
    if n > 0xFFFFFF:
        raise ValueError(f"{n} bytes: more than a 24-bit length")
    type_byte = t.kind << 6
    ident = t.ident.to_bytes(1 if t.ident <= 0xFF else 2, "big")
    if len(ident) == 2:
        type_byte |= 0x20
    if n <= 7:
        type_byte |= n
        length = b""
    else:
        size = 1 if n <= 0xFF else 2 if n <= 0xFFFF else 3
        type_byte |= size << 3
        length = n.to_bytes(size, "big")
    return bytes([type_byte]) + ident + length + body


def decode(data: bytes, where: str = "LwM2M TLV") -> list[Tlv]:
    """Every entry of ``data``, containers decoded; a truncated or misplaced entry is a :class:`LwTlvError`."""
    count = [0]
    return _decode(bytes(data), 0, len(data), None, where, count)


def _decode(data: bytes, start: int, end: int, parent: int | None, where: str, count: list[int]) -> list[Tlv]:
    out: list[Tlv] = []
    pos = start
    while pos < end:
        count[0] += 1
        if count[0] > MAX_ENTRIES:
            raise LwTlvError(f"more than {MAX_ENTRIES} entries", pos, where)
        head = pos
        type_byte = data[pos]
        kind = type_byte >> 6
        if kind not in CHILDREN[parent]:
            inside = "at the top" if parent is None else f"inside a {KIND_NAMES[parent]}"
            raise LwTlvError(f"{KIND_NAMES[kind]} {inside}", head, where)
        id_size = 2 if type_byte & 0x20 else 1
        len_size = (type_byte >> 3) & 0x03
        pos += 1
        if pos + id_size + len_size > end:
            raise LwTlvError("truncated header", head, where)
        ident = int.from_bytes(data[pos:pos + id_size], "big")
        pos += id_size
        if len_size:
            length = int.from_bytes(data[pos:pos + len_size], "big")
            pos += len_size
        else:
            length = type_byte & 0x07
        if pos + length > end:
            raise LwTlvError(f"a {length}-byte value past the end ({end - pos} left)", head, where)
        entry = Tlv(kind, ident, offset=head)
        if kind in (OBJECT_INSTANCE, MULTIPLE_RESOURCE):
            entry.children = _decode(data, pos, pos + length, kind, where, count)
        else:
            entry.value = data[pos:pos + length]
        out.append(entry)
        pos += length
    return out


# --- values (7.4.3 / Appendix C data types) ------------------------------------------------------------

def encode_int(value: int) -> bytes:
    for size in (1, 2, 4, 8):
        try:
            return value.to_bytes(size, "big", signed=True)
        except OverflowError:
            continue
    raise ValueError(f"integer {value} does not fit in 64 bits")


def decode_int(raw: bytes, offset: int = 0, where: str = "LwM2M TLV") -> int:
    if len(raw) not in (1, 2, 4, 8):
        raise LwTlvError(f"an integer of {len(raw)} bytes (1, 2, 4 or 8)", offset, where)
    return int.from_bytes(raw, "big", signed=True)


def decode_bool(raw: bytes, offset: int = 0, where: str = "LwM2M TLV") -> bool:
    if raw not in (b"\x00", b"\x01"):
        raise LwTlvError(f"a boolean of {raw.hex() or 'no bytes'} (00 or 01)", offset, where)
    return raw == b"\x01"
