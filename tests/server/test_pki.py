"""server init-pki: ECDSA P-256 keys by default, RSA 2048 with --key-type rsa — checked with openssl, which
must also verify each certificate against the CA — and IP server names as iPAddress entries (v4 and v6)."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import cli


@pytest.mark.parametrize("key_type, says", [("ecdsa", "ASN1 OID: prime256v1"), ("rsa", "Public-Key: (2048 bit)")])
def test_init_pki_key_types(tmp_path, key_type, says):
    done = cli("server", "init-pki", str(tmp_path / "pki"), "--device", "SN1", "--key-type", key_type,
               "--server-name", "localuicc", "--server-name", "127.0.0.1", "--server-name", "::1")
    assert done.returncode == 0, done.stderr
    for name in ("ca", "server", "owner", "voucher-signer", "device-SN1"):
        text = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "pki" / f"{name}.pem"), "-noout", "-text"],
                              capture_output=True, text=True, check=True).stdout
        assert says in text, name
        if name != "ca":
            verified = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "pki" / "ca.pem"),
                                       str(tmp_path / "pki" / f"{name}.pem")], capture_output=True, text=True)
            assert verified.returncode == 0, verified.stdout + verified.stderr
    server = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "pki" / "server.pem"), "-noout", "-ext",
                             "subjectAltName"], capture_output=True, text=True, check=True).stdout
    assert "DNS:localuicc" in server and "IP Address:127.0.0.1" in server and "IP Address:0:0:0:0:0:0:0:1" in server


def test_an_unknown_key_type_is_refused():
    from cardboot.errors import UsageError
    from cardboot.server.pki import init_pki

    with pytest.raises(UsageError, match="key type 'dsa'"):
        init_pki("/nonexistent", [], key_type="dsa")
