"""CMS (RFC 5652) for RFC 8572 conveyed information and RFC 8366 vouchers, built with pyasn1-modules'
RFC 5652 types and signed with ``cryptography`` (nothing hand-encoded).

- unsigned: ContentInfo { contentType id-ct-sztpConveyedInfoXML / JSON, content [0] OCTET STRING };
- signed: ContentInfo { id-signedData, SignedData { encapContentInfo eContentType = that OID, the
  signer's certificate, one SignerInfo with contentType + messageDigest signed attributes } }.
"""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyasn1.codec.der import decoder, encoder
from pyasn1.type import tag, univ
from pyasn1_modules import rfc5280, rfc5652

from .. import rfc8572

ID_SIGNED_DATA = univ.ObjectIdentifier("1.2.840.113549.1.7.2")
ID_CT_SZTP_XML = univ.ObjectIdentifier(rfc8572.ID_CT_SZTP_XML)
ID_CT_SZTP_JSON = univ.ObjectIdentifier(rfc8572.ID_CT_SZTP_JSON)
ID_CT_VOUCHER_JSON = univ.ObjectIdentifier(rfc8572.ID_CT_VOUCHER_JSON)
ID_DATA = univ.ObjectIdentifier("1.2.840.113549.1.7.1")
ID_CONTENT_TYPE = univ.ObjectIdentifier("1.2.840.113549.1.9.3")
ID_MESSAGE_DIGEST = univ.ObjectIdentifier("1.2.840.113549.1.9.4")
ID_SHA256 = univ.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
ID_SHA256_RSA = univ.ObjectIdentifier("1.2.840.113549.1.1.11")
ID_ECDSA_SHA256 = univ.ObjectIdentifier("1.2.840.10045.4.3.2")


def _content_info(content_type, content) -> bytes:
    ci = rfc5652.ContentInfo()
    ci["contentType"] = content_type
    ci["content"] = content
    return encoder.encode(ci)


def unsigned(content: bytes, content_type: univ.ObjectIdentifier) -> bytes:
    """ContentInfo carrying ``content`` as an OCTET STRING (RFC 8572 3.1, unsigned conveyed information)."""
    return _content_info(content_type, encoder.encode(univ.OctetString(content)))


def _attribute(oid, value) -> rfc5652.Attribute:
    attr = rfc5652.Attribute()
    attr["attrType"] = oid
    attr["attrValues"].append(value)
    return attr


def signed(content: bytes, content_type: univ.ObjectIdentifier, cert_pem: bytes, key_pem: bytes,
           extra_certs: list[bytes] = ()) -> bytes:
    """SignedData over ``content`` with eContentType ``content_type``, signed by ``cert``/``key``."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    cert_asn1, _ = decoder.decode(cert_der, asn1Spec=rfc5280.Certificate())

    sd = rfc5652.SignedData()
    sd["version"] = 3
    alg = rfc5280.AlgorithmIdentifier()
    alg["algorithm"] = ID_SHA256
    sd["digestAlgorithms"].append(alg)
    eci = sd["encapContentInfo"]
    eci["eContentType"] = content_type
    eci["eContent"] = univ.OctetString(content).subtype(explicitTag=tag.Tag(tag.tagClassContext,
                                                                           tag.tagFormatSimple, 0))
    certs = sd["certificates"]
    for der in [cert_der, *extra_certs]:
        choice = rfc5652.CertificateChoices()
        choice["certificate"], _ = decoder.decode(der, asn1Spec=rfc5280.Certificate())
        certs.append(choice)

    si = rfc5652.SignerInfo()
    si["version"] = 1
    ias = rfc5652.IssuerAndSerialNumber()
    ias["issuer"] = cert_asn1["tbsCertificate"]["issuer"]
    ias["serialNumber"] = cert_asn1["tbsCertificate"]["serialNumber"]
    si["sid"]["issuerAndSerialNumber"] = ias
    si["digestAlgorithm"]["algorithm"] = ID_SHA256
    attrs = si["signedAttrs"]
    attrs.append(_attribute(ID_CONTENT_TYPE, content_type))
    attrs.append(_attribute(ID_MESSAGE_DIGEST, univ.OctetString(hashlib.sha256(content).digest())))
    # the signature covers the DER of the attributes as a SET OF (RFC 5652 5.4), not as [0]
    to_sign = _set_of(attrs)
    if isinstance(key, rsa.RSAPrivateKey):
        sig = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
        si["signatureAlgorithm"]["algorithm"] = ID_SHA256_RSA
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        sig = key.sign(to_sign, ec.ECDSA(hashes.SHA256()))
        si["signatureAlgorithm"]["algorithm"] = ID_ECDSA_SHA256
    else:
        raise ValueError("signing key must be RSA or EC")
    si["signature"] = sig
    sd["signerInfos"].append(si)
    return _content_info(ID_SIGNED_DATA, encoder.encode(sd))


def _set_of(attrs) -> bytes:
    """DER of the signed attributes with the universal SET tag (31) instead of their [0] IMPLICIT tag."""
    der = encoder.encode(attrs)
    return b"\x31" + der[1:]


def certificate_bag(cert_pems: list[bytes]) -> bytes:
    """A degenerate SignedData carrying only certificates (RFC 8572 owner-certificate format)."""
    sd = rfc5652.SignedData()
    sd["version"] = 1
    sd["digestAlgorithms"].clear()
    sd["encapContentInfo"]["eContentType"] = ID_DATA
    for pem in cert_pems:
        choice = rfc5652.CertificateChoices()
        der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
        choice["certificate"], _ = decoder.decode(der, asn1Spec=rfc5280.Certificate())
        sd["certificates"].append(choice)
    sd["signerInfos"].clear()
    return _content_info(ID_SIGNED_DATA, encoder.encode(sd))
