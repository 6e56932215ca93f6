"""RESTCONF pieces the bootstrap server needs (RFC 8040): media types and error bodies.

Errors are ``{"ietf-restconf:errors": {"error": [{"error-type", "error-tag", "error-message"}]}}`` or the
XML form in ``urn:ietf:params:xml:ns:yang:ietf-restconf``, each with its HTTP status (RFC 8040 7.1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lxml import etree

NS_RESTCONF = "urn:ietf:params:xml:ns:yang:ietf-restconf"
YANG_XML = "application/yang-data+xml"
YANG_JSON = "application/yang-data+json"
# RFC 8572's examples write "yang.data"; accepted as a synonym
_SYNONYMS = {"application/yang.data+xml": YANG_XML, "application/yang.data+json": YANG_JSON}


def media_type(value: str | None) -> str | None:
    """The RESTCONF media type named by a Content-Type / Accept value (parameters ignored), or None."""
    if not value:
        return None
    base = value.split(";", 1)[0].strip().lower()
    base = _SYNONYMS.get(base, base)
    return base if base in (YANG_XML, YANG_JSON) else None


def negotiate(accept: str | None, default: str = YANG_JSON) -> str | None:
    """Pick the answer's media type from an Accept header: the first acceptable one; ``*/*`` or no header
    gives ``default`` (cardboot answers JSON then, rather than 406). None when nothing offered is served."""
    if not accept:
        return default
    for part in accept.split(","):
        kind = part.split(";", 1)[0].strip().lower()
        if kind in ("*/*", "application/*"):
            return default
        known = media_type(kind)
        if known:
            return known
    return None


@dataclass
class RestconfError(Exception):
    status: int
    error_type: str  # transport | rpc | protocol | application
    error_tag: str  # e.g. invalid-value, malformed-message, access-denied, data-missing
    message: str
    retry_after: int | None = None  # seconds, sent as Retry-After (429, 503)

    def __str__(self) -> str:
        return f"{self.status} {self.error_tag}: {self.message}"

    def body(self, kind: str) -> bytes:
        if kind == YANG_XML:
            root = etree.Element(f"{{{NS_RESTCONF}}}errors", nsmap={None: NS_RESTCONF})
            err = etree.SubElement(root, f"{{{NS_RESTCONF}}}error")
            for tag, text in (("error-type", self.error_type), ("error-tag", self.error_tag),
                              ("error-message", self.message)):
                etree.SubElement(err, f"{{{NS_RESTCONF}}}{tag}").text = text
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return json.dumps({"ietf-restconf:errors": {"error": [{
            "error-type": self.error_type, "error-tag": self.error_tag, "error-message": self.message}]}}).encode()


def bad_input(message: str) -> RestconfError:
    return RestconfError(400, "protocol", "invalid-value", message)


def malformed(message: str) -> RestconfError:
    return RestconfError(400, "protocol", "malformed-message", message)
