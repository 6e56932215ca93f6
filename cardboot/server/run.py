"""Run the bootstrap server on uvicorn over HTTPS, with the device's TLS client certificate made visible
to the application, and with what one client can hold open bounded.

Neither uvicorn nor hypercorn puts the client certificate into the ASGI scope, so a small subclass of
uvicorn's httptools protocol (llhttp, C: about twice h11's requests/s, README benchmarks) records each TLS
connection's peer certificate by its (address, port), which the application looks up from
``scope["client"]``; the same subclass keeps a small per-connection memory (``connection_state``: a proven
Basic Authorization header and the certificate's serial, see app.py).

uvicorn closes an idle keep-alive connection but never one whose request headers do not arrive: one
client sending half a request line on 1,000 connections made every device get 503. Here a connection that
has not delivered complete request headers within :data:`HEADER_TIMEOUT` seconds of its TLS handshake (or
of its last response) is closed; what one client address may hold, and the handshake's own time, are
bounded from accept in listen.py. Request headers are bounded to :data:`MAX_HEADER_BYTES` (past it: 431
and the connection closed), as h11's incomplete-event limit did before. A connection that pipelines more
than :data:`MAX_PIPELINED` requests behind the one being answered is closed (no device pipelines; each
queued request held ~2.4 KB, and 12 such connections took a server to 2.1 GB).

An HTTP/1.0 request that asks for ``Connection: keep-alive`` is kept alive and told so (RFC 7230 A.1.2,
what nginx and Apache do); uvicorn closes every HTTP/1.0 connection, which left ``ab -k`` (the packaged
generator that presents a client certificate) measuring a TLS handshake per request.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .listen import LIMITS

HEADER_TIMEOUT = 5.0  # seconds for complete request headers
MAX_HEADER_BYTES = 16 * 1024  # request line and headers of one request
MAX_PIPELINED = 16  # requests one connection may have queued behind the one being answered

_PEER_CERTS: dict[tuple[str, int], bytes] = {}
_CONN_STATE: dict[tuple[str, int], dict] = {}
_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n"
              b"connection: close\r\n\r\n")
_KEEP_ALIVE = (b"connection", b"keep-alive")


class _HeadersTooLarge(Exception):
    pass


class CertAwareHttp(HttpToolsProtocol):
    _header_timer = None
    _peer = None
    slot = None  # the connection's place in its address's count (listen.py), given back when it is lost
    _header_bytes = 0  # received while a request's headers are incomplete
    _header_size = 0  # request line and header fields of the request being parsed

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        if not peer:
            return
        self._peer = (peer[0], peer[1])
        _CONN_STATE[self._peer] = {}
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            der = ssl_object.getpeercert(binary_form=True)
            if der:
                _PEER_CERTS[self._peer] = der
        self._arm_header_timer()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()  # headers did not arrive in time: nothing was asked, nothing to answer

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self.cycle is not cycle or not self._waiting_for_headers():
            self._cancel_header_timer()  # a request's headers are complete
            self._header_bytes = 0
        else:
            # still no complete headers: llhttp keeps the partial ones, so they are bounded here too
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse_headers()
            else:
                self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_size = 0

    def on_url(self, url: bytes) -> None:
        self._count_header(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_header(self, size: int) -> None:
        self._header_size += size
        if self._header_size > MAX_HEADER_BYTES:
            self._refuse_headers()
            raise _HeadersTooLarge  # stops the parser; uvicorn's 400 is not sent on a closing transport

    def _refuse_headers(self) -> None:
        if not self.transport.is_closing():
            self.transport.write(_TOO_LARGE)
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        if not self.transport.is_closing():
            super().send_400_response(msg)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if len(self.pipeline) > MAX_PIPELINED:
            # one read can carry thousands of pipelined requests, each a cycle held until its turn (~2.4 KB
            # apiece, measured): past the bound the connection is closed and what it queued dropped
            self.pipeline.clear()
            if not self.transport.is_closing():
                self.transport.close()
            raise _HeadersTooLarge
        cycle = self.cycle
        if (cycle is not None and self.scope.get("http_version") == "1.0" and self.parser.should_keep_alive()
                and not cycle.keep_alive):
            cycle.keep_alive = True
            cycle.default_headers = [*cycle.default_headers, _KEEP_ALIVE]

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._waiting_for_headers() and not self.transport.is_closing():
            self._arm_header_timer()  # the next request's headers get the same time

    def connection_lost(self, exc) -> None:
        self._cancel_header_timer()
        if self._peer is not None:
            _PEER_CERTS.pop(self._peer, None)
            _CONN_STATE.pop(self._peer, None)
        if self.slot is not None:
            self.slot.release()
        super().connection_lost(exc)


def peer_cert(scope) -> bytes | None:
    client = scope.get("client")
    return _PEER_CERTS.get((client[0], client[1])) if client else None


def connection_state(scope) -> dict | None:
    """A dict that lives as long as the client's connection (None when the connection is unknown)."""
    client = scope.get("client")
    return _CONN_STATE.get((client[0], client[1])) if client else None


