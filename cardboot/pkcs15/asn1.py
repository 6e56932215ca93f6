"""PKCS#15 v1.1 (ISO/IEC 7816-15) ASN.1 types for pyasn1, written from the standard's module
(``PKCS-15 ... DEFINITIONS IMPLICIT TAGS``; a tag on a CHOICE or an open type is explicit).

Only what the OMA DM bootstrap needs is modelled in full: Path, the ODF's PathOrObjects, TokenInfo,
AuthenticationObject/PinAttributes (AODF) and DataType (DODF). Parts cardboot never interprets
(access control rules, key objects, protected values) are kept as raw ``Any`` so they survive a
decode/encode round trip.
"""

from __future__ import annotations

from pyasn1.type import char, constraint, namedtype, namedval, tag, tagmap, univ, useful


def _ctx(n: int, constructed: bool = False) -> tag.Tag:
    return tag.Tag(tag.tagClassContext, tag.tagFormatConstructed if constructed else tag.tagFormatSimple, n)


class Raw(univ.Any):
    """Content kept as encoded bytes. Unlike plain ``Any`` it claims only its own tag, so several
    differently tagged ``Raw`` alternatives can sit in one CHOICE or SEQUENCE."""

    @property
    def tagMap(self):
        return tagmap.TagMap({self.tagSet: self})


class Label(char.UTF8String):
    pass


class Identifier(univ.OctetString):
    subtypeSpec = constraint.ValueSizeConstraint(0, 255)


class Path(univ.Sequence):
    """``Path ::= SEQUENCE { path OCTET STRING, index INTEGER OPTIONAL, length [0] INTEGER OPTIONAL }``"""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("path", univ.OctetString()),
        namedtype.OptionalNamedType("index", univ.Integer()),
        namedtype.OptionalNamedType("length", univ.Integer().subtype(implicitTag=_ctx(0))),
    )


class ReferencedValue(univ.Choice):
    """``ReferencedValue ::= CHOICE { path Path, url URL }`` (URL as its PrintableString form)."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("path", Path()),
        namedtype.NamedType("url", char.PrintableString()),
    )


class ObjectValue(univ.Choice):
    """``ObjectValue ::= CHOICE { indirect ReferencedValue, direct [0] Type, indirect-protected [1],
    direct-protected [2] }``; the protected forms are kept raw."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("indirect", ReferencedValue()),
        namedtype.NamedType("direct", Raw().subtype(explicitTag=_ctx(0, True))),
        namedtype.NamedType("indirect-protected", Raw().subtype(explicitTag=_ctx(1, True))),
        namedtype.NamedType("direct-protected", Raw().subtype(explicitTag=_ctx(2, True))),
    )


class CommonObjectFlags(univ.BitString):
    namedValues = namedval.NamedValues(("private", 0), ("modifiable", 1))


class CommonObjectAttributes(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.OptionalNamedType("label", Label()),
        namedtype.OptionalNamedType("flags", CommonObjectFlags()),
        namedtype.OptionalNamedType("authId", Identifier()),
        namedtype.OptionalNamedType("userConsent", univ.Integer()),
        namedtype.OptionalNamedType("accessControlRules", univ.SequenceOf(componentType=univ.Any())),
    )


class CommonDataObjectAttributes(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.OptionalNamedType("applicationName", Label()),
        namedtype.OptionalNamedType("applicationOID", univ.ObjectIdentifier()),
    )


class OidDO(univ.Sequence):
    """``OidDO ::= SEQUENCE { id OBJECT IDENTIFIER, value ObjectValue }``"""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("id", univ.ObjectIdentifier()),
        namedtype.NamedType("value", ObjectValue()),
    )


def _data_object(type_attributes) -> namedtype.NamedTypes:
    return namedtype.NamedTypes(
        namedtype.NamedType("commonObjectAttributes", CommonObjectAttributes()),
        namedtype.NamedType("classAttributes", CommonDataObjectAttributes()),
        namedtype.OptionalNamedType("subClassAttributes", Raw().subtype(explicitTag=_ctx(0, True))),
        namedtype.NamedType("typeAttributes", type_attributes),
    )


class OpaqueDO(univ.Sequence):
    """``DataObject {Opaque}``: typeAttributes ``[1] ObjectValue`` (explicit: a tagged CHOICE)."""

    componentType = _data_object(ObjectValue().subtype(explicitTag=_ctx(1, True)))


