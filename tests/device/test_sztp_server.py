"""`cardboot device sztp` against `cardboot server run` on loopback: signed conveyed information from a
server the device does not trust (voucher, owner certificate, signature verified), unsigned from a trusted
one, progress reported only to a trusted server, and a redirect followed to the next server."""

from __future__ import annotations

import json

import pytest

from tests.helpers import cli, free_port, start_server


def _start(db, pki, port):
    """server run signing conveyed information as the owner, vouchers by the test PKI's voucher signer."""
    return start_server(db, pki, port, "--owner-cert", str(pki / "owner.pem"), "--owner-key",
                        str(pki / "owner-key.pem"), "--voucher-signer-cert", str(pki / "voucher-signer.pem"),
                        "--voucher-signer-key", str(pki / "voucher-signer-key.pem"))


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    d = tmp_path_factory.mktemp("sztp")
    pki = d / "pki"
    assert cli("server", "init-pki", str(pki), "--device", "SN1", "--device", "SN3").returncode == 0
    first, second = f"sqlite:///{d / 'a.sqlite'}", f"sqlite:///{d / 'b.sqlite'}"
    p1, p2 = free_port(), free_port()
    assert cli("server", "add-device", "--db", first, "--serial", "SN1", "--redirect",
               f"https://127.0.0.1:{p2}").returncode == 0
    assert cli("server", "add-device", "--db", first, "--serial", "SN3", "--redirect", f"https://127.0.0.1:{p2}",
               "--redirect-trust-anchor", str(pki / "ca.pem")).returncode == 0
    for serial in ("SN1", "SN3"):
        assert cli("server", "add-device", "--db", second, "--serial", serial, "--template", "dm-bootstrap", "--vars",
                   "profiles/vars/example.toml").returncode == 0
    assert cli("server", "add-device", "--db", second, "--serial", "SN2", "--template", "dmacc-only", "--vars",
               "profiles/vars/example.toml", "--activation-code-env", "C", env={"C": "act-2"}).returncode == 0
    procs = [_start(second, pki, p2), _start(first, pki, p1)]
    yield {"pki": pki, "direct": f"https://127.0.0.1:{p2}", "redirecting": f"https://127.0.0.1:{p1}", "db": second}
    for p in procs:
        p.terminate()
        p.wait(30)


def device(servers, url, *extra):
    pki = servers["pki"]
    return cli("device", "sztp", "--url", url, "--cert", str(pki / "device-SN1.pem"), "--key",
               str(pki / "device-SN1-key.pem"), "--trust-anchor", str(pki / "ca.pem"), "--json", *extra)


def test_signed_from_an_untrusted_server(servers, tmp_path):
    out = tmp_path / "m.wbxml"
    r = device(servers, servers["direct"], "--nonce", "--out", str(out))
    info = json.loads(r.stdout)
    assert r.returncode == 0, r.stderr
    assert info["signed"] and not info["trusted_server"] and info["voucher"]["serial-number"] == "SN1"
    assert "nonce" in info["voucher"] and "carries none" not in r.stdout + r.stderr  # a fresh voucher
    assert out.read_bytes()[:1] == b"\x02" and info["message_bytes"] == len(out.read_bytes())


def test_unsigned_from_a_trusted_server_and_reports(servers):
    r = device(servers, servers["direct"], "--ca", str(servers["pki"] / "ca.pem"), "--report")
    info = json.loads(r.stdout)
    assert r.returncode == 0 and not info["signed"] and info["trusted_server"]
    reports = json.loads(cli("server", "reports", "--db", servers["db"], "--device", "SN1").stdout)
    assert [x["progress_type"] for x in reports][-2:] == ["bootstrap-initiated", "bootstrap-complete"]


def test_redirect_is_followed(servers):
    r = device(servers, servers["redirecting"])
    info = json.loads(r.stdout)
    assert r.returncode == 0, r.stderr
    assert info["hops"] == [servers["redirecting"], servers["direct"]] and info["signed"]


def test_a_redirect_carries_its_trust_anchor_and_the_next_server_is_trusted_by_it(servers):
    pki = servers["pki"]
    r = cli("device", "sztp", "--url", servers["redirecting"], "--cert", str(pki / "device-SN3.pem"), "--key",
            str(pki / "device-SN3-key.pem"), "--trust-anchor", str(pki / "ca.pem"), "--json")
    info = json.loads(r.stdout)
    assert r.returncode == 0, r.stderr
    # the redirect's trust anchor (RFC 8572 2.1) verified the next server's TLS: its unsigned data is taken
    assert info["hops"] == [servers["redirecting"], servers["direct"]] and info["trusted_server"]
    assert not info["signed"]
    listed = json.loads(cli("server", "list-devices", "--db", servers["db"].replace("b.sqlite", "a.sqlite")).stdout)
    assert {d["serial"]: d["redirects"] for d in listed}["SN3"] == [servers["direct"]]


def test_more_trust_anchors_than_redirects_is_a_usage_error(servers, tmp_path):
    pki = servers["pki"]
    r = cli("server", "add-device", "--db", f"sqlite:///{tmp_path / 'c.sqlite'}", "--serial", "SN9", "--redirect",
            "https://a.example:443", "--redirect-trust-anchor", str(pki / "ca.pem"), "--redirect-trust-anchor",
            str(pki / "ca.pem"))
    assert r.returncode == 2 and "2 --redirect-trust-anchor for 1 --redirect" in r.stderr
    r = cli("server", "add-device", "--db", f"sqlite:///{tmp_path / 'c.sqlite'}", "--serial", "SN9", "--redirect",
            "https://a.example:443", "--redirect-trust-anchor", str(pki / "device-SN1-key.pem"))
    assert r.returncode == 2 and "no PEM certificate" in r.stderr


def test_basic_identity_and_a_wrong_code(servers):
    pki = servers["pki"]
    base = ["device", "sztp", "--url", servers["direct"], "--basic-env", "B", "--trust-anchor", str(pki / "ca.pem")]
    r = cli(*base, "--json", env={"B": "SN2:act-2"})
    info = json.loads(r.stdout)
    assert r.returncode == 0 and info["serial"] == "SN2" and info["signed"], r.stderr  # voucher for SN2 checked
    assert "act-2" not in r.stdout + r.stderr
    r = cli(*base, env={"B": "SN2:wrong"})
    assert r.returncode == 4 and "does not accept this device's credentials (401)" in r.stderr
