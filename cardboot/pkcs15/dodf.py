"""EF(DODF), the Data Object Directory File (PKCS#15 6.7; OMA DM Bootstrap D.1, D.2.4, D.3.4).

Entries are ``DataType ::= CHOICE { opaqueDO, externalIDO [0], oidDO [1] }``; all three are read. The
``private`` and ``modifiable`` flags decide whether cardholder verification is needed, ``authId`` names
the PIN (AODF) that protects the object, and the object's Path points to EF DM_Bootstrap.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyasn1.type import univ

from . import asn1, der
from .path import Pkcs15Path

FORMS = {"opaqueDO": "opaque", "externalIDO": "external", "oidDO": "oid"}


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
    form: str = "opaque"
    oid: str | None = None  # oidDO: the object's OID
    flags_present: bool | None = None  # None: encode the flags only when one is set (as OpenSC does)

    @property
    def needs_pin(self) -> bool:
        return self.private or self.modifiable


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


def decode_dodf(data: bytes, where: str = "EF(DODF)") -> list[DataObject]:
    out = []
    for offset, encoded in der.split_objects(data, "EF(DODF)", where):
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
        out.append(DataObject(
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
        ))
    return out


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
    return der.encode(choice)


def encode_dodf(objects: list[DataObject]) -> bytes:
    return b"".join(encode_data_object(o) for o in objects)