SETTINGS_ENV = "CARDBOOT_SERVER_SETTINGS"  # how worker processes learn what the parent was told


@dataclass
class ServerSettings:
    """What a server process needs to build its application: file paths and bounds, never key material
    (each worker reads the files itself)."""

    db: str
    owner_cert: str | None = None
    owner_key: str | None = None
    voucher_signer_cert: str | None = None
    voucher_signer_key: str | None = None
    pinned_ca: str | None = None
    max_per_client: int | None = None
    header_timeout: float | None = None
    cache_seconds: float | None = None
    handshake_timeout: float | None = None
    voucher_command: str | None = None  # server/masa.py: a MASA hook instead of the local signer
    voucher_url: str | None = None
    voucher_url_ca: str | None = None
    voucher_timeout: float | None = None

    def apply_bounds(self) -> None:
        global HEADER_TIMEOUT
        from ..errors import UsageError

        if self.max_per_client is not None:
            if not 1 <= self.max_per_client <= 100_000:
                raise UsageError("--max-connections-per-client must be 1..100000")
            LIMITS.max_per_client = self.max_per_client
        if self.handshake_timeout is not None:
            if not 0.1 <= self.handshake_timeout <= 120:
                raise UsageError("--handshake-timeout must be 0.1..120 seconds")
            LIMITS.handshake_timeout = self.handshake_timeout
        if self.header_timeout is not None:
            if not 0.1 <= self.header_timeout <= 300:
                raise UsageError("--header-timeout must be 0.1..300 seconds")
            HEADER_TIMEOUT = self.header_timeout
        if self.cache_seconds is not None and not 0 <= self.cache_seconds <= 3600:
            raise UsageError("--cache-seconds must be 0..3600")
        if self.voucher_timeout is not None and not 0.1 <= self.voucher_timeout <= 60:
            raise UsageError("--voucher-timeout must be 0.1..60 seconds")


def build_app(settings: ServerSettings):
    """The application one server process serves (the parent's, or each worker's)."""
    from ..infile import read_bounded
    from .app import BootstrapServer
    from .cache import DEFAULT_TTL
    from .store import DeviceStore

    def pem(path):
        return None if path is None else read_bounded(path, what="PEM file", limit=1 << 20)

    owner = (pem(settings.owner_cert), pem(settings.owner_key)) if settings.owner_cert else None
    signer = (pem(settings.voucher_signer_cert), pem(settings.voucher_signer_key)) \
        if settings.voucher_signer_cert else None
    settings.apply_bounds()
    pinned = pem(settings.pinned_ca)
    vouchers = None
    if settings.voucher_command or settings.voucher_url:
        from ..errors import UsageError
        from .masa import DEFAULT_TIMEOUT, CommandSigner, UrlSigner

        if pinned is None:
            raise UsageError("a voucher signer needs the owner's CA the vouchers pin (--pinned-ca or --client-ca)")
        timeout = settings.voucher_timeout or DEFAULT_TIMEOUT
        vouchers = CommandSigner(settings.voucher_command, pinned, timeout) if settings.voucher_command else \
            UrlSigner(settings.voucher_url, pinned, settings.voucher_url_ca, timeout)
    return BootstrapServer(DeviceStore(settings.db), owner=owner, voucher_signer=signer,
                           pinned_ca=pinned, peer_cert=peer_cert, connection_state=connection_state,
                           cache_seconds=DEFAULT_TTL if settings.cache_seconds is None else settings.cache_seconds,
                           vouchers=vouchers)


def app_factory():
    """uvicorn's factory in each worker process (``--workers N``): settings from the environment."""
    import json
    import os

    return build_app(ServerSettings(**json.loads(os.environ[SETTINGS_ENV])))


def make_config(app, *, host: str = "127.0.0.1", port: int = 8443, cert: str | None = None,
                key: str | None = None, client_ca: str | None = None, insecure: bool = False,
                max_per_client: int | None = None, header_timeout: float | None = None,
                handshake_timeout: float | None = None, workers: int = 1):
    """uvicorn configuration: HTTPS (client certificates optional, verified against ``client_ca``) unless
    ``insecure``; bounded headers, keep-alive timeout, access log off (no secret can reach it)."""
    import uvicorn

    from ..errors import UsageError

    ServerSettings("", max_per_client=max_per_client, header_timeout=header_timeout,
                   handshake_timeout=handshake_timeout).apply_bounds()
    tls = {}
    if not insecure:
        if not cert or not key:
            raise UsageError("HTTPS needs --cert and --key (plain HTTP only with --insecure)")
        tls = dict(ssl_certfile=cert, ssl_keyfile=key)
        if client_ca:
            tls.update(ssl_ca_certs=client_ca, ssl_cert_reqs=ssl.CERT_OPTIONAL)
    extra = dict(factory=True, workers=workers) if workers > 1 else {}
    return uvicorn.Config(app, host=host, port=port, http=CertAwareHttp, loop="cardboot.server.listen:BoundedLoop",
                          lifespan="on", access_log=False,
                          log_level="warning", timeout_keep_alive=5, timeout_graceful_shutdown=3,
                          limit_concurrency=1000, **extra, **tls)
