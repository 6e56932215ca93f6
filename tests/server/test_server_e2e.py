"""The bootstrap server for real: ``cardboot server run`` over TLS on loopback, a device simulator with
httpx (client certificates, HTTP Basic) and curl; the same suite on SQLite and on PostgreSQL."""

import base64
import json
import os
import shutil
import ssl
import subprocess

import httpx
import pytest

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from tests.helpers import JSON, RPC, XML, cli, free_port, start_server

MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", "profiles/vars/example.toml"), "tnds-wbxml"))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("server")
    if request.param == "postgres":
        db = request.getfixturevalue("pg_url")
        cli("server", "remove-device", "--db", db, "--serial", "SN1")
        cli("server", "remove-device", "--db", db, "--serial", "SN2")
        cli("server", "remove-device", "--db", db, "--serial", "SN3")
    else:
        db = f"sqlite:///{d / 'server.sqlite'}"
    pki = d / "pki"
    assert cli("server", "init-pki", str(pki), "--device", "SN1", "--device", "SN2", "--device", "SN9").returncode == 0
    env = {"CODE2": "activation-2", "CODE3": "activation-3"}
    for args in (["--serial", "SN1", "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml"],
                 ["--serial", "SN2", "--template", "dmacc-only", "--vars", "profiles/vars/example.toml",
                  "--activation-code-env", "CODE2"],
                 ["--serial", "SN3", "--redirect", "https://other.example.com:8443", "--activation-code-env", "CODE3"]):
        out = cli("server", "add-device", "--db", db, *args, env=env)
        assert out.returncode == 0, out.stderr
    port = free_port()
    proc = start_server(db, pki, port, "--owner-cert", str(pki / "owner.pem"), "--owner-key",
                        str(pki / "owner-key.pem"), "--voucher-signer-cert", str(pki / "voucher-signer.pem"),
                        "--voucher-signer-key", str(pki / "voucher-signer-key.pem"), capture=True)
    base = f"https://127.0.0.1:{port}"
    yield {"base": base, "pki": pki, "db": db}
    proc.terminate()
    out, err = proc.communicate(timeout=30)
    for secret in (b"activation-2", b"activation-3", b"srv-s3cret"):
        assert secret not in out + err  # nothing secret in the server's output


def client(server, device: str | None = None) -> httpx.Client:
    ctx = ssl.create_default_context(cafile=str(server["pki"] / "ca.pem"))
    if device:
        ctx.load_cert_chain(server["pki"] / f"device-{device}.pem", server["pki"] / f"device-{device}-key.pem")
    return httpx.Client(base_url=server["base"], verify=ctx, timeout=10)


def rpc(c, name, payload=None, *, auth=None, ctype=JSON, accept=JSON, raw=None):
    body = raw if raw is not None else (json.dumps({"ietf-sztp-bootstrap-server:input": payload or {}}).encode())
    return c.post(RPC + name, content=body, auth=auth, headers={"content-type": ctype, "accept": accept})


