"""A development PKI for the bootstrap server (``cardboot server init-pki DIR``): a CA, a TLS server
certificate, device certificates (serialNumber in the subject, RFC 8572 device identity), an owner
certificate that signs conveyed information, and a voucher signer (the manufacturer's)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..errors import UsageError
from .serials import check_serial


def _name(cn: str, serial: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cardboot dev PKI"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


KEY_TYPES = ("ecdsa", "rsa")


def _key(key_type: str = "ecdsa"):
    """ECDSA P-256 by default: a handshake signs with it at a fraction of RSA-2048's cost (docs/benchmarks.md);
    RSA 2048 for peers that take nothing else."""
    if key_type == "rsa":
        from cryptography.hazmat.primitives.asymmetric import rsa

        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _pem_cert(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _san(name: str) -> x509.GeneralName:
    """An IP address (v4 or v6) as an iPAddress name, anything else as a dNSName."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def _issue(subject: x509.Name, key, issuer_cert, issuer_key, *, ca=False, server_names=(), client=False, days=825):
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer_cert.subject if issuer_cert is not None else subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server_names:
        b = b.add_extension(x509.SubjectAlternativeName([_san(n) for n in server_names]), critical=False)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if client:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return b.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())


def init_pki(directory: str | Path, devices: list[str] = (), server_names=("localhost", "127.0.0.1"),
             key_type: str = "ecdsa") -> dict[str, Path]:
    """Write ca.pem, server.pem/-key, owner.pem/-key, voucher-signer.pem/-key and device-<serial>.pem/-key:
    all of them or none. Everything is made in memory, written into a staging folder beside (or inside) the
    target, then moved into place; a failure (an unusable folder, a full disk) removes what was staged and
    leaves the target as it was."""
    for serial in devices:
        check_serial(serial)
    d = Path(directory)
    files: dict[str, bytes] = {}
    out: dict[str, Path] = {}

    def add(name: str, cert, key) -> None:
        files[f"{name}.pem"] = _pem_cert(cert)
        if key is not None:
            files[f"{name}-key.pem"] = _pem_key(key)
        out[name] = d / f"{name}.pem"

    if key_type not in KEY_TYPES:
        raise UsageError(f"key type {key_type!r}: choose {' or '.join(KEY_TYPES)}")
    ca_key = _key(key_type)
    ca = _issue(_name("cardboot dev CA"), ca_key, None, None, ca=True, days=3650)
    add("ca", ca, ca_key)
    key = _key(key_type)
    add("server", _issue(_name("cardboot bootstrap server"), key, ca, ca_key, server_names=server_names), key)
    key = _key(key_type)
    add("owner", _issue(_name("cardboot owner"), key, ca, ca_key), key)
    key = _key(key_type)
    add("voucher-signer", _issue(_name("cardboot manufacturer voucher signer"), key, ca, ca_key), key)
    for serial in devices:
        key = _key(key_type)
        add(f"device-{serial}", _issue(_name(f"device {serial}", serial), key, ca, ca_key, client=True), key)
    _write_all(d, files)
    return out


def _write_all(d: Path, files: dict[str, bytes]) -> None:
    if d.exists() and not d.is_dir():
        raise UsageError(f"cannot write the PKI into {d}: it is not a folder")
    parent = d if d.is_dir() else d.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write the PKI into {d}: folder {parent} does not exist")
    staging = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{d.name}.pki-", dir=parent))
        for name, data in files.items():
            mode = 0o600 if name.endswith("-key.pem") else 0o644
            fd = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        if d.is_dir():
            for name in files:
                os.replace(staging / name, d / name)
            staging.rmdir()
        else:
            os.rename(staging, d)
        staging = None
    except OSError as e:
        raise UsageError(f"cannot write the PKI into {d}: {e.strerror or e}; nothing was written") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
