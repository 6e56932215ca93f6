"""Bootstrap via HTTPS GET as a device does it (OMA DM Bootstrap 5.5.7): GET the URL over TLS verified
against the given CA (or the system's), identified by a client certificate and/or HTTP Basic; 404 is "no
bootstrap for this device"; what comes back must decode as a bootstrap message and pass its validation
before it is handed on (step 4: "upon successful verification").

The response is bounded (the WBXML decoder's limit) before it is read whole; the Basic credential and the
key never appear in errors.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import urllib.parse
from dataclasses import dataclass

from ..bootstrap.io import MAX_MESSAGE_FILE, LoadedMessage, load_message_bytes
from ..bootstrap.validate import Finding, validate_message
from ..errors import CardbootError, CardIOError, ExitCode, SecurityError, UsageError
from ..secret import Secret


class FetchError(CardIOError):
    """The server could not be reached or answered what a bootstrap server does not (exit 3)."""


class NoBootstrapError(CardbootError):
    """The server has no bootstrap for this device (HTTP 404, 5.5.7 step 2): exit 5."""

    exit_code = ExitCode.VALIDATION


@dataclass
class Fetched:
    url: str
    status: int
    content_type: str
    data: bytes
    loaded: LoadedMessage
    findings: list[Finding]


def tls_context(ca: str | None, cert: str | None, key: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
    if cert:
        try:
            ctx.load_cert_chain(cert, key)
        except (OSError, ssl.SSLError) as e:
            raise UsageError(f"cannot load the client certificate {cert}: {getattr(e, 'strerror', None) or e}") from None
    return ctx


def fetch(url: str, *, ca: str | None = None, cert: str | None = None, key: str | None = None,
          basic: Secret | None = None, timeout: float = 15.0) -> Fetched:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise UsageError(f"{url!r}: a bootstrap is fetched over https:// only (5.5.7)")
    headers = {"Accept": "application/vnd.syncml.dm+wbxml, application/vnd.syncml.dm+xml", "User-Agent": "cardboot"}
    if basic is not None:
        if b":" not in basic.reveal():
            raise UsageError("the Basic credential must be SERIAL:CODE (****)")
        headers["Authorization"] = "Basic " + base64.b64encode(basic.reveal()).decode("ascii")
    status, reason, ctype, body = https_request("GET", url, tls_context(ca, cert, key), headers,
                                                limit=MAX_MESSAGE_FILE, timeout=timeout)
    if status == 404:
        raise NoBootstrapError(f"{url}: no bootstrap for this device (404)")
    if status in (401, 403):
        raise SecurityError(f"{url}: the server does not accept this device's credentials ({status})")
    if status != 200:
        raise FetchError(f"{url}: the server answered {status} {reason}")
    loaded = load_message_bytes(body, url)
    findings = validate_message(loaded.message, encoded=loaded.wbxml)
    return Fetched(url, status, ctype, body, loaded, findings)


def fetch_first(urls: list[str], **options) -> tuple[Fetched, list[str]]:
    """The first of ``urls`` (discovery order) that answers with a bootstrap, and why each before it did not.
    A single URL's failure is raised as it is."""
    tried: list[str] = []
    for url in urls:
        try:
            return fetch(url, **options), tried
        except (FetchError, NoBootstrapError) as e:
            if len(urls) == 1:
                raise
            tried.append(str(e))
    raise FetchError("no bootstrap server answered with a bootstrap: " + "; ".join(tried))


def https_request(method: str, url: str, ctx: ssl.SSLContext, headers: dict, body: bytes | None = None, *,
                  limit: int, timeout: float = 15.0) -> tuple[int, str, str, bytes]:
    """(status, reason, content type, body) of one HTTPS exchange; the body bounded by ``limit`` (longer:
    FetchError), connection and TLS trouble a FetchError naming the URL."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout, context=ctx)
    try:
        conn.request(method, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=body,
                     headers=headers)
        resp = conn.getresponse()
        length = resp.getheader("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise FetchError(f"{url}: a {length}-byte answer is more than {limit} bytes")
        data = resp.read(limit + 1)
    except ssl.SSLCertVerificationError as e:
        raise FetchError(f"{url}: the server's certificate does not verify: {e.verify_message}") from None
    except (OSError, http.client.HTTPException) as e:
        raise FetchError(f"{url}: {type(e).__name__}: {e}") from None
    finally:
        conn.close()
    if len(data) > limit:
        raise FetchError(f"{url}: the answer is larger than {limit} bytes")
    return resp.status, resp.reason, resp.getheader("Content-Type", ""), data
