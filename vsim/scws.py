"""The card's web server, as far as a DM bootstrap needs it (OMA DM Bootstrap 5.5.7; OMA Smartcard Web
Server): ``GET /OMA/DM/Bootstrap.xml`` over TLS answers the bytes of the card's EF DM_Bootstrap — up to the
FF padding, 404 when the EF is all FF (D.4.3) — read through the card's own access rules with nothing
verified (a private object is 403: the SCWS has no PIN to give).

The addresses 5.5.7 names are emulated on the loopback interface: BIP ``127.0.0.1:4116`` / ``[::1]:4116``
(the card opens the channel, TS 102 223) and TCP/IP ``localuicc:443`` (TS 102 600; the terminal resolves
localuicc to the UICC's address — here one on loopback). TLS is certificate-based (the SCWS's certificate,
which the device checks against the card issuer's CA); the PSK-TLS suites the SCWS specification also
names are not offered: Python 3.11's ssl module has no PSK callbacks.

With a state file the card is loaded (and locked) for each request, so a write by another process between
two GETs is what the next GET answers."""

from __future__ import annotations

import http.server
import ssl
import threading
from pathlib import Path

from .card import ChannelState, VirtualCard
from .fs import EF

BOOTSTRAP_PATH = "/OMA/DM/Bootstrap.xml"
CONTENT_TYPE = "application/vnd.syncml.dm+wbxml"
ADDRESSES = {"bip": ("127.0.0.1", 4116), "bip6": ("::1", 4116), "tcpip": ("127.0.0.1", 443)}
NAMES = ("DM_Bootstrap", "EF.DM_Bootstrap")


class ScwsError(Exception):
    """The card has no resource to serve as asked (no EF DM_Bootstrap at the path)."""


def find_bootstrap_ef(card: VirtualCard, path: str | None = None) -> EF:
    """The EF the SCWS maps ``/OMA/DM/Bootstrap.xml`` to: ``path`` (``3F00/7F50/5300``) or the layout's
    file named DM_Bootstrap (its SCWS administration, in a real card's terms)."""
    for node in card.mf.walk():
        if not isinstance(node, EF):
            continue
        if (path is not None and node.path_str.upper() == path.upper()) or (path is None and node.name in NAMES):
            return node
    raise ScwsError(f"no EF {path} on the card" if path else "the layout names no DM_Bootstrap file: give its path")


def resource(card: VirtualCard, ef: EF) -> tuple[int, bytes]:
    """(HTTP status, body) for a GET of the bootstrap."""
    saved = card.global_verified
    card.global_verified = set()  # the SCWS reads with nothing verified, whatever the terminal verified
    try:
        allowed = card.allows(ef, "read", ChannelState(card.mf))
    finally:
        card.global_verified = saved
    if not allowed or ef.lifecycle != 0x05:
        return 403, b"the bootstrap is not readable without a secret"
    data = bytes(ef.data).rstrip(b"\xff")  # a WBXML document ends with END (01), never FF
    if not data:
        return 404, b"no bootstrap on the card"
    return 200, data


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vsim-SCWS/1.0"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        scws: ScwsServer = self.server.scws  # type: ignore[attr-defined]
        if self.path.split("?", 1)[0] != BOOTSTRAP_PATH:
            status, data = 404, b"not found"
        else:
            status, data = scws.get()
        self.send_response(status)
        self.send_header("Content-Type", CONTENT_TYPE if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet unless asked
        if self.server.scws.log is not None:  # type: ignore[attr-defined]
            self.server.scws.log(f"{self.address_string()} {format % args}")  # type: ignore[attr-defined]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, family, context: ssl.SSLContext):
        self.address_family = family
        self.context = context
        super().__init__(address, _Handler)

    def get_request(self):
        sock, addr = super().get_request()
        sock.settimeout(10)
        return self.context.wrap_socket(sock, server_side=True), addr


class ScwsServer:
    """An SCWS for one virtual card on one address: :meth:`start` serves in a thread, :meth:`stop` ends it."""

    def __init__(self, card: VirtualCard, cert: str | Path, key: str | Path, *, transport: str = "bip",
                 host: str | None = None, port: int | None = None, path: str | None = None, keeper=None, log=None):
        import socket

        default_host, default_port = ADDRESSES[transport]
        self.card, self.keeper, self.log = card, keeper, log
        self.lock = threading.Lock()
        self.ef_path = path
        if keeper is not None:
            keeper.acquire(5.0)
            try:
                find_bootstrap_ef(card, path)
            finally:
                keeper.release()
        else:
            find_bootstrap_ef(card, path)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(str(cert), str(key))
        host = host or default_host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.httpd = _Server((host, default_port if port is None else port), family, ctx)
        self.httpd.scws = self
        self.address = self.httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    def get(self) -> tuple[int, bytes]:
        with self.lock:
            if self.keeper is None:
                return resource(self.card, find_bootstrap_ef(self.card, self.ef_path))
            self.keeper.acquire(5.0)
            try:
                return resource(self.card, find_bootstrap_ef(self.card, self.ef_path))
            finally:
                self.keeper.release()

    def start(self) -> "ScwsServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="vsim-scws", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)
