"""An RFC 8572 device: call get-bootstrapping-data and accept only what RFC 8572 section 5 lets a device
accept.

- From a server whose TLS certificate verified against the device's trust anchor (``ca``), unsigned
  conveyed information is accepted; from any other server only signed information is (5.1, 5.4).
- Signed: the ownership voucher is a SignedData (id-ct-animaJSONVoucher) whose signer chains to the
  manufacturer's trust anchor; its serial-number is this device's, it has not expired, and when it
  carries a nonce it is the one the device sent (a device that sent one and gets none is told so); the
  owner certificate chains to the voucher's pinned-domain-cert; the conveyed information is a SignedData
  (id-ct-sztpConveyedInfoJSON) whose signer is that owner certificate (5.4).
- redirect-information: the next bootstrap servers, each with its trust anchor; followed in order, at
  most ``max_hops`` times. onboarding-information: its configuration, here the device's OMA DM bootstrap
  message, decoded and validated.
- ``report``: report-progress to a trusted server only (bootstrap-initiated, then bootstrap-complete or
  bootstrap-error with the reason).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import ssl
import urllib.parse
from dataclasses import dataclass, field

from cryptography import x509

from ..bootstrap.io import load_message_bytes
from ..bootstrap.validate import Finding, validate_message
from ..errors import SecurityError, UsageError
from ..rfc8572 import ID_CT_SZTP_JSON, ID_CT_SZTP_XML, ID_CT_VOUCHER_JSON, NS_CONVEYED
from ..secret import Secret
from ..text import shown
from .cms_verify import (VerificationError, certificates, content_info, encapsulated_type, unwrap_unsigned,
                         verify_chain, verify_signed)
from .fetch import FetchError, https_request, https_target

RPC = "/restconf/operations/ietf-sztp-bootstrap-server:"
JSON = "application/yang-data+json"
MAX_BODY = 4 << 20


@dataclass
class SztpResult:
    url: str
    trusted: bool
    signed: bool
    kind: str  # onboarding | redirect
    message: bytes | None = None
    findings: list[Finding] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    hops: list[str] = field(default_factory=list)
    voucher: dict | None = None
    notes: list[str] = field(default_factory=list)
    redirect_anchors: dict[str, str | None] = field(default_factory=dict)  # URL -> its trust-anchor (CMS, base64)


@dataclass
class Identity:
    serial: str
    cert: str | None = None
    key: str | None = None
    basic: Secret | None = None


def device_identity(cert: str | None, key: str | None, basic: Secret | None) -> Identity:
    """The device's serial number: its certificate's subject serialNumber, else the Basic user."""
    serial = None
    if cert:
        try:
            c = x509.load_pem_x509_certificate(open(cert, "rb").read())
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read the device certificate {cert}: {e}") from None
        attrs = c.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)
        serial = attrs[0].value if attrs else None
    if serial is None and basic is not None:
        serial = basic.reveal().split(b":", 1)[0].decode("utf-8", "replace")
    if not serial:
        raise UsageError("the device needs an identity: a client certificate with a serialNumber, or --basic-env")
    return Identity(str(serial), cert, key, basic)


def _post(base: str, rpc: str, payload: dict, ident: Identity, anchor_pems: bytes | None) -> tuple[int, bytes, bool]:
    """POST a RESTCONF RPC; (status, body, trusted): trusted when TLS verified against the anchor."""
    host, port, _path = https_target(base)
    netloc = f"[{host}]" if ":" in host else host
    if anchor_pems:
        ctx = ssl.create_default_context(cadata=anchor_pems.decode("ascii", "replace"))
        trusted = True
    else:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # an untrusted server: only signed data counts
        trusted = False
    if ident.cert:
        ctx.load_cert_chain(ident.cert, ident.key)
    headers = {"Content-Type": JSON, "Accept": JSON}
    if ident.basic is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(ident.basic.reveal()).decode("ascii")
    body = json.dumps({"ietf-sztp-bootstrap-server:input": payload}).encode()
    target = f"https://{netloc}:{port}{RPC}{rpc}"  # the RESTCONF root is /restconf
    status, _reason, _ctype, data = https_request("POST", target, ctx, headers, body, limit=MAX_BODY)
    return status, data, trusted


def _b64(value, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, TypeError):
        raise VerificationError(f"{what} is not base64") from None


def _when(text, what: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise VerificationError(f"voucher {what} {text!r} is not a date-and-time") from None


def check_voucher(voucher_cms: bytes, serial: str, anchors: list[x509.Certificate], nonce: bytes | None,
                  now: dt.datetime, notes: list[str]) -> tuple[dict, x509.Certificate]:
    """The voucher's JSON and its pinned-domain-cert, after every RFC 8572 5.5 / RFC 8366 check."""
    content, signer, carried = verify_signed(voucher_cms, ID_CT_VOUCHER_JSON, "ownership voucher")
    verify_chain(signer, carried, anchors, "ownership voucher signer", now)
    try:
        voucher = _json(content, "ownership voucher")["ietf-voucher:voucher"]
        if not isinstance(voucher, dict):
            raise TypeError
    except (KeyError, TypeError):
        raise VerificationError("ownership voucher: not an RFC 8366 JSON voucher") from None
    if voucher.get("serial-number") != serial:
        raise VerificationError(f"ownership voucher is for serial {voucher.get('serial-number')!r}, this device is "
                                f"{serial!r}")
    if "expires-on" in voucher and _when(voucher["expires-on"], "expires-on") < now:
        raise VerificationError(f"ownership voucher expired on {voucher['expires-on']}")
    if "created-on" in voucher and _when(voucher["created-on"], "created-on") > now + dt.timedelta(minutes=5):
        raise VerificationError(f"ownership voucher is created in the future ({voucher['created-on']})")
    if "nonce" in voucher:
        if nonce is None or _b64(voucher["nonce"], "voucher nonce") != nonce:
            raise VerificationError("ownership voucher nonce does not match the nonce this device sent")
    elif nonce is not None:
        notes.append("the device sent a nonce and the voucher carries none (a voucher made before the request)")
    try:
        pinned = x509.load_der_x509_certificate(_b64(voucher.get("pinned-domain-cert", ""), "pinned-domain-cert"))
    except ValueError:
        raise VerificationError("ownership voucher: pinned-domain-cert is not a certificate") from None
    return voucher, pinned


