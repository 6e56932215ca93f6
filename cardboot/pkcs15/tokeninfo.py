"""EF(TokenInfo) (PKCS#15 6.9, default FID 5032): version, serial number, manufacturer, label, flags."""

from __future__ import annotations

from dataclasses import dataclass

from . import asn1, der
from .flags import bits_to_names, names_to_bits

DEFAULT_FID = 0x5032
TOKEN_FLAGS = ("readonly", "loginRequired", "prnGeneration", "eidCompliant")


@dataclass(frozen=True)
class TokenInfo:
    serial: bytes
    version: int = 0  # v1
    manufacturer: str | None = None
    label: str | None = None
    flags: frozenset[str] = frozenset()
    raw_tail: bytes = b""  # optional fields cardboot does not model, kept encoded


def decode_tokeninfo(data: bytes, where: str = "EF(TokenInfo) 5032") -> TokenInfo:
    objects = der.split_objects(data, "EF(TokenInfo)", where)
    if not objects:
        raise der.Asn1Error("EF(TokenInfo)", "file is empty", 0, where)
    offset, encoded = objects[0]
    ti = der.decode(encoded, asn1.TokenInfo(), "EF(TokenInfo)", where, offset)
    tail = b""
    for name in ("seInfo", "recordInfo", "supportedAlgorithms", "issuerId", "holderId", "lastUpdate",
                 "preferredLanguage"):
        if ti[name].isValue:
            tail += der.encode(ti[name])
    return TokenInfo(
        serial=bytes(ti["serialNumber"]),
        version=int(ti["version"]),
        manufacturer=str(ti["manufacturerID"]) if ti["manufacturerID"].isValue else None,
        label=str(ti["label"]) if ti["label"].isValue else None,
        flags=frozenset(bits_to_names(ti["tokenflags"].asBinary(), TOKEN_FLAGS)),
        raw_tail=tail,
    )


def encode_tokeninfo(info: TokenInfo) -> bytes:
    ti = asn1.TokenInfo()
    ti["version"] = info.version
    ti["serialNumber"] = info.serial
    if info.manufacturer is not None:
        ti["manufacturerID"] = info.manufacturer
    if info.label is not None:
        ti["label"] = ti["label"].clone(info.label)
    ti["tokenflags"] = asn1.TokenFlags(binValue=names_to_bits(info.flags, TOKEN_FLAGS))
    body = der.encode(ti)
    if not info.raw_tail:
        return body
    # re-wrap with the kept optional fields appended after the modelled ones
    from .. import tlv

    [outer] = tlv.parse(body)
    return tlv.encode(0x30, outer.value + info.raw_tail)
