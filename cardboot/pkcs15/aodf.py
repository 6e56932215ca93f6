"""EF(AODF), the Authentication Object Directory File (PKCS#15 6.8): the PINs that protect objects.

A DODF entry's ``authId`` names an AODF PIN object; its ``pinReference`` is the key reference to VERIFY
(TS 102 221 9.5.1: 01 PIN1, 81 PIN2, 0A ADM1 ...). Only the ``pin`` alternative of
``AuthenticationObject`` is modelled; other alternatives are kept raw.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import asn1, der
from .flags import bits_to_names, names_to_bits
from .path import Pkcs15Path

PIN_FLAGS = ("case-sensitive", "local", "change-disabled", "unblock-disabled", "initialized", "needs-padding",
             "unblockingPin", "soPin", "disable-allowed", "integrity-protected", "confidentiality-protected",
             "exchangeRefData")
PIN_TYPES = ("bcd", "ascii-numeric", "utf8", "half-nibble-bcd", "iso9564-1")


@dataclass(frozen=True)
class PinObject:
    label: str | None
    auth_id: bytes
    reference: int = 0
    flags: frozenset[str] = frozenset()
    pin_type: str = "ascii-numeric"
    min_length: int = 4
    stored_length: int = 8
    max_length: int | None = None
    pad_char: bytes | None = None
    path: Pkcs15Path | None = None
    object_flags: frozenset[str] = frozenset()  # CommonObjectFlags: private / modifiable


@dataclass(frozen=True)
class RawAuthObject:
    """An AODF entry of another kind (biometric, authKey, ...), kept as its encoding."""

    raw: bytes


def read_aodf(data: bytes, where: str = "EF(AODF)") -> tuple[list[PinObject | RawAuthObject], list[der.SkippedEntry]]:
    """Every entry: PIN objects decoded, other authentication objects kept raw; an entry that does not
    decode is skipped with its reason and the others still count."""
    entries, skipped = der.split_tolerant(data, "EF(AODF)", where)
    out: list[PinObject | RawAuthObject] = []
    for offset, encoded in entries:
        try:
            out.append(_decode_entry(encoded, where, offset))
        except der.Asn1Error as e:
            skipped.append(der.SkippedEntry(offset, encoded, e.reason, where))
    skipped.sort(key=lambda s: s.offset)
    return out, skipped


def decode_aodf(data: bytes, where: str = "EF(AODF)") -> list[PinObject | RawAuthObject]:
    """Strict: every entry must decode."""
    out, skipped = read_aodf(data, where)
    if skipped:
        raise der.Asn1Error("EF(AODF)", skipped[0].reason, skipped[0].offset, where)
    return out


def _decode_entry(encoded: bytes, where: str, offset: int) -> PinObject | RawAuthObject:
    if encoded[0] != 0x30:
        return RawAuthObject(encoded)
    obj = der.decode(encoded, asn1.PinObject(), "EF(AODF)", where, offset)
    common, attrs = obj["commonObjectAttributes"], obj["typeAttributes"]
    pin_type = int(attrs["pinType"])
    return PinObject(
        label=str(common["label"]) if common["label"].isValue else None,
        auth_id=bytes(obj["classAttributes"]["authId"]),
        reference=int(attrs["pinReference"]),
        flags=frozenset(bits_to_names(attrs["pinFlags"].asBinary(), PIN_FLAGS)),
        pin_type=PIN_TYPES[pin_type] if pin_type < len(PIN_TYPES) else str(pin_type),
        min_length=int(attrs["minLength"]),
        stored_length=int(attrs["storedLength"]),
        max_length=int(attrs["maxLength"]) if attrs["maxLength"].isValue else None,
        pad_char=bytes(attrs["padChar"]) if attrs["padChar"].isValue else None,
        path=Pkcs15Path.from_asn1(attrs["path"]) if attrs["path"].isValue else None,
        object_flags=frozenset(bits_to_names(common["flags"].asBinary(), ("private", "modifiable")))
        if common["flags"].isValue else frozenset(),
    )


def encode_pin_object(pin: PinObject) -> bytes:
    obj = asn1.PinObject()
    common = obj["commonObjectAttributes"].clone()
    if pin.label is not None:
        common["label"] = pin.label
    if pin.object_flags:
        common["flags"] = asn1.CommonObjectFlags(binValue=names_to_bits(pin.object_flags, ("private", "modifiable")))
    obj["commonObjectAttributes"] = common
    cls = asn1.CommonAuthenticationObjectAttributes()
    cls["authId"] = pin.auth_id
    obj["classAttributes"] = cls
    attrs = obj["typeAttributes"].clone()
    attrs["pinFlags"] = asn1.PinFlags(binValue=names_to_bits(pin.flags, PIN_FLAGS))
    attrs["pinType"] = PIN_TYPES.index(pin.pin_type)
    attrs["minLength"] = pin.min_length
    attrs["storedLength"] = pin.stored_length
    if pin.max_length is not None:
        attrs["maxLength"] = pin.max_length
    if pin.reference:
        attrs["pinReference"] = attrs["pinReference"].clone(pin.reference)
    if pin.pad_char is not None:
        attrs["padChar"] = pin.pad_char
    if pin.path is not None:
        attrs["path"] = pin.path.to_asn1()
    obj["typeAttributes"] = attrs
    return der.encode(obj)


def encode_aodf(objects: list[PinObject | RawAuthObject]) -> bytes:
    return b"".join(o.raw if isinstance(o, RawAuthObject) else encode_pin_object(o) for o in objects)


def pin_for(objects: list[PinObject | RawAuthObject], auth_id: bytes | None) -> PinObject | None:
    """The PIN object with this authId (what a DODF entry's authId points to)."""
    if auth_id is None:
        return None
    return next((o for o in objects if isinstance(o, PinObject) and o.auth_id == auth_id), None)