def process_output(body: bytes, *, url: str, trusted: bool, serial: str, anchors: list[x509.Certificate],
                   nonce: bytes | None, now: dt.datetime | None = None) -> SztpResult:
    """Everything RFC 8572 5 asks of a device for one get-bootstrapping-data answer."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        output = _json(body, f"{url}: the answer")["ietf-sztp-bootstrap-server:output"]
        if not isinstance(output, dict):
            raise TypeError
        conveyed = _b64(output["conveyed-information"], "conveyed-information")
    except (KeyError, TypeError):
        raise VerificationError(f"{url}: the answer is no get-bootstrapping-data output") from None
    notes: list[str] = []
    ctype, _ = content_info(conveyed, "conveyed-information")
    if "ownership-voucher" in output or "owner-certificate" in output:
        if "ownership-voucher" not in output or "owner-certificate" not in output:
            raise VerificationError("owner-certificate and ownership-voucher come together (RFC 8572 7.2)")
        voucher, pinned = check_voucher(_b64(output["ownership-voucher"], "ownership-voucher"), serial, anchors,
                                        nonce, now, notes)
        owner_ci = _b64(output["owner-certificate"], "owner-certificate")
        _t, owner_sd = content_info(owner_ci, "owner-certificate")
        owner_certs = certificates(owner_sd, "owner-certificate")
        if not owner_certs:
            raise VerificationError("owner-certificate carries no certificate")
        doc_type = encapsulated_type(conveyed, "conveyed-information")
        if doc_type not in (ID_CT_SZTP_JSON, ID_CT_SZTP_XML):
            raise VerificationError(f"conveyed-information: eContentType {doc_type} is neither sztpConveyedInfoJSON "
                                    "nor sztpConveyedInfoXML")
        document, signer, _carried = verify_signed(conveyed, doc_type, "conveyed-information")
        if signer not in owner_certs:
            raise VerificationError("conveyed-information is not signed by the owner certificate")
        verify_chain(signer, owner_certs, [pinned], "owner certificate (to the voucher's pinned-domain-cert)", now)
        signed = True
    else:
        if not trusted:
            raise VerificationError(f"{url}: unsigned conveyed information from a server this device does not trust "
                                    "(RFC 8572 5.1: only signed data may come from an untrusted server)")
        doc_type = ctype if ctype in (ID_CT_SZTP_JSON, ID_CT_SZTP_XML) else ID_CT_SZTP_JSON
        document = unwrap_unsigned(conveyed, doc_type, "conveyed-information")
        voucher, signed = None, False
    # RFC 8572 3.1: conveyed information in either encoding; XML is read into JSON's shape
    info = _json(document, "conveyed-information") if doc_type == ID_CT_SZTP_JSON else _conveyed_xml(document)
    if not isinstance(info, dict):
        raise VerificationError("conveyed-information is not a JSON object")
    result = SztpResult(url, trusted, signed, "", voucher=voucher, notes=notes)
    if "ietf-sztp-conveyed-info:redirect-information" in info:
        result.kind = "redirect"
        for server in _redirect_servers(info["ietf-sztp-conveyed-info:redirect-information"]):
            address, port, anchor = server
            redirect = f"https://{address}{'' if port == 443 else f':{port}'}"
            result.redirects.append(redirect)
            result.redirect_anchors[redirect] = anchor
    elif "ietf-sztp-conveyed-info:onboarding-information" in info:
        result.kind = "onboarding"
        onboarding = info["ietf-sztp-conveyed-info:onboarding-information"]
        if not isinstance(onboarding, dict) or not isinstance(onboarding.get("configuration"), str):
            raise VerificationError("onboarding-information without a configuration")
        result.message = _b64(onboarding["configuration"], "configuration")
        loaded = load_message_bytes(result.message, "onboarding configuration")
        result.findings = validate_message(loaded.message, encoded=loaded.wbxml)
    else:
        raise VerificationError("conveyed-information is neither redirect- nor onboarding-information")
    return result


def _json(data: bytes, what: str):
    """JSON from a peer, errors typed: a document nested past the parser's recursion limit is refused like
    any other that is not JSON, and so are NaN / Infinity (not JSON, RFC 8259)."""
    try:
        return json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise VerificationError(f"{what} is not JSON") from None


_MODULE = "ietf-sztp-conveyed-info"


def _conveyed_xml(document: bytes) -> dict:
    """XML conveyed information (RFC 8572 6.1 / 6.3, id-ct-sztpConveyedInfoXML) in the JSON encoding's shape:
    leaves as text, ``port`` as an integer when it is one (checked with the rest later)."""
    from ..errors import DecodeError
    from ..wbxml.xml import parse_xml

    try:
        root = parse_xml(document, where="conveyed-information", max_size=MAX_BODY)
    except DecodeError as e:
        raise VerificationError(f"conveyed-information: {e}") from None

    def local(el) -> str:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag.startswith(f"{{{NS_CONVEYED}}}"):
            raise VerificationError(f"conveyed-information: element {shown(tag, 80)} is not of {_MODULE}")
        return tag.split("}", 1)[1]

    def text(el) -> str:
        return (el.text or "").strip()

    kind = local(root)
    if kind == "redirect-information":
        servers = []
        for server in root:
            if local(server) != "bootstrap-server":
                raise VerificationError(f"redirect-information: unexpected {local(server)}")
            entry: dict = {}
            for leaf in server:
                name = local(leaf)
                value = text(leaf)
                entry[name] = int(value) if name == "port" and value.isdigit() and len(value) < 6 else value
            servers.append(entry)
        return {f"{_MODULE}:redirect-information": {"bootstrap-server": servers}}
    if kind == "onboarding-information":
        return {f"{_MODULE}:onboarding-information": {local(leaf): text(leaf) for leaf in root}}
    raise VerificationError(f"conveyed-information: {kind} is neither redirect- nor onboarding-information")


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _redirect_servers(redirect) -> list[tuple[str, int, str | None]]:
    """(address, port, trust-anchor) of each bootstrap-server of redirect-information (RFC 8572 6.1: address
    an inet:host, port an inet:port-number, default 443), each checked before it becomes a URL."""
    servers = redirect.get("bootstrap-server", []) if isinstance(redirect, dict) else None
    if not isinstance(servers, list):
        raise VerificationError("redirect-information: bootstrap-server is not a list")
    out = []
    for n, server in enumerate(servers, 1):
        where = f"redirect-information bootstrap-server #{n}"
        if not isinstance(server, dict):
            raise VerificationError(f"{where} is not an object")
        address, port, anchor = server.get("address"), server.get("port", 443), server.get("trust-anchor")
        if not isinstance(address, str) or not re.fullmatch(r"[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]|"
                                                            r"[0-9A-Fa-f:.]{2,45}", address):
            raise VerificationError(f"{where}: address {shown(repr(address), 80)} is not a host name or address")
        if ":" in address and not address.startswith("["):
            address = f"[{address}]"  # an IPv6 address in a URL
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise VerificationError(f"{where}: port {shown(repr(port), 40)} is not 1..65535")
        if anchor is not None and not isinstance(anchor, str):
            raise VerificationError(f"{where}: trust-anchor is not base64 text")
        out.append((address, port, anchor))
    return out


def _anchor_pems(cms_b64: str | None) -> bytes | None:
    """A redirect's trust-anchor (a certs-only CMS, base64) as PEM for TLS."""
    if not cms_b64:
        return None
    from cryptography.hazmat.primitives import serialization

    _t, sd = content_info(_b64(cms_b64, "trust-anchor"), "trust-anchor")
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates(sd, "trust-anchor"))


