"""The RFC 8572 device's checks against CMS objects and a PKI made by openssl commands (not cardboot's
signer): an ownership voucher signed by a manufacturer's voucher signer (RSA) under its CA, an owner
certificate (EC) under the owner's CA which the voucher pins, conveyed information signed by the owner.
The good set is accepted; every broken link is refused with its reason: wrong voucher serial, expired
certificates, altered content, a bad signature, a nonce mismatch, an owner that does not chain to the
pinned certificate, a signer that is not the owner, unsigned information from an untrusted server."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import subprocess

import pytest
from cryptography import x509

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.device.cms_verify import VerificationError
from cardboot.device.sztp import process_output
from cardboot.server import cms as server_cms

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", "profiles/vars/example.toml"), "tnds-wbxml"))
VOUCHER_CT, CONVEYED_CT = "1.2.840.113549.1.9.16.1.40", "1.2.840.113549.1.9.16.1.43"


def ssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("openssl-pki")
    ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]
    ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "mca.key",
        "-out", "mca.pem", "-subj", "/CN=Manufacturer CA", "-days", "3650", *ca_ext, cwd=d)
    ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "oca.key",
        "-out", "oca.pem", "-subj", "/CN=Owner CA", "-days", "3650", *ca_ext, cwd=d)
    ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "xca.key",
        "-out", "xca.pem", "-subj", "/CN=Someone else", "-days", "3650", *ca_ext, cwd=d)
    for name, ca, alg in (("vs", "mca", ["rsa:2048"]), ("own", "oca", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                          ("other", "xca", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])):
        ssl("req", "-newkey", *alg, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
            cwd=d)
        ssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "365", cwd=d)
    return d


def sign(pki, name: str, data: bytes, ctype: str, tag: str) -> bytes:
    (pki / f"{tag}.in").write_bytes(data)
    return ssl("cms", "-sign", "-in", f"{tag}.in", "-signer", f"{name}.pem", "-inkey", f"{name}.key", "-outform",
               "DER", "-nodetach", "-binary", "-md", "sha256", "-econtent_type", ctype, cwd=pki)


def certs_only(pki, name: str) -> bytes:
    return ssl("crl2pkcs7", "-nocrl", "-certfile", f"{name}.pem", "-outform", "DER", cwd=pki)


def voucher(pki, serial="SN1", pinned="oca", nonce=None, expires="2099-01-01T00:00:00Z", signer="vs") -> bytes:
    pinned_der = x509.load_pem_x509_certificate((pki / f"{pinned}.pem").read_bytes()).public_bytes(
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER)
    v = {"created-on": "2024-01-01T00:00:00Z", "expires-on": expires, "assertion": "verified",
         "serial-number": serial, "pinned-domain-cert": base64.b64encode(pinned_der).decode()}
    if nonce is not None:
        v["nonce"] = base64.b64encode(nonce).decode()
    return sign(pki, signer, json.dumps({"ietf-voucher:voucher": v}).encode(), VOUCHER_CT, f"v-{serial}-{pinned}")


ONBOARDING = json.dumps({"ietf-sztp-conveyed-info:onboarding-information": {
    "configuration-handling": "merge", "configuration": base64.b64encode(MESSAGE).decode()}}).encode()


def output(conveyed: bytes, owner: bytes | None = None, voucher_cms: bytes | None = None) -> bytes:
    out = {"conveyed-information": base64.b64encode(conveyed).decode()}
    if owner is not None:
        out["owner-certificate"] = base64.b64encode(owner).decode()
        out["ownership-voucher"] = base64.b64encode(voucher_cms).decode()
    return json.dumps({"ietf-sztp-bootstrap-server:output": out}).encode()


def run(pki, body: bytes, *, trusted=False, nonce=None, now=None):
    anchors = [x509.load_pem_x509_certificate((pki / "mca.pem").read_bytes())]
    return process_output(body, url="https://bootstrap.test", trusted=trusted, serial="SN1", anchors=anchors,
                          nonce=nonce, now=now)


def good(pki, **kw) -> bytes:
    return output(sign(pki, "own", ONBOARDING, CONVEYED_CT, "conveyed"), certs_only(pki, "own"), voucher(pki, **kw))


def test_the_openssl_made_set_is_accepted(pki):
    result = run(pki, good(pki, nonce=b"0123456789abcdef"), nonce=b"0123456789abcdef")
    assert result.signed and result.kind == "onboarding" and result.message == MESSAGE and not result.findings
    assert result.voucher["serial-number"] == "SN1"


@pytest.mark.parametrize("case, reason", [
    ("serial", "voucher is for serial 'SN2'"),
    ("expired-voucher", "voucher expired on 2020-01-01"),
    ("expired-certs", "is not valid now"),
    ("nonce", "nonce does not match"),
    ("pinned-other", "does not chain to the trust anchor"),
    ("altered", "message digest does not match"),
    ("bad-signature", "bad signature"),
    ("not-the-owner", "not signed by the owner certificate"),
    ("voucher-not-from-manufacturer", "does not chain to the trust anchor"),
    ("unsigned-untrusted", "unsigned conveyed information from a server this device does not trust"),
])
def test_every_broken_link_is_refused(pki, case, reason):
    now = None
    nonce = None
    conveyed = sign(pki, "own", ONBOARDING, CONVEYED_CT, "conveyed")
    owner, v = certs_only(pki, "own"), voucher(pki)
    if case == "serial":
        v = voucher(pki, serial="SN2")
    elif case == "expired-voucher":
        v = voucher(pki, expires="2020-01-01T00:00:00Z")
    elif case == "expired-certs":
        now = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3 * 365)  # past the 365-day certificates
    elif case == "nonce":
        v, nonce = voucher(pki, nonce=b"A" * 16), b"B" * 16
    elif case == "pinned-other":
        v = voucher(pki, pinned="xca")
    elif case == "altered":
        i = conveyed.index(b"configuration-handling")
        conveyed = conveyed[:i] + b"C" + conveyed[i + 1:]
    elif case == "bad-signature":
        conveyed = conveyed[:-3] + bytes([conveyed[-3] ^ 1]) + conveyed[-2:]
    elif case == "not-the-owner":
        conveyed = sign(pki, "other", ONBOARDING, CONVEYED_CT, "other-conveyed")
    elif case == "voucher-not-from-manufacturer":
        v = voucher(pki, signer="other")
    if case == "unsigned-untrusted":
        body = output(server_cms.unsigned(ONBOARDING, server_cms.ID_CT_SZTP_JSON))
    else:
        body = output(conveyed, owner, v)
    with pytest.raises(VerificationError, match=reason):
        run(pki, body, nonce=nonce, now=now)


def test_unsigned_from_a_trusted_server_is_accepted(pki):
    result = run(pki, output(server_cms.unsigned(ONBOARDING, server_cms.ID_CT_SZTP_JSON)), trusted=True)
    assert not result.signed and result.message == MESSAGE
