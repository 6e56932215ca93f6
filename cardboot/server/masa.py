"""Where the server's ownership vouchers come from (RFC 8572 3.3, RFC 8366): the manufacturer's voucher
signer — in RFC 8995's terms a MASA, usually a service of its own. Three sources, one contract
(``make(serial, nonce) -> voucher CMS``):

- :class:`LocalSigner`: a signer certificate and key this server holds (``--voucher-signer-cert/-key``);
- :class:`CommandSigner`: a command run per voucher (``--voucher-command CMD``) with ``CB_VOUCHER_SERIAL``,
  ``CB_VOUCHER_NONCE`` (base64, empty for none) and ``CB_VOUCHER_PINNED_CERT`` (base64 DER) in its
  environment — and PATH, LANG, LC_ALL, nothing else of the server's — printing the voucher's CMS (DER or
  base64) on stdout;
- :class:`UrlSigner`: an HTTPS POST per voucher (``--voucher-url URL``) of
  ``{"serial-number", "nonce", "pinned-domain-cert"}`` (application/json), answered 200 with the CMS.

The wait is bounded (``--voucher-timeout``, default 5 s) and so is the answer (64 KiB). What comes back is
checked before a device sees it: a CMS SignedData of an RFC 8366 JSON voucher whose signature holds, for
this serial, carrying the device's nonce and no expiry when it sent one, not expired otherwise. Anything
else is a :class:`VoucherSourceError` — a RESTCONF error to the device, never a stale voucher."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shlex
import subprocess
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..errors import CardbootError
from ..rfc8572 import ID_CT_VOUCHER_JSON
from .conveyed import voucher as make_voucher

MAX_VOUCHER = 64 << 10
DEFAULT_TIMEOUT = 5.0


class VoucherSourceError(CardbootError):
    """The voucher signer did not give a voucher this request can use."""


def _pinned_b64(pinned_pem: bytes) -> str:
    der = x509.load_pem_x509_certificate(pinned_pem).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode()


def check_answer(data: bytes, serial: str, nonce: bytes | None, source: str) -> bytes:
    """The voucher CMS a signer answered (DER, or base64 of it), after the checks the module names."""
    from ..device.cms_verify import VerificationError, verify_signed

    raw = data.strip()
    if raw[:1] != b"\x30":
        try:
            raw = base64.b64decode(raw, validate=True)
        except ValueError:
            raise VoucherSourceError(f"{source}: the answer is neither DER nor base64") from None
    try:
        content, _signer, _carried = verify_signed(raw, ID_CT_VOUCHER_JSON, "voucher")
        body = json.loads(content)["ietf-voucher:voucher"]
        if not isinstance(body, dict):
            raise TypeError
    except (VerificationError, CardbootError) as e:
        raise VoucherSourceError(f"{source}: not a signed voucher ({e})") from None
    except (ValueError, KeyError, TypeError):
        raise VoucherSourceError(f"{source}: the signed content is not an RFC 8366 JSON voucher") from None
    if body.get("serial-number") != serial:
        raise VoucherSourceError(f"{source}: a voucher for serial {str(body.get('serial-number'))[:64]!r}, "
                                 f"not {serial!r}")
    if nonce is not None:
        if body.get("nonce") != base64.b64encode(nonce).decode():
            raise VoucherSourceError(f"{source}: the voucher does not carry the device's nonce")
        if "expires-on" in body:
            raise VoucherSourceError(f"{source}: a voucher with a nonce has no expires-on (RFC 8366)")
    else:
        expires = body.get("expires-on")
        try:
            expired = expires is not None and dt.datetime.fromisoformat(str(expires).replace("Z", "+00:00")) \
                < dt.datetime.now(dt.timezone.utc)
        except ValueError:
            raise VoucherSourceError(f"{source}: expires-on {str(expires)[:40]!r} is no date") from None
        if expired:
            raise VoucherSourceError(f"{source}: the voucher expired on {expires}")
    return raw


class LocalSigner:
    def __init__(self, signer: tuple[bytes, bytes], pinned_pem: bytes):
        self.signer, self.pinned = signer, pinned_pem

    def make(self, serial: str, nonce: bytes | None) -> bytes:
        return make_voucher(serial, self.pinned, self.signer, nonce=nonce)


class CommandSigner:
    def __init__(self, command: str, pinned_pem: bytes, timeout: float = DEFAULT_TIMEOUT):
        self.argv = shlex.split(command)
        if not self.argv:
            from ..errors import UsageError

            raise UsageError("--voucher-command is empty")
        self.pinned = _pinned_b64(pinned_pem)
        self.timeout = timeout

    def make(self, serial: str, nonce: bytes | None) -> bytes:
        env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
        env.update(CB_VOUCHER_SERIAL=serial, CB_VOUCHER_NONCE=base64.b64encode(nonce).decode() if nonce else "",
                   CB_VOUCHER_PINNED_CERT=self.pinned)
        name = os.path.basename(self.argv[0])
        try:
            proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        except OSError as e:
            raise VoucherSourceError(f"voucher command {name}: {e.strerror}") from None
        out = _bounded_output(proc, self.timeout, name)
        if proc.returncode != 0:
            raise VoucherSourceError(f"voucher command {name} exited with status {proc.returncode}")
        return check_answer(out, serial, nonce, f"voucher command {name}")


def _bounded_output(proc: subprocess.Popen, timeout: float, name: str) -> bytes:
    """stdout of ``proc`` within ``timeout`` and :data:`MAX_VOUCHER` bytes, else it is killed (its group)."""
    import selectors
    import signal

    deadline = time.monotonic() + timeout
    chunks, size = [], 0
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise VoucherSourceError(f"voucher command {name}: no answer within {timeout:g} s")
                if not sel.select(left):
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_VOUCHER:
                    raise VoucherSourceError(f"voucher command {name}: more than {MAX_VOUCHER} bytes")
                chunks.append(chunk)
            proc.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            raise VoucherSourceError(f"voucher command {name}: did not exit within {timeout:g} s") from None
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            proc.stdout.close()
    return b"".join(chunks)


class UrlSigner:
    def __init__(self, url: str, pinned_pem: bytes, ca: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        from ..device.fetch import https_target

        https_target(url)  # a usage error now, not at the first device
        self.url, self.pinned, self.timeout = url, _pinned_b64(pinned_pem), timeout
        import ssl

        self.ctx = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()

    def make(self, serial: str, nonce: bytes | None) -> bytes:
        from ..device.fetch import FetchError, https_request

        body = json.dumps({"serial-number": serial, "nonce": base64.b64encode(nonce).decode() if nonce else None,
                           "pinned-domain-cert": self.pinned}).encode()
        try:
            status, _reason, _ctype, data = https_request(
                "POST", self.url, self.ctx, {"Content-Type": "application/json",
                                             "Accept": "application/voucher-cms+json"}, body,
                limit=MAX_VOUCHER, timeout=self.timeout, error=VoucherSourceError)
        except FetchError as e:
            raise VoucherSourceError(f"voucher signer: {e}") from None
        if status != 200:
            raise VoucherSourceError(f"voucher signer {self.url} answered {status}")
        return check_answer(data, serial, nonce, f"voucher signer {self.url}")
