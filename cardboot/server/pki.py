"""A development PKI for the bootstrap server (``cardboot server init-pki DIR``): a CA, a TLS server
certificate, device certificates (serialNumber in the subject, RFC 8572 device identity), an owner
certificate that signs conveyed information, and a voucher signer (the manufacturer's)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..outfile import write_private


def _name(cn: str, serial: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cardboot dev PKI"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _pem_cert(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _issue(subject: x509.Name, key, issuer_cert, issuer_key, *, ca=False, server_names=(), client=False, days=825):
    now = dt.datetime.now(dt.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(subject)
         .issuer_name(issuer_cert.subject if issuer_cert is not None else subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server_names:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) if not n[0].isdigit()
                                                          else x509.IPAddress(__import__("ipaddress").ip_address(n))
                                                          for n in server_names]), critical=False)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if client:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return b.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())


def init_pki(directory: str | Path, devices: list[str] = (), server_names=("localhost", "127.0.0.1")) -> dict[str, Path]:
    """Write ca.pem, server.pem/-key, owner.pem/-key, voucher-signer.pem/-key and device-<serial>.pem/-key."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}

    def save(name: str, cert, key) -> None:
        (d / f"{name}.pem").write_bytes(_pem_cert(cert))
        if key is not None:
            write_private(d / f"{name}-key.pem", _pem_key(key), what="private key")
        out[name] = d / f"{name}.pem"

    ca_key = _key()
    ca = _issue(_name("cardboot dev CA"), ca_key, None, None, ca=True, days=3650)
    save("ca", ca, ca_key)
    key = _key()
    save("server", _issue(_name("cardboot bootstrap server"), key, ca, ca_key, server_names=server_names), key)
    key = _key()
    save("owner", _issue(_name("cardboot owner"), key, ca, ca_key), key)
    key = _key()
    save("voucher-signer", _issue(_name("cardboot manufacturer voucher signer"), key, ca, ca_key), key)
    for serial in devices:
        key = _key()
        save(f"device-{serial}", _issue(_name(f"device {serial}", serial), key, ca, ca_key, client=True), key)
    return out
