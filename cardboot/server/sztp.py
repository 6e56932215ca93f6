"""RFC 8572 section 7 (the ietf-sztp-bootstrap-server YANG module): the input of get-bootstrapping-data
and report-progress, read from XML or JSON and checked as the module says, and the output document.

- get-bootstrapping-data: signed-data-preferred (empty), hw-model, os-name, os-version (strings),
  nonce (binary, 16..32 bytes);
- report-progress: progress-type (one of the module's enums, mandatory), message, and — only when the
  progress type is bootstrap-complete — ssh-host-keys/ssh-host-key {algorithm, key-data} and
  trust-anchor-certs/trust-anchor-cert;
- output: reporting-level, conveyed-information, owner-certificate and ownership-voucher (the last two
  together or not at all).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, field

from lxml import etree

from .. import rfc8572
from ..errors import XmlError
from ..wbxml.xml import parse_xml
from .restconf import YANG_JSON, YANG_XML, RestconfError, bad_input, malformed

NS = rfc8572.NS_SERVER
MODULE = rfc8572.SERVER_MODULE
MAX_BODY = 64 * 1024

PROGRESS_TYPES = frozenset("""
bootstrap-initiated parsing-initiated parsing-warning parsing-error parsing-complete boot-image-initiated
boot-image-warning boot-image-error boot-image-mismatch boot-image-installed-rebooting boot-image-complete
pre-script-initiated pre-script-warning pre-script-error pre-script-complete config-initiated config-warning
config-error config-complete post-script-initiated post-script-warning post-script-error post-script-complete
bootstrap-warning bootstrap-error bootstrap-complete informational""".split())

log = logging.getLogger(__name__)


@dataclass
class BootstrapRequest:
    signed_data_preferred: bool = False
    hw_model: str | None = None
    os_name: str | None = None
    os_version: str | None = None
    nonce: bytes | None = None


@dataclass
class ProgressReport:
    progress_type: str
    message: str | None = None
    ssh_host_keys: list[tuple[str, bytes]] = field(default_factory=list)
    trust_anchor_certs: list[bytes] = field(default_factory=list)


def _b64(value, what: str) -> bytes:
    if not isinstance(value, str):
        raise bad_input(f"{what} must be base64 text")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_input(f"{what} is not valid base64") from None


def _input_tree(body: bytes, content_type: str, rpc: str) -> dict:
    """The RPC input as a dict of leaf name → value (lists as lists of dicts), from XML or JSON."""
    if len(body) > MAX_BODY:
        raise RestconfError(413, "protocol", "too-big", f"request body over {MAX_BODY} bytes")
    if not body.strip():
        return {}
    if content_type == YANG_JSON:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError, and a 5,000-digit integer
            raise malformed(f"body is not JSON: {' '.join(str(e).split())[:120]}") from None
        except RecursionError:
            raise malformed("body nests JSON deeper than it can be read") from None
        if not isinstance(doc, dict) or len(doc) != 1:
            raise malformed(f'JSON input must be {{"{MODULE}:input": {{...}}}}')
        (key, value), = doc.items()
        if key not in (f"{MODULE}:input", "input") or not isinstance(value, dict):
            raise malformed(f'JSON input must be {{"{MODULE}:input": {{...}}}}, not {key!r}')
        return value
    if content_type == YANG_XML:
        try:
            root = parse_xml(body, where=rpc, max_size=MAX_BODY)
        except XmlError as e:
            raise malformed(str(e)) from None
        if etree.QName(root).localname != "input" or etree.QName(root).namespace not in (NS, None):
            raise malformed(f"XML input must be <input xmlns=\"{NS}\">")
        return _xml_dict(root)
    raise RestconfError(415, "protocol", "invalid-value", f"unsupported media type {content_type!r}")


def _xml_dict(el) -> dict:
    out: dict = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        value = _xml_dict(child) if len(child) else (child.text or "")
        if name in out:
            if not isinstance(out[name], list):
                out[name] = [out[name]]
            out[name].append(value)
        else:
            out[name] = value
    return out


def parse_bootstrap_request(body: bytes, content_type: str) -> BootstrapRequest:
    data = _input_tree(body, content_type, "get-bootstrapping-data")
    known = {"signed-data-preferred", "hw-model", "os-name", "os-version", "nonce"}
    unknown = set(data) - known
    if unknown:
        raise bad_input(f"unknown input node(s): {', '.join(sorted(unknown))}")
    req = BootstrapRequest()
    if "signed-data-preferred" in data:
        v = data["signed-data-preferred"]
        if v not in ("", [None], None):  # XML <signed-data-preferred/>, JSON [null]
            raise bad_input("signed-data-preferred is an empty leaf")
        req.signed_data_preferred = True
    for key in ("hw-model", "os-name", "os-version"):
        if key in data:
            if not isinstance(data[key], str):
                raise bad_input(f"{key} must be a string")
            setattr(req, key.replace("-", "_"), data[key])
    if "nonce" in data:
        nonce = _b64(data["nonce"], "nonce")
        if not nonce:
            # an empty nonce (what some agents always send, e.g. opiproject's sztp agent) asks for nothing: it
            # is taken as no nonce, and no freshness is claimed for what is answered
            log.info("get-bootstrapping-data with an empty nonce: answered as without one")
            return req
        if not 16 <= len(nonce) <= 32:
            raise bad_input(f"nonce of {len(nonce)} bytes: the module allows 16..32")
        req.nonce = nonce
    return req


def _as_list(v) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def parse_progress_report(body: bytes, content_type: str) -> ProgressReport:
    data = _input_tree(body, content_type, "report-progress")
    known = {"progress-type", "message", "ssh-host-keys", "trust-anchor-certs"}
    unknown = set(data) - known
    if unknown:
        raise bad_input(f"unknown input node(s): {', '.join(sorted(unknown))}")
    ptype = data.get("progress-type")
    if ptype is None:
        raise bad_input("progress-type is mandatory")
    if not isinstance(ptype, str):  # a JSON list/object, or the leaf repeated in XML
        raise bad_input("progress-type must be one enumeration value")
    if ptype not in PROGRESS_TYPES:
        raise bad_input(f"progress-type {ptype!r} is not one the module defines")
    msg = data.get("message")
    if msg is not None and not isinstance(msg, str):
        raise bad_input("message must be a string")
    report = ProgressReport(ptype, msg)
    # empty containers say nothing (agents send them with every report): only ones with content count
    extra = [k for k in ("ssh-host-keys", "trust-anchor-certs") if data.get(k) not in (None, "", {}, [])]
    if extra and ptype != "bootstrap-complete":
        raise bad_input(f"{', '.join(extra)} only with progress-type bootstrap-complete")
    keys = data.get("ssh-host-keys")
    if keys is not None:
        entries = _as_list(keys.get("ssh-host-key") if isinstance(keys, dict) else None)
        for e in entries:
            if not isinstance(e, dict) or "algorithm" not in e or "key-data" not in e:
                raise bad_input("ssh-host-key needs algorithm and key-data")
            report.ssh_host_keys.append((str(e["algorithm"]), _b64(e["key-data"], "key-data")))
    anchors = data.get("trust-anchor-certs")
    if anchors is not None:
        certs = _as_list(anchors.get("trust-anchor-cert") if isinstance(anchors, dict) else None)
        report.trust_anchor_certs = [_b64(c, "trust-anchor-cert") for c in certs]
    return report


def output_body(kind: str, conveyed: bytes, owner_certificate: bytes | None = None,
                ownership_voucher: bytes | None = None, reporting_level: str | None = None) -> bytes:
    """The get-bootstrapping-data output (RFC 8572 7.2), as XML or JSON."""
    if (owner_certificate is None) != (ownership_voucher is None):
        raise ValueError("owner-certificate and ownership-voucher go together (RFC 8572 7.2)")
    fields = [("reporting-level", reporting_level)] if reporting_level else []
    fields.append(("conveyed-information", base64.b64encode(conveyed).decode()))
    if owner_certificate is not None:
        fields += [("owner-certificate", base64.b64encode(owner_certificate).decode()),
                   ("ownership-voucher", base64.b64encode(ownership_voucher).decode())]
    if kind == YANG_XML:
        root = etree.Element(f"{{{NS}}}output", nsmap={None: NS})
        for name, value in fields:
            etree.SubElement(root, f"{{{NS}}}{name}").text = value
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return json.dumps({f"{MODULE}:output": dict(fields)}).encode()
