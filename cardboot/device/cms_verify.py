"""Verifying what an RFC 8572 bootstrap server conveys, as a device must (RFC 8572 5.4 / 5.5; RFC 5652 5.4,
5.6): CMS SignedData — the content type attribute equals eContentType, the message digest equals the
digest of eContent, the signature over the DER SET OF the signed attributes verifies with the signer's
certificate — and certificate chains: each certificate issued by the next (issuer name and signature,
``verify_directly_issued_by``), within its validity period, issuers CAs, ending at a given anchor.

Every failure is a :class:`VerificationError` saying which link broke; no partial result is returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import univ
from pyasn1_modules import rfc5652

from ..errors import CardbootError, ExitCode

ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
DIGESTS = {"2.16.840.1.101.3.4.2.1": (hashlib.sha256, hashes.SHA256()),
           "2.16.840.1.101.3.4.2.2": (hashlib.sha384, hashes.SHA384()),
           "2.16.840.1.101.3.4.2.3": (hashlib.sha512, hashes.SHA512())}
MAX_CMS = 1 << 20
MAX_CHAIN = 8


class VerificationError(CardbootError):
    """A signature, a chain, a voucher field or a nonce does not hold: the device refuses (exit 6)."""

    exit_code = ExitCode.MISMATCH


def _decode(data: bytes, spec, what: str):
    if len(data) > MAX_CMS:
        raise VerificationError(f"{what}: {len(data)} bytes, more than {MAX_CMS}")
    try:
        obj, rest = decoder.decode(data, asn1Spec=spec)
    except (PyAsn1Error, ValueError, TypeError, IndexError, RecursionError) as e:  # pyasn1 leaks the last two
        reason = (str(e).splitlines() or [type(e).__name__])[0][:120]
        raise VerificationError(f"{what} is not DER {type(spec).__name__}: {reason}") from None
    if rest:
        raise VerificationError(f"{what}: {len(rest)} bytes after the structure")
    return obj


def content_info(data: bytes, what: str) -> tuple[str, bytes]:
    """(content type OID, the DER of the content)."""
    ci = _decode(data, rfc5652.ContentInfo(), what)
    return str(ci["contentType"]), bytes(ci["content"])


def certificates(signed_der: bytes, what: str) -> list[x509.Certificate]:
    sd = _decode(signed_der, rfc5652.SignedData(), what)
    out = []
    for choice in sd["certificates"] if sd["certificates"].isValue else []:
        if choice.getName() == "certificate":
            out.append(x509.load_der_x509_certificate(encoder.encode(choice["certificate"])))
    return out


def unwrap_unsigned(data: bytes, content_type: str, what: str) -> bytes:
    ctype, content = content_info(data, what)
    if ctype != content_type:
        raise VerificationError(f"{what}: content type {ctype}, expected {content_type}")
    return bytes(_decode(content, univ.OctetString(), what))


def encapsulated_type(data: bytes, what: str) -> str:
    """The eContentType a SignedData carries (before its signature is checked: to choose the decoder)."""
    ctype, content = content_info(data, what)
    if ctype != ID_SIGNED_DATA:
        return ctype
    return str(_decode(content, rfc5652.SignedData(), what)["encapContentInfo"]["eContentType"])


def verify_signed(data: bytes, content_type: str, what: str) -> tuple[bytes, x509.Certificate, list[x509.Certificate]]:
    """(eContent, the signer's certificate, every certificate carried) of a SignedData whose signature holds."""
    ctype, content = content_info(data, what)
    if ctype != ID_SIGNED_DATA:
        raise VerificationError(f"{what}: not signed (content type {ctype})")
    sd = _decode(content, rfc5652.SignedData(), what)
    encap = sd["encapContentInfo"]
    if str(encap["eContentType"]) != content_type:
        raise VerificationError(f"{what}: eContentType {encap['eContentType']}, expected {content_type}")
    if not encap["eContent"].isValue:
        raise VerificationError(f"{what}: detached content")
    econtent = bytes(encap["eContent"])
    certs = certificates(content, what)
    if len(sd["signerInfos"]) != 1:
        raise VerificationError(f"{what}: {len(sd['signerInfos'])} signers (one expected)")
    si = sd["signerInfos"][0]
    sid = si["sid"]
    if sid.getName() == "issuerAndSerialNumber":
        serial = int(sid["issuerAndSerialNumber"]["serialNumber"])
        signer = next((c for c in certs if c.serial_number == serial), None)
    else:
        ski = bytes(sid["subjectKeyIdentifier"])
        signer = next((c for c in certs if _ski(c) == ski), None)
    if signer is None:
        raise VerificationError(f"{what}: the signer's certificate is not in the SignedData")
    digest_oid = str(si["digestAlgorithm"]["algorithm"])
    if digest_oid not in DIGESTS:
        raise VerificationError(f"{what}: digest algorithm {digest_oid} not supported")
    hasher, hash_alg = DIGESTS[digest_oid]
    if not si["signedAttrs"].isValue:
        signed_bytes = econtent
    else:
        attrs = {str(a["attrType"]): a["attrValues"] for a in si["signedAttrs"]}
        if ID_CONTENT_TYPE not in attrs or ID_MESSAGE_DIGEST not in attrs:
            raise VerificationError(f"{what}: signed attributes without content type or message digest")
        got_type = _decode(encoder.encode(attrs[ID_CONTENT_TYPE][0]), univ.ObjectIdentifier(), what)
        if str(got_type) != content_type:
            raise VerificationError(f"{what}: the signed content-type attribute says {got_type}")
        digest = bytes(_decode(encoder.encode(attrs[ID_MESSAGE_DIGEST][0]), univ.OctetString(), what))
        if digest != hasher(econtent).digest():
            raise VerificationError(f"{what}: the message digest does not match the content (altered)")
        raw = encoder.encode(si["signedAttrs"])
        signed_bytes = b"\x31" + raw[1:]  # RFC 5652 5.4: the DER of the SET OF, not of the [0] IMPLICIT
    signature = bytes(si["signature"])
    key = signer.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(hash_alg))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, padding.PKCS1v15(), hash_alg)
        else:
            raise VerificationError(f"{what}: the signer's key type is not supported")
    except InvalidSignature:
        raise VerificationError(f"{what}: bad signature") from None
    return econtent, signer, certs


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def verify_chain(leaf: x509.Certificate, pool: list[x509.Certificate], anchors: list[x509.Certificate],
                 what: str, now: dt.datetime | None = None) -> list[x509.Certificate]:
    """The path from ``leaf`` to one of ``anchors`` through ``pool``; each link checked."""
    now = now or dt.datetime.now(dt.timezone.utc)
    path = [leaf]
    current = leaf
    for _ in range(MAX_CHAIN):
        _valid_at(current, now, what)
        if any(current == a for a in anchors):
            return path
        for issuer in [a for a in anchors] + [c for c in pool if c != current]:
            if issuer.subject != current.issuer:
                continue
            try:
                current.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                continue
            if issuer not in anchors:
                _must_be_ca(issuer, what)
            path.append(issuer)
            if issuer in anchors:
                _valid_at(issuer, now, what)
                return path
            current = issuer
            break
        else:
            raise VerificationError(f"{what}: {current.subject.rfc4514_string()} does not chain to the trust anchor")
    raise VerificationError(f"{what}: certificate chain longer than {MAX_CHAIN}")


def _valid_at(cert: x509.Certificate, now: dt.datetime, what: str) -> None:
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise VerificationError(f"{what}: {cert.subject.rfc4514_string()} is not valid now (valid "
                                f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})")


def _must_be_ca(cert: x509.Certificate, what: str) -> None:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        bc = None
    if bc is None or not bc.ca:
        raise VerificationError(f"{what}: {cert.subject.rfc4514_string()} issues certificates but is no CA")
