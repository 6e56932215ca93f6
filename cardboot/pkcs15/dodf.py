"""EF(DODF), the Data Object Directory File (PKCS#15 6.7; OMA DM Bootstrap D.1, D.2.4, D.3.4).

Entries are ``DataType ::= CHOICE { opaqueDO, externalIDO [0], oidDO [1] }``; all three are read. The
``private`` and ``modifiable`` flags decide whether cardholder verification is needed, ``authId`` names
the PIN (AODF) that protects the object, and the object's Path points to EF DM_Bootstrap.

A DODF holds objects of several applications, encoded as their issuers saw fit. Each entry is decoded on
its own (:func:`read_dodf`); one that does not decode, or uses a DataType alternative PKCS#15 v1.1 does not
define, is kept raw (:class:`~cardboot.pkcs15.der.SkippedEntry`) and the others still count. Field variants
of oidDO are accepted (real-cards.md: the Nordic LwM2M vector and OMA LwM2M issue 532): the OidDO
SEQUENCE kept inside the ``[1]`` of typeAttributes, and the OID wrapped in a second OBJECT IDENTIFIER tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from pyasn1.type import univ

from .. import tlv
from ..errors import Asn1Error, TlvError
from . import asn1, der
from .oids import carries_secrets, well_known
from .path import Pkcs15Path

class DataForm(StrEnum):
    """The DataType alternative an entry uses (a str enum: compares equal to its text)."""

    OPAQUE = "opaque"
    EXTERNAL = "external"
    OID = "oid"


FORMS = {"opaqueDO": DataForm.OPAQUE, "externalIDO": DataForm.EXTERNAL, "oidDO": DataForm.OID}


@dataclass(frozen=True)
class DataObject:
    """One DODF entry."""

    label: str | None = None
    private: bool = False
    modifiable: bool = False
    auth_id: bytes | None = None
    application_name: str | None = None
    application_oid: str | None = None
    path: Pkcs15Path | None = None
    direct: bytes | None = None  # a value stored in the DODF itself ([0] direct)
    form: DataForm = DataForm.OPAQUE
    oid: str | None = None  # oidDO: the object's OID
    flags_present: bool | None = None  # None: encode the flags only when one is set (as OpenSC does)
    # oidDO: the OidDO SEQUENCE kept inside typeAttributes' [1] (as LwM2M devices read it: Nordic's nRF91
    # library looks for that SEQUENCE) instead of ISO/IEC 7816-15's implicit [1]
    oid_sequence: bool = field(default=False, compare=False)
    offset: int | None = field(default=None, compare=False)  # where the entry starts in the DODF
    variants: tuple[str, ...] = field(default=(), compare=False)  # field encodings accepted on decoding

    @property
    def needs_pin(self) -> bool:
        return self.private or self.modifiable

    @property
    def carries_secrets(self) -> bool:
        """Its content holds keys by what its OID says it is (LwM2M PSKs, CP secrets): masked like EF
        DM_Bootstrap in traces, shown only when asked."""
        return carries_secrets(self.oid, self.application_oid)

    @property
    def known_as(self) -> str | None:
        """The name of the application a well-known OID marks (LwM2M bootstrap, CP ProvBoot, ...)."""
        return well_known(self.oid) or well_known(self.application_oid)

    @property
    def title(self) -> str:
        """A name for people: the label, else the application name, else the well-known name."""
        return self.label or self.application_name or self.known_as or (self.oid or "data object")


def _flags(obj: DataObject):
    bits = ("1" if obj.private else "0") + ("1" if obj.modifiable else "0")
    bits = bits.rstrip("0")
    return asn1.CommonObjectFlags(binValue=bits) if bits else asn1.CommonObjectFlags(binValue="")


def _value(choice) -> tuple[Pkcs15Path | None, bytes | None]:
    name = choice.getName()
    if name == "indirect":
        ref = choice["indirect"]
        if ref.getName() == "path":
            return Pkcs15Path.from_asn1(ref["path"]), None
        return None, None
    if name == "direct":
        return None, bytes(choice["direct"])
    return None, None


_DATA_TYPE_TAGS = {0x30: "opaqueDO", 0xA0: "externalIDO", 0xA1: "oidDO"}


def _normalise_oid_do(encoded: bytes) -> tuple[bytes, tuple[str, ...]]:
    """Rewrite the field variants of an oidDO entry into the ISO/IEC 7816-15 encoding (implicit ``[1]``
    OidDO, the OID once), saying which variants were seen."""
    top = tlv.parse(encoded, what="EF(DODF)")[0]
    parts = top.children()
    if not parts or parts[-1].tag != 0xA1:
        return encoded, ()
    inner = parts[-1].children()
    variants = []
    if len(inner) == 1 and inner[0].tag == 0x30:
        inner = inner[0].children()
        variants.append("OidDO SEQUENCE kept inside [1]")
    if inner and inner[0].tag == 0x06:
        v = inner[0].value
        if len(v) >= 3 and v[0] == 0x06 and v[1] == len(v) - 2:
            inner[0] = tlv.Tlv(0x06, v[2:])
            variants.append("OID wrapped twice")
    if not variants:
        return encoded, ()
    type_attributes = tlv.encode(0xA1, b"".join(tlv.encode(t.tag, t.value) for t in inner))
    body = b"".join(tlv.encode(p.tag, p.value) for p in parts[:-1]) + type_attributes
    return tlv.encode(0xA1, body), tuple(variants)


def _decode_entry(encoded: bytes, where: str, offset: int) -> DataObject:
    variants: tuple[str, ...] = ()
    if encoded[0] == 0xA1:
        try:
            encoded, variants = _normalise_oid_do(encoded)
        except TlvError as e:
            raise Asn1Error("EF(DODF)", e.reason, offset, where) from None
    choice = der.decode(encoded, asn1.DataType(), "EF(DODF)", where, offset)
    form = choice.getName()
    obj = choice.getComponent()
    common, cls = obj["commonObjectAttributes"], obj["classAttributes"]
    flags = common["flags"]
    private = modifiable = False
    if flags.isValue:
        bits = flags.asBinary()
        private = len(bits) > 0 and bits[0] == "1"
        modifiable = len(bits) > 1 and bits[1] == "1"
    oid = None
    if form == "oidDO":
        oidvalue = obj["typeAttributes"]
        oid = str(oidvalue["id"])
        path, direct = _value(oidvalue["value"])
    else:
        path, direct = _value(obj["typeAttributes"])
    return DataObject(
        label=str(common["label"]) if common["label"].isValue else None,
        private=private,
        modifiable=modifiable,
        auth_id=bytes(common["authId"]) if common["authId"].isValue else None,
        application_name=str(cls["applicationName"]) if cls["applicationName"].isValue else None,
        application_oid=str(cls["applicationOID"]) if cls["applicationOID"].isValue else None,
        path=path,
        direct=direct,
        form=FORMS[form],
        oid=oid,
        flags_present=flags.isValue,
        offset=offset,
        variants=variants,
        oid_sequence="OidDO SEQUENCE kept inside [1]" in variants,
    )


def read_dodf(data: bytes, where: str = "EF(DODF)") -> tuple[list[DataObject], list[der.SkippedEntry]]:
    """Every entry that decodes, and every one that does not (kept raw, with the reason)."""
    entries, skipped = der.split_tolerant(data, "EF(DODF)", where)
    objects = []
    for offset, encoded in entries:
        if encoded[0] not in _DATA_TYPE_TAGS:
            skipped.append(der.SkippedEntry(offset, encoded, f"tag {encoded[0]:02X} is no DataType alternative "
                                            "of PKCS#15 v1.1 (opaqueDO 30, externalIDO A0, oidDO A1)", where))
            continue
        try:
            objects.append(_decode_entry(encoded, where, offset))
        except Asn1Error as e:
            skipped.append(der.SkippedEntry(offset, encoded, e.reason, where))
    skipped.sort(key=lambda s: s.offset)
    return objects, skipped


def decode_dodf(data: bytes, where: str = "EF(DODF)") -> list[DataObject]:
    """Strict: every entry must decode (for files cardboot builds itself)."""
    objects, skipped = read_dodf(data, where)
    if skipped:
        first = skipped[0]
        raise Asn1Error("EF(DODF)", first.reason, first.offset, where)
    return objects


def _object_value(obj: DataObject) -> asn1.ObjectValue:
    value = asn1.ObjectValue()
    if obj.path is not None:
        ref = asn1.ReferencedValue()
        ref["path"] = obj.path.to_asn1()
        value["indirect"] = ref
    elif obj.direct is not None:
        value["direct"] = obj.direct
    else:
        raise ValueError(f"data object {obj.label!r} has neither a path nor a direct value")
    return value


def encode_data_object(obj: DataObject) -> bytes:
    common = asn1.CommonObjectAttributes()
    if obj.label is not None:
        common["label"] = obj.label
    want_flags = obj.flags_present if obj.flags_present is not None else (obj.private or obj.modifiable)
    if want_flags or obj.private or obj.modifiable:
        common["flags"] = _flags(obj)
    if obj.auth_id is not None:
        common["authId"] = obj.auth_id
    cls = asn1.CommonDataObjectAttributes()
    if obj.application_name is not None:
        cls["applicationName"] = obj.application_name
    if obj.application_oid is not None:
        cls["applicationOID"] = univ.ObjectIdentifier(obj.application_oid)
    choice = asn1.DataType()
    if obj.form == "oid":
        do = asn1.OidDataObject()
        oidvalue = do["typeAttributes"].clone()
        oidvalue["id"] = univ.ObjectIdentifier(obj.oid)
        oidvalue["value"] = _object_value(obj)
        do["typeAttributes"] = oidvalue
    else:
        do = asn1.OpaqueDO() if obj.form == "opaque" else asn1.ExternalIDO()
        tagged = do["typeAttributes"].clone()
        inner = _object_value(obj)
        tagged.setComponentByName(inner.getName(), inner.getComponent())
        do["typeAttributes"] = tagged
    do["commonObjectAttributes"] = common
    do["classAttributes"] = cls
    choice.setComponentByName({"opaque": "opaqueDO", "external": "externalIDO", "oid": "oidDO"}[obj.form], do)
    encoded = der.encode(choice)
    return _sequence_inside(encoded) if obj.form == "oid" and obj.oid_sequence else encoded


def _sequence_inside(encoded: bytes) -> bytes:
    """An oidDO entry with its OidDO (``06`` OID, ``30`` value) wrapped in a SEQUENCE inside the ``[1]``."""
    top = tlv.parse(encoded, what="EF(DODF)")[0]
    parts = top.children()
    inner = tlv.encode(0x30, parts[-1].value)
    body = b"".join(tlv.encode(p.tag, p.value) for p in parts[:-1]) + tlv.encode(0xA1, inner)
    return tlv.encode(0xA1, body)


def encode_dodf(objects: list[DataObject]) -> bytes:
    return b"".join(encode_data_object(o) for o in objects)