def openssl_verify(server, der: bytes, tmp_path) -> bytes:
    f = tmp_path / "cms.der"
    f.write_bytes(der)
    out = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(f), "-CAfile",
                          str(server["pki"] / "ca.pem"), "-binary", "-purpose", "any"], capture_output=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_5_5_7_get_with_certificate_and_basic(server):
    r = client(server, "SN1").get("/OMA/DM/Bootstrap.xml")
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.syncml.dm+wbxml"
    assert r.content == MESSAGE
    assert client(server, "SN1").get("/OMA/DM/Bootstrap/SN1").content == MESSAGE
    assert client(server, "SN1").get("/OMA/DM/Bootstrap/SN2").status_code == 404  # not another device's
    r = client(server).get("/OMA/DM/Bootstrap.xml", auth=("SN2", "activation-2"))
    assert r.status_code == 200 and r.content[0] == 0x02
    assert client(server).get("/OMA/DM/Bootstrap.xml", auth=("SN2", "wrong")).status_code == 401
    assert client(server).get("/OMA/DM/Bootstrap.xml").status_code == 401
    assert client(server, "SN1").get("/OMA/DM/Bootstrap.xml", auth=("SN2", "activation-2")).status_code == 401
    # a certificate-only device whose agent also sends Basic for its own serial: the certificate counts
    assert client(server, "SN1").get("/OMA/DM/Bootstrap.xml", auth=("SN1", "anything")).content == MESSAGE
    # a Basic device with a certificate of its own serial still proves its code
    assert client(server, "SN2").get("/OMA/DM/Bootstrap.xml", auth=("SN2", "wrong")).status_code == 401
    assert client(server, "SN9").get("/OMA/DM/Bootstrap.xml").status_code == 404  # a device with nothing
    assert client(server).get("/OMA/DM/Bootstrap.xml", auth=("SN3", "activation-3")).status_code == 404


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_gets_the_message(server, tmp_path):
    out = tmp_path / "m.wbxml"
    pki = server["pki"]
    r = subprocess.run(["curl", "-sS", "-o", str(out), "-w", "%{http_code}", "--cacert", str(pki / "ca.pem"),
                        "--cert", str(pki / "device-SN1.pem"), "--key", str(pki / "device-SN1-key.pem"),
                        server["base"] + "/OMA/DM/Bootstrap.xml"], capture_output=True, text=True, timeout=30)
    assert r.stdout == "200" and out.read_bytes() == MESSAGE


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_http_1_0_keep_alive_is_honoured_and_plain_1_0_closed(server, tmp_path):
    """RFC 7230 A.1.2: an HTTP/1.0 client asking for keep-alive keeps its connection (what ab -k does);
    curl reports a second transfer on the same connection as 0 new connects."""
    pki = server["pki"]
    url = server["base"] + "/OMA/DM/Bootstrap.xml"
    common = ["curl", "-sS", "--http1.0", "--cacert", str(pki / "ca.pem"), "--cert", str(pki / "device-SN1.pem"),
              "--key", str(pki / "device-SN1-key.pem"), "-w", "%{http_code} %{num_connects}\\n"]
    kept = subprocess.run([*common, "-H", "Connection: keep-alive", "-o", str(tmp_path / "a"), url,
                           "-o", str(tmp_path / "b"), url], capture_output=True, text=True, timeout=30)
    assert kept.stdout.split("\n")[:2] == ["200 1", "200 0"], kept.stdout + kept.stderr
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes() == MESSAGE
    closed = subprocess.run([*common, "-o", str(tmp_path / "c"), url, "-o", str(tmp_path / "d"), url],
                            capture_output=True, text=True, timeout=30)
    assert closed.stdout.split("\n")[:2] == ["200 1", "200 1"], closed.stdout + closed.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_get_bootstrapping_data_signed_json_and_xml(server, tmp_path):
    nonce = base64.b64encode(os.urandom(16)).decode()
    r = rpc(client(server, "SN1"), "get-bootstrapping-data", {"signed-data-preferred": [None], "nonce": nonce})
    assert r.status_code == 200, r.text
    out = r.json()["ietf-sztp-bootstrap-server:output"]
    info = json.loads(openssl_verify(server, base64.b64decode(out["conveyed-information"]), tmp_path))
    onboarding = info["ietf-sztp-conveyed-info:onboarding-information"]
    assert base64.b64decode(onboarding["configuration"]) == MESSAGE
    voucher = json.loads(openssl_verify(server, base64.b64decode(out["ownership-voucher"]), tmp_path))
    assert voucher["ietf-voucher:voucher"]["serial-number"] == "SN1"
    # a nonceful voucher (RFC 8366): the device's nonce, no expires-on; a second nonce gets its own voucher
    assert voucher["ietf-voucher:voucher"]["nonce"] == nonce and "expires-on" not in voucher["ietf-voucher:voucher"]
    again = base64.b64encode(os.urandom(16)).decode()
    r2 = rpc(client(server, "SN1"), "get-bootstrapping-data", {"signed-data-preferred": [None], "nonce": again})
    v2 = json.loads(openssl_verify(server, base64.b64decode(
        r2.json()["ietf-sztp-bootstrap-server:output"]["ownership-voucher"]), tmp_path))
    assert v2["ietf-voucher:voucher"]["nonce"] == again
    plain = rpc(client(server, "SN1"), "get-bootstrapping-data", {"signed-data-preferred": [None]})
    v3 = json.loads(openssl_verify(server, base64.b64decode(
        plain.json()["ietf-sztp-bootstrap-server:output"]["ownership-voucher"]), tmp_path))
    assert "nonce" not in v3["ietf-voucher:voucher"] and "expires-on" in v3["ietf-voucher:voucher"]
    unsigned = rpc(client(server, "SN1"), "get-bootstrapping-data").json()["ietf-sztp-bootstrap-server:output"]
    assert set(unsigned) == {"conveyed-information"}  # no signed data asked: unsigned, no voucher
    r = rpc(client(server), "get-bootstrapping-data", auth=("SN2", "activation-2"), ctype=XML, accept=XML,
            raw=b'<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><hw-model>x</hw-model></input>')
    assert r.status_code == 200 and r.headers["content-type"] == XML and b"<conveyed-information>" in r.content
    r = rpc(client(server), "get-bootstrapping-data", {"signed-data-preferred": [None]}, auth=("SN3", "activation-3"))
    info = json.loads(openssl_verify(server, base64.b64decode(
        r.json()["ietf-sztp-bootstrap-server:output"]["conveyed-information"]), tmp_path))
    assert info["ietf-sztp-conveyed-info:redirect-information"]["bootstrap-server"][0] == {
        "address": "other.example.com", "port": 8443}
    # asked in XML, the redirect is answered in XML (signed, eContentType id-ct-sztpConveyedInfoXML)
    r = rpc(client(server), "get-bootstrapping-data", auth=("SN3", "activation-3"), ctype=XML, accept=XML,
            raw=b'<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><signed-data-preferred/>'
                b"</input>")
    from lxml import etree

    out = etree.fromstring(r.content)
    conveyed = out.find("{urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server}conveyed-information").text
    doc = etree.fromstring(openssl_verify(server, base64.b64decode(conveyed), tmp_path))
    ns = "{urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info}"
    assert doc.tag == f"{ns}redirect-information"
    assert [(e.findtext(f"{ns}address"), e.findtext(f"{ns}port")) for e in doc] == [("other.example.com", "8443")]