def bootstrap(url: str, ident: Identity, *, ca_pems: bytes | None, manufacturer: list[x509.Certificate],
              nonce: bytes | None = None, report: bool = False, signed: bool = False, max_hops: int = 3) -> SztpResult:
    """get-bootstrapping-data at ``url``, following redirects; reports progress when asked (trusted only).
    ``signed`` (or an untrusted server) asks for signed data (signed-data-preferred, RFC 8572 7.2)."""
    hops: list[str] = []
    anchor = ca_pems
    payload: dict = {"hw-model": "cardboot-device"}
    if nonce is not None:
        payload["nonce"] = base64.b64encode(nonce).decode()
    while True:
        if url in hops:
            raise VerificationError(f"redirect loop: {url} again")
        if len(hops) > max_hops:
            raise VerificationError(f"more than {max_hops} redirects")
        hops.append(url)
        if signed or anchor is None:
            payload["signed-data-preferred"] = [None]  # YANG empty in JSON (RFC 7951 6.9)
        else:  # a redirect's trust anchor made this server trusted: the hop before may have asked for signed
            payload.pop("signed-data-preferred", None)
        status, body, trusted = _post(url, "get-bootstrapping-data", payload, ident, anchor)
        if status in (401, 403):
            raise SecurityError(f"{url}: the server does not accept this device's credentials ({status})")
        if status != 200:
            raise FetchError(f"{url}: get-bootstrapping-data answered {status}")
        if report and trusted:
            _post(url, "report-progress", {"progress-type": "bootstrap-initiated"}, ident, anchor)
        try:
            result = process_output(body, url=url, trusted=trusted, serial=ident.serial, anchors=manufacturer,
                                    nonce=nonce)
        except VerificationError as e:
            if report and trusted:
                _post(url, "report-progress", {"progress-type": "bootstrap-error", "message": str(e)[:200]}, ident,
                      anchor)
            raise
        result.hops = hops
        if result.kind == "redirect":
            if not result.redirects:
                raise VerificationError(f"{url}: redirect-information lists no bootstrap server")
            nxt = result.redirects[0]
            anchor = _anchor_pems(result.redirect_anchors.get(nxt))
            url = nxt
            continue
        if report and trusted:
            _post(url, "report-progress", {"progress-type": "bootstrap-complete" if not result.findings
                                           else "bootstrap-error"}, ident, anchor)
        return result