class ExternalIDO(univ.Sequence):
    tagSet = univ.Sequence.tagSet.tagImplicitly(_ctx(0, True))
    componentType = _data_object(ObjectValue().subtype(explicitTag=_ctx(1, True)))


class OidDataObject(univ.Sequence):
    """``oidDO [1] DataObject {OidDO}``: typeAttributes ``[1] OidDO`` (implicit on a SEQUENCE)."""

    tagSet = univ.Sequence.tagSet.tagImplicitly(_ctx(1, True))
    componentType = _data_object(OidDO().subtype(implicitTag=_ctx(1, True)))


class DataType(univ.Choice):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("opaqueDO", OpaqueDO()),
        namedtype.NamedType("externalIDO", ExternalIDO()),
        namedtype.NamedType("oidDO", OidDataObject()),
    )


# --- TokenInfo (PKCS#15 6.9) ---------------------------------------------------------------------------
class TokenFlags(univ.BitString):
    namedValues = namedval.NamedValues(("readonly", 0), ("loginRequired", 1), ("prnGeneration", 2),
                                       ("eidCompliant", 3))


class TokenInfo(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("serialNumber", univ.OctetString()),
        namedtype.OptionalNamedType("manufacturerID", Label()),
        namedtype.OptionalNamedType("label", Label().subtype(implicitTag=_ctx(0))),
        namedtype.NamedType("tokenflags", TokenFlags()),
        namedtype.OptionalNamedType("seInfo", univ.SequenceOf(componentType=univ.Any())),
        namedtype.OptionalNamedType("recordInfo", Raw().subtype(implicitTag=_ctx(1, True))),
        namedtype.OptionalNamedType("supportedAlgorithms", Raw().subtype(implicitTag=_ctx(2, True))),
        namedtype.OptionalNamedType("issuerId", Label().subtype(implicitTag=_ctx(3))),
        namedtype.OptionalNamedType("holderId", Label().subtype(implicitTag=_ctx(4))),
        namedtype.OptionalNamedType("lastUpdate", Raw().subtype(implicitTag=_ctx(5, True))),
        namedtype.OptionalNamedType("preferredLanguage", char.PrintableString()),
    )


# --- AODF (PKCS#15 6.8) ----------------------------------------------------------------------------------
class PinFlags(univ.BitString):
    namedValues = namedval.NamedValues(
        ("case-sensitive", 0), ("local", 1), ("change-disabled", 2), ("unblock-disabled", 3),
        ("initialized", 4), ("needs-padding", 5), ("unblockingPin", 6), ("soPin", 7),
        ("disable-allowed", 8), ("integrity-protected", 9), ("confidentiality-protected", 10),
        ("exchangeRefData", 11),
    )


class PinType(univ.Enumerated):
    namedValues = namedval.NamedValues(("bcd", 0), ("ascii-numeric", 1), ("utf8", 2),
                                       ("half-nibble-bcd", 3), ("iso9564-1", 4))


class PinAttributes(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("pinFlags", PinFlags()),
        namedtype.NamedType("pinType", PinType()),
        namedtype.NamedType("minLength", univ.Integer()),
        namedtype.NamedType("storedLength", univ.Integer()),
        namedtype.OptionalNamedType("maxLength", univ.Integer()),
        namedtype.DefaultedNamedType("pinReference", univ.Integer(0).subtype(implicitTag=_ctx(0))),
        namedtype.OptionalNamedType("padChar", univ.OctetString()),
        namedtype.OptionalNamedType("lastPinChange", useful.GeneralizedTime()),
        namedtype.OptionalNamedType("path", Path()),
    )


class CommonAuthenticationObjectAttributes(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("authId", Identifier()),
    )


class PinObject(univ.Sequence):
    """``AuthenticationObject ::= CHOICE { pin AuthObject {PinAttributes}, ... }`` (pin: untagged)."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("commonObjectAttributes", CommonObjectAttributes()),
        namedtype.NamedType("classAttributes", CommonAuthenticationObjectAttributes()),
        namedtype.OptionalNamedType("subClassAttributes", Raw().subtype(explicitTag=_ctx(0, True))),
        namedtype.NamedType("typeAttributes", PinAttributes().subtype(explicitTag=_ctx(1, True))),
    )