@pytest.mark.parametrize("kwargs, status, tag", [
    (dict(payload={"nonce": base64.b64encode(b"short").decode()}), 400, "invalid-value"),
    (dict(raw=b"{nope"), 400, "malformed-message"),
    (dict(raw=b'<?xml version="1.0"?><!DOCTYPE i [<!ENTITY x SYSTEM "file:///etc/passwd">]><input>&x;</input>',
          ctype=XML), 400, "malformed-message"),
    (dict(raw=b"{}" + b" " * 70000), 413, "too-big"),
    (dict(ctype="text/plain", raw=b"hello"), 415, "invalid-value"),
    (dict(accept="text/html"), 406, "invalid-value"),
])
def test_bad_requests_get_restconf_errors(server, kwargs, status, tag):
    r = rpc(client(server, "SN1"), "get-bootstrapping-data", **kwargs)
    assert r.status_code == status
    if status != 406:
        assert r.json()["ietf-restconf:errors"]["error"][0]["error-tag"] == tag


def test_report_progress_is_stored(server):
    c = client(server, "SN1")
    r = rpc(c, "report-progress", {"progress-type": "bootstrap-complete", "message": "configured"})
    assert r.status_code == 204
    assert rpc(c, "report-progress", {"progress-type": "done"}).status_code == 400
    out = cli("server", "reports", "--db", server["db"], "--device", "SN1")
    reports = json.loads(out.stdout)
    assert reports and reports[-1]["progress_type"] == "bootstrap-complete" and reports[-1]["message"] == "configured"


def test_host_meta_and_unknown_paths(server):
    c = client(server)
    r = c.get("/.well-known/host-meta")
    assert r.status_code == 200 and b'rel="restconf"' in r.content
    assert c.get("/nothing").status_code == 404
    assert c.get(RPC + "get-bootstrapping-data").status_code == 405
