"""vsim's own encoders: BER-TLV for FCPs and EF.DIR, DER for the PKCS#15 files a ``[pkcs15]`` table
declares. Written from the standards on their own — not cardboot's — so that a card vsim builds is a
second opinion on cardboot's decoders, not a mirror of them (DER is unique: where both are right they
agree byte for byte, which tests/vsim/test_own_encoders.py checks).

PKCS#15 v1.1 / ISO/IEC 7816-15 module, IMPLICIT TAGS: a tag on a CHOICE or on an open type is explicit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# PKCS#15 v1.1: named bits of PinFlags, TokenFlags, CommonObjectFlags; PinType enumeration
PIN_FLAGS = ("case-sensitive", "local", "change-disabled", "unblock-disabled", "initialized", "needs-padding",
             "unblockingPin", "soPin", "disable-allowed", "integrity-protected", "confidentiality-protected",
             "exchangeRefData")
PIN_TYPES = ("bcd", "ascii-numeric", "utf8", "half-nibble-bcd", "iso9564-1")
TOKEN_FLAGS = ("readonly", "loginRequired", "prnGeneration", "eidCompliant")
OBJECT_FLAGS = ("private", "modifiable")


def tlv(tag: int, value: bytes) -> bytes:
    """One TLV, definite minimal length (ISO/IEC 7816-4 5.2; X.690 8.1.3)."""
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n <= 0xFF:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big") + length + value


def integer(n: int, tag: int = 0x02) -> bytes:
    """X.690 8.3: two's complement, the fewest octets."""
    size = max(1, (n.bit_length() + 8) // 8)
    return tlv(tag, n.to_bytes(size, "big", signed=True))


def utf8(text: str, tag: int = 0x0C) -> bytes:
    return tlv(tag, text.encode("utf-8"))


def octets(data: bytes, tag: int = 0x04) -> bytes:
    return tlv(tag, data)


def oid(dotted: str) -> bytes:
    """X.690 8.19: first two arcs as 40·a + b, then base-128 with continuation bits."""
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for value in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def named_bits(names, known: tuple[str, ...]) -> bytes:
    """X.690 11.2.2: a BIT STRING of named bits, trailing zero bits removed (DER)."""
    bits = [i for i, n in enumerate(known) if n in names]
    if not bits:
        return tlv(0x03, b"\x00")
    length = max(bits) + 1
    data = bytearray((length + 7) // 8)
    for i in bits:
        data[i // 8] |= 0x80 >> (i % 8)
    return tlv(0x03, bytes([8 * len(data) - length]) + bytes(data))


def seq(*parts: bytes, tag: int = 0x30) -> bytes:
    return tlv(tag, b"".join(parts))


def path(fids: bytes, index: int | None = None, length: int | None = None) -> bytes:
    """Path ::= SEQUENCE { path OCTET STRING, index INTEGER OPTIONAL, length [0] INTEGER OPTIONAL }"""
    parts = [octets(fids)]
    if index is not None:
        parts.append(integer(index))
    if length is not None:
        parts.append(integer(length, tag=0x80))
    return seq(*parts)


# --- the PKCS#15 objects a layout declares -----------------------------------------------------------


@dataclass
class Pin:
    label: str
    auth_id: bytes
    reference: int
    flags: frozenset = frozenset()
    pin_type: str = "ascii-numeric"
    min_length: int = 4
    stored_length: int = 8
    max_length: int | None = 8
    pad: bytes | None = None


@dataclass
class Data:
    fid: int
    label: str | None = None
    application: str | None = None
    application_oid: str | None = None
    private: bool = False
    modifiable: bool = False
    auth_id: bytes | None = None
    form: str = "opaque"  # opaque | external | oid
    oid: str | None = None
    oid_sequence: bool = False  # the OidDO SEQUENCE kept inside [1] (how LwM2M devices read it)


@dataclass
class Token:
    serial: bytes
    manufacturer: str | None = None
    label: str | None = None
    flags: frozenset = field(default_factory=frozenset)


def common_object_attributes(label=None, flags=(), auth_id=None) -> bytes:
    parts = []
    if label is not None:
        parts.append(utf8(label))
    if flags:
        parts.append(named_bits(flags, OBJECT_FLAGS))
    if auth_id is not None:
        parts.append(octets(auth_id))
    return seq(*parts)


def data_object(d: Data) -> bytes:
    """DataType: opaqueDO (SEQUENCE), externalIDO [0], oidDO [1]; typeAttributes [1] — explicit around the
    ObjectValue CHOICE, implicit on the OidDO SEQUENCE."""
    flags = [n for n, v in (("private", d.private), ("modifiable", d.modifiable)) if v]
    common = common_object_attributes(d.label, flags, d.auth_id)
    klass = []
    if d.application is not None:
        klass.append(utf8(d.application))
    if d.application_oid is not None:
        klass.append(oid(d.application_oid))
    value = path(d.fid.to_bytes(2, "big"))  # ObjectValue indirect: ReferencedValue path
    if d.form == "oid":
        oid_do = oid(d.oid or "") + value
        type_attributes = tlv(0xA1, seq(oid_do) if d.oid_sequence else oid_do)
        return seq(common, seq(*klass), type_attributes, tag=0xA1)
    type_attributes = tlv(0xA1, value)
    return seq(common, seq(*klass), type_attributes, tag=0xA0 if d.form == "external" else 0x30)


def pin_object(p: Pin) -> bytes:
    """AuthenticationObject pin: typeAttributes [1] PinAttributes (explicit: a tag on a parameterized type)."""
    attrs = [named_bits(p.flags, PIN_FLAGS), tlv(0x0A, bytes([PIN_TYPES.index(p.pin_type)])),
             integer(p.min_length), integer(p.stored_length)]
    if p.max_length is not None:
        attrs.append(integer(p.max_length))
    if p.reference:  # pinReference [0] Reference DEFAULT 0: omitted when 0 (DER)
        attrs.append(integer(p.reference, tag=0x80))
    if p.pad is not None:
        attrs.append(octets(p.pad))
    return seq(common_object_attributes(p.label), seq(octets(p.auth_id)), tlv(0xA1, seq(*attrs)))


def token_info(t: Token) -> bytes:
    """TokenInfo: version v1 (0), serialNumber, manufacturerID UTF8, label [0] UTF8, tokenflags."""
    parts = [integer(0), octets(t.serial)]
    if t.manufacturer is not None:
        parts.append(utf8(t.manufacturer))
    if t.label is not None:
        parts.append(utf8(t.label, tag=0x80))
    parts.append(named_bits(t.flags, TOKEN_FLAGS))
    return seq(*parts)


def odf(dodf_fid: int, aodf_fid: int | None) -> bytes:
    """PKCS15Objects: dataObjects [7], authObjects [8], each a PathOrObjects path (the DODF first, D.1)."""
    out = tlv(0xA7, path(dodf_fid.to_bytes(2, "big")))
    if aodf_fid is not None:
        out += tlv(0xA8, path(aodf_fid.to_bytes(2, "big")))
    return out


def efdir_record(aid: bytes, label: str, df_path: list[int], size: int) -> bytes:
    """EF.DIR application template (TS 102 221 13.1): 61 { 4F AID, 50 label, 51 path }, FF to the size."""
    body = tlv(0x4F, aid)
    if label:
        body += tlv(0x50, label.encode("utf-8"))
    body += tlv(0x51, b"".join(f.to_bytes(2, "big") for f in df_path))
    record = tlv(0x61, body)
    if len(record) > size:
        raise ValueError(f"application template of {len(record)} bytes does not fit a {size}-byte record")
    return record.ljust(size, b"\xff")
