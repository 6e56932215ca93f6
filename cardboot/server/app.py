"""The bootstrap server as an ASGI application (the HTTP layer only; the rules live in sztp.py,
conveyed.py, cms.py and store.py).

- ``GET /OMA/DM/Bootstrap.xml`` (the SCWS path of OMA DM Bootstrap 5.5.7) and ``GET /OMA/DM/Bootstrap/<serial>``:
  the authenticated device's WBXML bootstrap message (``application/vnd.syncml.dm+wbxml``), 404 when it
  has none — and 404 for another device's URL, so nothing about other devices leaks.
- RFC 8572 ``POST /restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data`` and
  ``:report-progress``; ``GET /.well-known/host-meta`` (RFC 8040 3.1).

Device identity (RFC 8572 / RESTCONF username): the TLS client certificate's subject serialNumber and/or
HTTP Basic (serial + activation code, checked against a salted scrypt hash); when both are given they
must agree. Failures are 401 access-denied; no secret is ever logged. What a client can make the server do
is bounded as ``guard.py`` says (429 with Retry-After for repeated failures, scrypt in its own pool, the
same cost and answer for unknown serials). Only registered devices may report progress. What a process
remembers between requests (device records for ``cache_seconds``, proven Basic credentials, answers) is
``cache.py``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from concurrent.futures import ThreadPoolExecutor

from cryptography import x509
from cryptography.x509.oid import NameOID

from . import cms
from .cache import DEFAULT_TTL, MISSING, BootstrapAnswers, DeviceCache, ProvenCredentials, record_version
from .conveyed import conveyed_information, onboarding_json, onboarding_xml, redirect_json, redirect_xml
from .restconf import YANG_JSON, RestconfError, media_type, negotiate
from .guard import SCRYPT_QUEUE, SCRYPT_WORKERS, FailureLimiter
from .store import DeviceStore, check_code
from .sztp import MAX_BODY, output_body, parse_bootstrap_request, parse_progress_report

log = logging.getLogger("cardboot.server")
RPC = "/restconf/operations/ietf-sztp-bootstrap-server:"
WBXML_TYPE = "application/vnd.syncml.dm+wbxml"
HOST_META = (b'<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
             b'  <Link rel="restconf" href="/restconf"/>\n</XRD>\n')


def cert_serial(der: bytes | None) -> str | None:
    if not der:
        return None
    try:
        attrs = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    except ValueError:
        return None
    return attrs[0].value if attrs else None


def _host_port(uri: str) -> tuple[str, int | None]:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    return parts.hostname or "", parts.port


class BootstrapServer:
    def __init__(self, store: DeviceStore, *, owner: tuple[bytes, bytes] | None = None,
                 voucher_signer: tuple[bytes, bytes] | None = None, pinned_ca: bytes | None = None,
                 peer_cert=None, max_body: int = MAX_BODY, connection_state=None,
                 limiter: FailureLimiter | None = None, cache_seconds: float = DEFAULT_TTL, vouchers=None):
        from .masa import LocalSigner

        self.store = store
        self.owner = owner
        self.voucher_signer = voucher_signer
        self.pinned_ca = pinned_ca
        # where vouchers come from (server/masa.py): a command or URL given, else the local signer
        self.vouchers = vouchers or (LocalSigner(voucher_signer, pinned_ca) if voucher_signer and pinned_ca else None)
        self.peer_cert = peer_cert or (lambda scope: None)  # scope -> client certificate DER or None
        self.max_body = max_body
        self.owner_bag = cms.certificate_bag([owner[0]]) if owner else None
        self._vouchers: dict[str, bytes] = {}  # serial -> voucher: valid for a year, so signed once per device
        # scope -> a dict kept for the TLS connection (None: no such memory, e.g. in tests without uvicorn)
        self.connection_state = connection_state or (lambda scope: None)
        self.limiter = limiter or FailureLimiter()
        self._scrypt_pool = ThreadPoolExecutor(SCRYPT_WORKERS, thread_name_prefix="scrypt")
        self._scrypt_waiting = 0
        self.devices = DeviceCache(cache_seconds)
        self.credentials = ProvenCredentials()
        self.answers = BootstrapAnswers()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        answer_type = negotiate(headers.get("accept")) or YANG_JSON
        try:
            status, body, ctype, extra = await self._handle(scope, receive, headers)
        except RestconfError as e:
            status, body, ctype, extra = e.status, e.body(answer_type), answer_type, []
            if e.status == 401:
                extra = [(b"www-authenticate", b'Basic realm="cardboot bootstrap"')]
            if e.retry_after is not None:
                extra.append((b"retry-after", str(e.retry_after).encode()))
        except Exception:  # a bug: no traceback to the client, one line in the log
            log.exception("internal error on %s %s", scope.get("method"), scope.get("path"))
            err = RestconfError(500, "application", "operation-failed", "internal error")
            status, body, ctype, extra = 500, err.body(answer_type), answer_type, []
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()),
                                *extra]})
        await send({"type": "http.response.body", "body": body})

    async def _read_body(self, receive) -> bytes:
        chunks, size = [], 0
        while True:
            msg = await receive()
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise RestconfError(413, "protocol", "too-big", f"request body over {self.max_body} bytes")
            chunks.append(chunk)
            if not msg.get("more_body"):
                return b"".join(chunks)

    async def _device(self, serial: str):
        """The device's record, from this process's memory when read less than ``cache_seconds`` ago."""
        device = self.devices.lookup(serial)
        if device is MISSING:
            device = await self.devices.reads.run(serial, lambda: asyncio.to_thread(self.store.get, serial))
            self.devices.remember(serial, device)
        return device

    async def _scrypt(self, code: str, stored: str | None) -> str | None:
        """scrypt against the device's hash, or a dummy one (``stored`` None): the same cost whether the
        serial exists. The hash the code matched, or None."""
        if self._scrypt_waiting >= SCRYPT_QUEUE:
            raise RestconfError(503, "transport", "resource-denied", "busy; try again", retry_after=1)
        self._scrypt_waiting += 1
        try:
            ok = await asyncio.get_running_loop().run_in_executor(self._scrypt_pool, check_code, code, stored)
        finally:
            self._scrypt_waiting -= 1
        return stored if ok else None

    def _cert_serial(self, scope, memo: dict | None) -> str | None:
        if memo is not None and "cert" in memo:
            return memo["cert"]  # the connection's certificate was read at its first request
        serial = cert_serial(self.peer_cert(scope))
        if memo is not None:
            memo["cert"] = serial
        return serial

    async def _identify(self, scope, headers) -> str:
        memo = self.connection_state(scope)
        by_cert = self._cert_serial(scope, memo)
        user = None
        auth = headers.get("authorization", "")
        if auth[:6].lower() == "basic ":
            try:
                user, _, code = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise RestconfError(401, "protocol", "access-denied", "malformed Basic credentials") from None
            if by_cert and user == by_cert:
                device = await self._device(user)
                if device is not None and device.code_hash is None:
                    # a certificate-only device whose agent sends Basic beside its certificate (opiproject's
                    # sztp agent does): the certificate identifies it, the code it cannot have is not asked
                    # for. Never the other way round: a Basic device must still prove its code.
                    return by_cert
            token = self.credentials.token(auth)
            if memo is None or memo.get("basic") != token:
                address = (scope.get("client") or ("", 0))[0]
                wait = self.limiter.retry_after(user, address)
                if wait is not None:
                    raise RestconfError(429, "protocol", "access-denied", "too many failed attempts; try later",
                                        retry_after=wait)
                device = await self._device(user)
                stored = device.code_hash if device is not None else None
                if not self.credentials.holds(token, stored):
                    matched = await self.credentials.check_once(token, lambda: self._scrypt(code, stored))
                    if matched is None:
                        self.limiter.failed(user, address)
                        raise RestconfError(401, "protocol", "access-denied",
                                            "unknown device or wrong activation code")
                    self.credentials.proven(token, matched)
                if memo is not None:
                    memo["basic"] = token
        if by_cert and user and by_cert != user:
            raise RestconfError(401, "protocol", "access-denied", "client certificate and username disagree")
        serial = by_cert or user
        if not serial:
            raise RestconfError(401, "protocol", "access-denied", "authenticate with a client certificate or Basic")
        return serial

    async def _handle(self, scope, receive, headers):
        method, path = scope["method"], scope["path"]
        if path == "/.well-known/host-meta":
            if method != "GET":
                raise RestconfError(405, "protocol", "operation-not-supported", "use GET")
            return 200, HOST_META, "application/xrd+xml", []
        if path == "/OMA/DM/Bootstrap.xml" or path.startswith("/OMA/DM/Bootstrap/"):
            if method != "GET":
                raise RestconfError(405, "protocol", "operation-not-supported", "use GET")
            serial = await self._identify(scope, headers)
            wanted = path.rsplit("/", 1)[1] if path.startswith("/OMA/DM/Bootstrap/") else serial
            device = await self._device(serial)
            if wanted != serial or device is None or not device.message:
                raise RestconfError(404, "application", "data-missing", "no bootstrap message for this device")
            return 200, device.message, WBXML_TYPE, []
        if path.startswith(RPC):
            if method != "POST":
                raise RestconfError(405, "protocol", "operation-not-supported", "RPCs are invoked with POST")
            rpc = path[len(RPC):]
            if rpc not in ("get-bootstrapping-data", "report-progress"):
                raise RestconfError(404, "protocol", "invalid-value", f"no RPC {rpc!r}")
            answer = negotiate(headers.get("accept"))
            if answer is None:
                raise RestconfError(406, "protocol", "invalid-value", "answers are application/yang-data+xml or +json")
            body = await self._read_body(receive)
            ctype = media_type(headers.get("content-type")) if body.strip() else (answer or YANG_JSON)
            if ctype is None:
                raise RestconfError(415, "protocol", "invalid-value",
                                    "send application/yang-data+xml or application/yang-data+json")
            serial = await self._identify(scope, headers)
            if rpc == "report-progress":
                report = parse_progress_report(body, ctype)
                if await self._device(serial) is None:
                    # a CA-issued certificate of a device nobody registered: nothing to report against
                    raise RestconfError(404, "application", "data-missing", "no bootstrapping data for this device")
                await asyncio.to_thread(self.store.add_report, serial, report.progress_type, report.message,
                                        {"ssh-host-keys": len(report.ssh_host_keys),
                                         "trust-anchor-certs": len(report.trust_anchor_certs)})
                return 204, b"", answer, []
            request = parse_bootstrap_request(body, ctype)
            device = await self._device(serial)
            if device is None:
                raise RestconfError(404, "application", "data-missing", "no bootstrapping data for this device")
            if request.nonce is not None and request.signed_data_preferred:
                # a nonce asks for a voucher made for this request: never a cached answer (RFC 8572 7.1)
                return 200, await asyncio.to_thread(self._bootstrap, device, request, answer), answer, []
            key, version = (serial, answer, request.signed_data_preferred), record_version(device)
            out = self.answers.lookup(key, version)
            if out is None:
                out = await self.answers.making.run((key, version),
                                                    lambda: asyncio.to_thread(self._bootstrap, device, request, answer))
                self.answers.remember(key, version, out)
            return 200, out, answer, []
        raise RestconfError(404, "protocol", "invalid-value", "no such resource")

    def _bootstrap(self, device, request, answer: str) -> bytes:
        serial = device.serial
        as_json = answer == YANG_JSON
        signed_ok = self.owner is not None
        if device.message and (signed_ok or not request.signed_data_preferred):
            doc = onboarding_json(device.message) if as_json else onboarding_xml(device.message)
        elif device.redirects:
            anchors = device.redirect_anchors or [None] * len(device.redirects)
            servers = [_host_port(u) + (a,) for u, a in zip(device.redirects, anchors)]
            doc = redirect_json(servers) if as_json else redirect_xml(servers)  # in the encoding asked
            if request.signed_data_preferred and not signed_ok:
                # RFC 8572 5.3: without signed data the device still takes unsigned redirect information
                return output_body(answer, conveyed_information(doc, as_json, None))
        else:
            raise RestconfError(404, "application", "data-missing",
                                "no bootstrapping data this device would accept (it prefers signed data)")
        if not signed_ok or not request.signed_data_preferred:
            # signed data when the device prefers it (RFC 8572 7.1 signed-data-preferred); the TLS session
            # to this server already authenticates unsigned data for a device that did not ask
            return output_body(answer, conveyed_information(doc, as_json, None))
        conveyed = conveyed_information(doc, as_json, self.owner)
        if self.vouchers is None:
            raise RestconfError(500, "application", "operation-failed", "signed data needs an ownership voucher signer")
        if request.nonce is not None:  # nonceful: made for this request, never kept
            return output_body(answer, conveyed, self.owner_bag, self._voucher(serial, request.nonce))
        v = self._vouchers.get(serial)
        if v is None:
            v = self._voucher(serial, None)
            if len(self._vouchers) > 100_000:
                self._vouchers.clear()
            self._vouchers[serial] = v
        return output_body(answer, conveyed, self.owner_bag, v)

    def _voucher(self, serial: str, nonce: bytes | None) -> bytes:
        """A voucher from the signer, or a RESTCONF error: never another request's voucher."""
        from .masa import VoucherSourceError

        try:
            return self.vouchers.make(serial, nonce)
        except VoucherSourceError as e:
            log.warning("no voucher for %s: %s", serial, e)  # the detail for the operator, not the device
            raise RestconfError(500, "application", "operation-failed",
                                "the ownership voucher could not be obtained; try again later") from None
