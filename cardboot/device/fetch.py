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
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass

from ..bootstrap.io import MAX_MESSAGE_FILE, LoadedMessage, load_message_bytes
from ..bootstrap.validate import Finding, validate_message
from ..errors import CardbootError, CardIOError, ExitCode, SecurityError, UsageError
from ..secret import Secret
from ..text import shown


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


def https_target(url: str, error: type[CardbootError] = UsageError) -> tuple[str, int, str]:
    """(host, port, path with query) of an https:// URL; ``error`` (the user's URL: UsageError, a server's:
    its own class) for anything else — a port that is no number or not 1..65535, a broken IPv6 literal,
    another scheme. The message shows the URL escaped."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise error(f"{shown(url)}: not a usable URL ({e})") from None
    if parts.scheme != "https" or not parts.hostname:
        raise error(f"{shown(url)}: a bootstrap is fetched over https:// only (5.5.7)")
    if port is not None and not 1 <= port <= 65535:
        raise error(f"{shown(url)}: port {port} is not 1..65535")
    return parts.hostname, port or 443, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# 5.5.7: https://{SCWS@}/OMA/DM/Bootstrap.xml, {SCWS@} by transport and IP version
SCWS_URLS = {"bip": "https://127.0.0.1:4116/OMA/DM/Bootstrap.xml", "bip6": "https://[::1]:4116/OMA/DM/Bootstrap.xml",
             "tcpip": "https://localuicc:443/OMA/DM/Bootstrap.xml"}


class _AddressedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to ``address`` for a URL whose host the terminal resolves itself (localuicc, TS
    102 600): TLS still checks the certificate against the URL's host name."""

    def __init__(self, host: str, port: int, address: tuple[str, int], **kw):
        super().__init__(host, port, **kw)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection(self._address, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, ca: str | None = None, cert: str | None = None, key: str | None = None,
          basic: Secret | None = None, timeout: float = 15.0, connect_to: tuple[str, int] | None = None) -> Fetched:
    https_target(url)
    headers = {"Accept": "application/vnd.syncml.dm+wbxml, application/vnd.syncml.dm+xml", "User-Agent": "cardboot"}
    if basic is not None:
        if b":" not in basic.reveal():
            raise UsageError("the Basic credential must be SERIAL:CODE (****)")
        headers["Authorization"] = "Basic " + base64.b64encode(basic.reveal()).decode("ascii")
    status, reason, ctype, body = https_request("GET", url, tls_context(ca, cert, key), headers,
                                                limit=MAX_MESSAGE_FILE, timeout=timeout, connect_to=connect_to)
    if status == 404:
        raise NoBootstrapError(f"{url}: no bootstrap for this device (404)" if url not in SCWS_URLS.values() else
                               f"{url}: no bootstrap on the card (404)")
    if status in (401, 403) and url in SCWS_URLS.values():
        raise SecurityError(f"{url}: the card's web server does not serve the bootstrap to this device ({status}: "
                            f"{shown(body[:80].decode('latin-1'), 80)})")
    if status in (401, 403):
        raise SecurityError(f"{url}: the server does not accept this device's credentials ({status})")
    if status != 200:
        raise FetchError(f"{url}: the server answered {status} {shown(reason, 80)}")
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
                  limit: int, timeout: float = 15.0, error: type[CardbootError] = UsageError,
                  connect_to: tuple[str, int] | None = None) -> tuple[int, str, str, bytes]:
    """(status, reason, content type, body) of one HTTPS exchange; the body bounded by ``limit`` (longer:
    FetchError), connection and TLS trouble a FetchError naming the URL. ``timeout`` bounds the whole
    exchange, not each read: a server that trickles a byte now and then is cut off when it runs out
    (``timeout`` + 1 s at most); an answer shorter than its Content-Length is refused, not taken whole."""
    host, port, target = https_target(url, error)
    conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx) if connect_to is None else \
        _AddressedHTTPS(host, port, connect_to, timeout=timeout, context=ctx)
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(timeout, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request(method, target, body=body, headers=headers)
        resp = conn.getresponse()
        length = resp.getheader("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise FetchError(f"{url}: a {shown(length, 40)}-byte answer is more than {limit} bytes")
        data = resp.read(limit + 1)
        if length is not None and len(data) < int(length):
            raise FetchError(f"{url}: the answer ended after {len(data)} of the {int(length)} bytes it announced")
    except ssl.SSLCertVerificationError as e:
        raise FetchError(f"{url}: the server's certificate does not verify: {e.verify_message}") from None
    except (OSError, http.client.HTTPException, ValueError) as e:
        if expired.is_set():
            raise FetchError(f"{url}: no complete answer within {timeout:g} s") from None
        raise FetchError(f"{url}: {type(e).__name__}: {shown(str(e))}") from None
    finally:
        watchdog.cancel()
        conn.close()
    if expired.is_set():
        raise FetchError(f"{url}: no complete answer within {timeout:g} s")
    if len(data) > limit:
        raise FetchError(f"{url}: the answer is larger than {limit} bytes")
    return resp.status, resp.reason, resp.getheader("Content-Type", ""), data
