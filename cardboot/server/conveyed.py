"""RFC 8572 conveyed information (section 6.1, module ietf-sztp-conveyed-info) and the RFC 8366 voucher:

- onboarding-information whose ``configuration`` carries the device's OMA DM bootstrap message (WBXML,
  base64 as YANG binary), with ``configuration-handling`` merge;
- redirect-information listing bootstrap servers {address, port, trust-anchor};
- the ownership voucher: an RFC 8366 JSON voucher pinning the owner's CA, signed as CMS by the
  manufacturer's voucher signer; the owner certificate travels as a certificate-only SignedData.

Each document is returned as CMS: unsigned ContentInfo, or SignedData by the owner (RFC 8572 3.1-3.3).
"""

from __future__ import annotations

import base64
import datetime as dt
import json

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from .. import rfc8572
from . import cms

NS_CONVEYED = rfc8572.NS_CONVEYED
MODULE = "ietf-sztp-conveyed-info"


def onboarding_json(dm_bootstrap: bytes) -> bytes:
    return json.dumps({f"{MODULE}:onboarding-information": {
        "configuration-handling": "merge",
        "configuration": base64.b64encode(dm_bootstrap).decode(),
    }}).encode()


def onboarding_xml(dm_bootstrap: bytes) -> bytes:
    root = etree.Element(f"{{{NS_CONVEYED}}}onboarding-information", nsmap={None: NS_CONVEYED})
    etree.SubElement(root, f"{{{NS_CONVEYED}}}configuration-handling").text = "merge"
    etree.SubElement(root, f"{{{NS_CONVEYED}}}configuration").text = base64.b64encode(dm_bootstrap).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def redirect_json(servers: list[tuple[str, int | None, bytes | None]]) -> bytes:
    entries = []
    for address, port, anchor in servers:
        e: dict = {"address": address, "port": port or 443}  # explicit: some agents reject a redirect without
        if anchor:
            e["trust-anchor"] = base64.b64encode(anchor).decode()
        entries.append(e)
    return json.dumps({f"{MODULE}:redirect-information": {"bootstrap-server": entries}}).encode()


def redirect_xml(servers: list[tuple[str, int | None, bytes | None]]) -> bytes:
    """redirect-information in XML (RFC 8572 6.3), for a device that asked in XML."""
    root = etree.Element(f"{{{NS_CONVEYED}}}redirect-information", nsmap={None: NS_CONVEYED})
    for address, port, anchor in servers:
        server = etree.SubElement(root, f"{{{NS_CONVEYED}}}bootstrap-server")
        etree.SubElement(server, f"{{{NS_CONVEYED}}}address").text = address
        etree.SubElement(server, f"{{{NS_CONVEYED}}}port").text = str(port or 443)
        if anchor:
            etree.SubElement(server, f"{{{NS_CONVEYED}}}trust-anchor").text = base64.b64encode(anchor).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def conveyed_information(document: bytes, as_json: bool, owner: tuple[bytes, bytes] | None) -> bytes:
    """CMS around a conveyed-information document: signed by ``owner`` (cert PEM, key PEM) or unsigned."""
    oid = cms.ID_CT_SZTP_JSON if as_json else cms.ID_CT_SZTP_XML
    if owner is None:
        return cms.unsigned(document, oid)
    return cms.signed(document, oid, owner[0], owner[1])


def voucher(serial: str, pinned_cert_pem: bytes, signer: tuple[bytes, bytes], days: int = 365,
            nonce: bytes | None = None) -> bytes:
    """An RFC 8366 voucher for ``serial`` pinning ``pinned_cert`` (the owner's CA), signed CMS. With the
    device's ``nonce`` it is a nonceful voucher, made for that request: the nonce in, no ``expires-on``
    (RFC 8366 5.3: freshness comes from the nonce, for a device that has no clock)."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    pinned = x509.load_pem_x509_certificate(pinned_cert_pem).public_bytes(serialization.Encoding.DER)
    body = {"created-on": now.isoformat().replace("+00:00", "Z")}
    if nonce is None:
        body["expires-on"] = (now + dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")
    body.update({"assertion": "verified", "serial-number": serial,
                 "pinned-domain-cert": base64.b64encode(pinned).decode(), "domain-cert-revocation-checks": False})
    if nonce is not None:
        body["nonce"] = base64.b64encode(nonce).decode()
    doc = json.dumps({"ietf-voucher:voucher": body}).encode()
    return cms.signed(doc, cms.ID_CT_VOUCHER_JSON, signer[0], signer[1])
