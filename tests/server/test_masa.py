"""Vouchers from a MASA (RFC 8572 3.3 / RFC 8366) instead of the server's own signer: a command or an
HTTPS service that signs with ``openssl cms -sign`` — a signer cardboot did not write — gives each nonce
request a voucher made for it; a MASA that answers a stale voucher, one for another serial, garbage,
nothing in time or too much is a RESTCONF error to the device, never a voucher."""

from __future__ import annotations

import http.server
import json
import ssl
import sys
import textwrap
import threading
import time

import pytest

from tests.helpers import cli, free_port, start_server

# A MASA as a command: the request in its environment, the voucher (DER CMS) on stdout, signed by openssl.
MASA = textwrap.dedent('''
    import base64, datetime, json, os, subprocess, sys, tempfile, time
    pki, mode = sys.argv[1], sys.argv[2]
    serial, nonce = os.environ["CB_VOUCHER_SERIAL"], os.environ["CB_VOUCHER_NONCE"]
    if mode == "slow":
        time.sleep(30)
    if mode == "garbage":
        sys.stdout.write("not a voucher"); sys.exit(0)
    if mode == "flood":
        sys.stdout.buffer.write(b"0" * 200000); sys.exit(0)
    if mode == "fail":
        sys.exit(3)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    body = {"created-on": now, "assertion": "verified",
            "serial-number": "SN-OTHER" if mode == "serial" else serial,
            "pinned-domain-cert": os.environ["CB_VOUCHER_PINNED_CERT"], "domain-cert-revocation-checks": False}
    if nonce and mode != "stale":
        body["nonce"] = nonce
    else:
        body["expires-on"] = "2099-01-01T00:00:00Z"
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"ietf-voucher:voucher": body}, f)
    der = subprocess.run(["openssl", "cms", "-sign", "-in", f.name, "-signer", pki + "/voucher-signer.pem",
                          "-inkey", pki + "/voucher-signer-key.pem", "-outform", "DER", "-nodetach", "-binary",
                          "-md", "sha256", "-econtent_type", "1.2.840.113549.1.9.16.1.40"],
                         capture_output=True, check=True).stdout
    os.unlink(f.name)
    sys.stdout.buffer.write(base64.b64encode(der) if mode == "base64" else der)
''')


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("masa")
    assert cli("server", "init-pki", str(d / "pki"), "--device", "SN1").returncode == 0
    (d / "masa.py").write_text(MASA)
    return d


def _server(pki, db, *signer):
    port = free_port()
    p = pki / "pki"
    proc = start_server(db, p, port, "--owner-cert", str(p / "owner.pem"), "--owner-key", str(p / "owner-key.pem"),
                        "--voucher-timeout", "2", *signer)
    return proc, f"https://127.0.0.1:{port}"


def _device(pki, url, *extra):
    p = pki / "pki"
    return cli("device", "sztp", "--url", url, "--cert", str(p / "device-SN1.pem"), "--key", str(p / "device-SN1-key.pem"),
               "--trust-anchor", str(p / "ca.pem"), "--json", *extra)


@pytest.fixture(scope="module")
def db(pki):
    url = f"sqlite:///{pki / 'devices.sqlite'}"
    assert cli("server", "add-device", "--db", url, "--serial", "SN1", "--template", "dm-bootstrap", "--vars",
               "profiles/vars/example.toml").returncode == 0
    return url


@pytest.mark.parametrize("mode", ["der", "base64"])
def test_a_command_masa_gives_each_nonce_its_own_voucher(pki, db, mode):
    proc, url = _server(pki, db, "--voucher-command", f"{sys.executable} {pki / 'masa.py'} {pki / 'pki'} {mode}")
    try:
        first = _device(pki, url, "--nonce")
        assert first.returncode == 0, first.stderr
        info = json.loads(first.stdout)
        assert info["signed"] and "nonce" in info["voucher"] and "expires-on" not in info["voucher"]
        second = json.loads(_device(pki, url, "--nonce").stdout)
        assert second["voucher"]["nonce"] != info["voucher"]["nonce"]  # made per request, never cached
        plain = json.loads(_device(pki, url).stdout)
        assert plain["signed"] and "expires-on" in plain["voucher"]
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.mark.parametrize("mode", ["stale", "serial", "garbage", "flood", "fail", "slow"])
def test_a_masa_that_does_not_give_a_fresh_voucher_is_an_error_never_a_voucher(pki, db, mode):
    proc, url = _server(pki, db, "--voucher-command", f"{sys.executable} {pki / 'masa.py'} {pki / 'pki'} {mode}")
    try:
        start = time.monotonic()
        done = _device(pki, url, "--nonce")
        took = time.monotonic() - start
        assert done.returncode == 3 and "get-bootstrapping-data answered 500" in done.stderr, done.stderr
        assert took < 10  # --voucher-timeout 2: a slow MASA costs the device its bound, not 30 s
    finally:
        proc.terminate()
        proc.wait(30)


class _Masa(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        import os
        import subprocess

        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        env = dict(os.environ, CB_VOUCHER_SERIAL=request["serial-number"], CB_VOUCHER_NONCE=request["nonce"] or "",
                   CB_VOUCHER_PINNED_CERT=request["pinned-domain-cert"])
        der = subprocess.run([sys.executable, str(self.server.pki / "masa.py"), str(self.server.pki / "pki"), "der"],
                             env=env, capture_output=True, check=True).stdout
        self.send_response(200)
        self.send_header("Content-Type", "application/voucher-cms+json")
        self.send_header("Content-Length", str(len(der)))
        self.end_headers()
        self.wfile.write(der)

    def log_message(self, *args):
        pass


def test_a_url_masa_over_https(pki, db):
    masa = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Masa)
    masa.pki = pki
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "pki" / "server.pem", pki / "pki" / "server-key.pem")
    masa.socket = ctx.wrap_socket(masa.socket, server_side=True)
    threading.Thread(target=masa.serve_forever, daemon=True).start()
    proc, url = _server(pki, db, "--voucher-url", f"https://127.0.0.1:{masa.server_address[1]}/voucher",
                        "--voucher-url-ca", str(pki / "pki" / "ca.pem"))
    try:
        done = _device(pki, url, "--nonce")
        assert done.returncode == 0, done.stderr
        assert "nonce" in json.loads(done.stdout)["voucher"]
    finally:
        proc.terminate()
        proc.wait(30)
        masa.shutdown()


def test_signed_data_needs_some_voucher_signer(pki, db):
    p = pki / "pki"
    done = cli("server", "run", "--db", db, "--cert", str(p / "server.pem"), "--key", str(p / "server-key.pem"),
               "--owner-cert", str(p / "owner.pem"), "--owner-key", str(p / "owner-key.pem"))
    assert done.returncode == 2 and "--voucher-command or --voucher-url" in done.stderr
