"""Run the bootstrap server on uvicorn over HTTPS, with the device's TLS client certificate made visible
to the application.

Neither uvicorn nor hypercorn puts the client certificate into the ASGI scope, so a small subclass of
uvicorn's h11 protocol records each TLS connection's peer certificate by its (address, port), which the
application looks up from ``scope["client"]``.
"""

from __future__ import annotations

import ssl

from uvicorn.protocols.http.h11_impl import H11Protocol

_PEER_CERTS: dict[tuple[str, int], bytes] = {}


class CertAwareH11(H11Protocol):
    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        peer = transport.get_extra_info("peername")
        if ssl_object is not None and peer:
            der = ssl_object.getpeercert(binary_form=True)
            if der:
                _PEER_CERTS[(peer[0], peer[1])] = der

    def connection_lost(self, exc) -> None:
        peer = self.transport.get_extra_info("peername") if self.transport is not None else None
        if peer:
            _PEER_CERTS.pop((peer[0], peer[1]), None)
        super().connection_lost(exc)


def peer_cert(scope) -> bytes | None:
    client = scope.get("client")
    return _PEER_CERTS.get((client[0], client[1])) if client else None


def make_config(app, *, host: str = "127.0.0.1", port: int = 8443, cert: str | None = None,
                key: str | None = None, client_ca: str | None = None, insecure: bool = False):
    """uvicorn configuration: HTTPS (client certificates optional, verified against ``client_ca``) unless
    ``insecure``; bounded headers, keep-alive timeout, access log off (no secret can reach it)."""
    import uvicorn

    from ..errors import UsageError

    tls = {}
    if not insecure:
        if not cert or not key:
            raise UsageError("HTTPS needs --cert and --key (plain HTTP only with --insecure)")
        tls = dict(ssl_certfile=cert, ssl_keyfile=key)
        if client_ca:
            tls.update(ssl_ca_certs=client_ca, ssl_cert_reqs=ssl.CERT_OPTIONAL)
    return uvicorn.Config(app, host=host, port=port, http=CertAwareH11, lifespan="on", access_log=False,
                          log_level="warning", timeout_keep_alive=5, timeout_graceful_shutdown=3,
                          h11_max_incomplete_event_size=16 * 1024,
                          limit_concurrency=1000, **tls)
