"""What the bootstrap server sends and what the device sends, validated against the IETF YANG modules as
published (tests/data/yang/) by libyang's yanglint — a validator we did not write: get-bootstrapping-data
output (JSON and XML; unsigned, signed, redirect, nonceful), the conveyed information inside it, the
ownership vouchers (RFC 8366's must "not(../nonce)" on expires-on included), RESTCONF errors, and the
device's get-bootstrapping-data and report-progress input."""

from __future__ import annotations

import base64
import http.server
import json
import re
import shutil
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from lxml import etree

from cardboot.device.cms_verify import unwrap_unsigned, verify_signed
from tests.helpers import cli, free_port, start_server

YANG = Path(__file__).resolve().parents[1] / "data" / "yang"
SERVER, CONVEYED = "ietf-sztp-bootstrap-server@2019-04-30.yang", "ietf-sztp-conveyed-info@2019-04-30.yang"
VOUCHER, RESTCONF = "ietf-voucher@2018-05-09.yang", "ietf-restconf@2017-01-26.yang"
NS_SERVER = "urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"
NS_CONVEYED = "urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info"
NS_RESTCONF = "urn:ietf:params:xml:ns:yang:ietf-restconf"
CT_JSON, CT_XML, CT_VOUCHER = "1.2.840.113549.1.9.16.1.43", "1.2.840.113549.1.9.16.1.42", "1.2.840.113549.1.9.16.1.40"
YANG_JSON, YANG_XML = "application/yang-data+json", "application/yang-data+xml"


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    assert shutil.which("yanglint"), "yanglint (libyang2-tools) is installed by scripts/install.sh"
    d = tmp_path_factory.mktemp("yang")
    for f in YANG.glob("*.yang"):
        text = re.sub(r"^(\s*)rc:yang-data (conveyed-information|voucher-artifact|yang-errors) \{",
                      r"\1container \2 { config false;", f.read_text(), flags=re.M)
        (d / f.name).write_text(text)
    return d


def yanglint(modules, module: str, instance: bytes, fmt: str, kind: str = "data", *, expect_ok: bool = True):
    path = modules / f"instance-{abs(hash(instance))}.{fmt}"
    path.write_bytes(instance)
    done = subprocess.run(["yanglint", "-p", str(modules), "-t", kind, str(modules / module), str(path)],
                          capture_output=True, text=True, timeout=60)
    if expect_ok:
        assert done.returncode == 0, f"{module} {kind}: {done.stderr}\n{instance[:2000]!r}"
    return done


def rename_json(doc: bytes, old: str, new: str, inner: str | None = None) -> bytes:
    """{old: X} → {new: X}, or {new: {inner: X}} (an instance put into the container of its template)."""
    value = json.loads(doc)[old]
    return json.dumps({new: {inner: value} if inner else value}).encode()


def wrap_xml(doc: bytes, ns: str, name: str) -> bytes:
    root = etree.fromstring(doc)
    outer = etree.Element(f"{{{ns}}}{name}", nsmap={None: ns})
    outer.append(root)
    return etree.tostring(outer)


def rename_xml(doc: bytes, ns: str, name: str) -> bytes:
    root = etree.fromstring(doc)
    root.tag = f"{{{ns}}}{name}"
    return etree.tostring(root)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("yang-server")
    pki = d / "pki"
    assert cli("server", "init-pki", str(pki), "--device", "SN1", "--device", "SN2",
               "--device", "SN9").returncode == 0  # SN9: a certificate, no registration
    db = f"sqlite:///{d / 's.sqlite'}"
    assert cli("server", "add-device", "--db", db, "--serial", "SN1", "--template", "dm-bootstrap", "--vars",
               "profiles/vars/example.toml").returncode == 0
    assert cli("server", "add-device", "--db", db, "--serial", "SN2", "--redirect", "https://next.example:8443",
               "--redirect-trust-anchor", str(pki / "ca.pem")).returncode == 0
    port = free_port()
    proc = start_server(db, pki, port, "--owner-cert", str(pki / "owner.pem"), "--owner-key", str(pki / "owner-key.pem"),
                        "--voucher-signer-cert", str(pki / "voucher-signer.pem"),
                        "--voucher-signer-key", str(pki / "voucher-signer-key.pem"))
    yield {"pki": pki, "url": f"https://127.0.0.1:{port}"}
    proc.terminate()
    proc.wait(30)


def post(server, rpc: str, body: bytes, ctype: str, serial: str | None = "SN1") -> tuple[int, str, bytes]:
    pki = server["pki"]
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if serial:
        ctx.load_cert_chain(pki / f"device-{serial}.pem", pki / f"device-{serial}-key.pem")
    req = urllib.request.Request(f"{server['url']}/restconf/operations/ietf-sztp-bootstrap-server:{rpc}", data=body,
                                 headers={"Content-Type": ctype, "Accept": ctype}, method="POST")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def _json_input(**leaves) -> bytes:
    return json.dumps({"ietf-sztp-bootstrap-server:input": leaves}).encode()


def _xml_input(**leaves) -> bytes:
    root = etree.Element(f"{{{NS_SERVER}}}input", nsmap={None: NS_SERVER})
    for name, value in leaves.items():
        leaf = etree.SubElement(root, f"{{{NS_SERVER}}}{name.replace('_', '-')}")
        if value is not None:
            leaf.text = value
    return etree.tostring(root)


NONCE = base64.b64encode(b"0123456789abcdef").decode()
CASES = {
    "unsigned": ("SN1", {}),
    "signed": ("SN1", {"signed-data-preferred": [None]}),
    "signed-nonce": ("SN1", {"signed-data-preferred": [None], "nonce": NONCE}),
    "redirect": ("SN2", {}),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("encoding", ["json", "xml"])
def test_get_bootstrapping_data_output_and_what_it_carries_follow_the_modules(server, modules, case, encoding):
    serial, leaves = CASES[case]
    if encoding == "json":
        status, ctype, body = post(server, "get-bootstrapping-data", _json_input(**leaves), YANG_JSON, serial)
        assert status == 200, body
        yanglint(modules, SERVER, rename_json(body, "ietf-sztp-bootstrap-server:output",
                                              "ietf-sztp-bootstrap-server:get-bootstrapping-data"), "json", "reply")
        output = json.loads(body)["ietf-sztp-bootstrap-server:output"]
    else:
        xml_leaves = {k.replace("-", "_"): (None if v == [None] else v) for k, v in leaves.items()}
        status, ctype, body = post(server, "get-bootstrapping-data", _xml_input(**xml_leaves), YANG_XML, serial)
        assert status == 200, body
        yanglint(modules, SERVER, rename_xml(body, NS_SERVER, "get-bootstrapping-data"), "xml", "reply")
        root = etree.fromstring(body)
        output = {etree.QName(e).localname: e.text for e in root}
    conveyed_cms = base64.b64decode(output["conveyed-information"])
    ctype_oid = CT_JSON if encoding == "json" else CT_XML
    signed = "ownership-voucher" in output
    document = verify_signed(conveyed_cms, ctype_oid, "conveyed")[0] if signed else \
        unwrap_unsigned(conveyed_cms, ctype_oid, "conveyed")
    if encoding == "json":
        kind = next(iter(json.loads(document))).split(":", 1)[1]
        yanglint(modules, CONVEYED, rename_json(document, f"ietf-sztp-conveyed-info:{kind}",
                                                "ietf-sztp-conveyed-info:conveyed-information", kind), "json")
    else:
        yanglint(modules, CONVEYED, wrap_xml(document, NS_CONVEYED, "conveyed-information"), "xml")
    assert signed == case.startswith("signed")
    if signed:
        voucher = verify_signed(base64.b64decode(output["ownership-voucher"]), CT_VOUCHER, "voucher")[0]
        yanglint(modules, VOUCHER, rename_json(voucher, "ietf-voucher:voucher", "ietf-voucher:voucher-artifact",
                                               "voucher"), "json")
        assert ("nonce" in json.loads(voucher)["ietf-voucher:voucher"]) == (case == "signed-nonce")


def test_the_validator_refuses_what_the_modules_forbid(modules):
    """The oracle is not a rubber stamp: a nonceful voucher with an expiry, a port out of range."""
    bad_voucher = {"ietf-voucher:voucher-artifact": {"voucher": {
        "created-on": "2026-12-08T00:00:00Z", "expires-on": "2027-01-01T00:00:00Z", "nonce": NONCE,
        "assertion": "verified", "serial-number": "SN1", "pinned-domain-cert": "AAAA"}}}
    assert yanglint(modules, VOUCHER, json.dumps(bad_voucher).encode(), "json", expect_ok=False).returncode != 0
    bad_redirect = {"ietf-sztp-conveyed-info:conveyed-information": {"redirect-information": {
        "bootstrap-server": [{"address": "a.example", "port": 70000}]}}}
    assert yanglint(modules, CONVEYED, json.dumps(bad_redirect).encode(), "json", expect_ok=False).returncode != 0


@pytest.mark.parametrize("encoding", ["json", "xml"])
@pytest.mark.parametrize("body, serial, status", [
    (b'{"ietf-sztp-bootstrap-server:input": {"nonce": "AA=="}}', "SN1", 400),
    (b'{"ietf-sztp-bootstrap-server:input": {}}', None, 401),
    (b'{"ietf-sztp-bootstrap-server:input": {}}', "SN9", 404),
])
def test_restconf_errors_follow_the_module(server, modules, encoding, body, serial, status):
    accept = YANG_JSON if encoding == "json" else YANG_XML
    pki = server["pki"]
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if serial:
        ctx.load_cert_chain(pki / f"device-{serial}.pem", pki / f"device-{serial}-key.pem")
    req = urllib.request.Request(f"{server['url']}/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data",
                                 data=body, headers={"Content-Type": YANG_JSON, "Accept": accept}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(req, context=ctx, timeout=30)
    assert caught.value.code == status
    answer = caught.value.read()
    if encoding == "json":
        yanglint(modules, RESTCONF, rename_json(answer, "ietf-restconf:errors", "ietf-restconf:yang-errors", "errors"),
                 "json")
    else:
        yanglint(modules, RESTCONF, wrap_xml(answer, NS_RESTCONF, "yang-errors"), "xml")


class _Capture(http.server.BaseHTTPRequestHandler):
    """A bootstrap server that keeps what the device sends and answers unsigned onboarding information."""

    def do_POST(self):  # noqa: N802
        from cardboot.server.conveyed import conveyed_information, onboarding_json
        from cardboot.server.sztp import output_body

        self.server.bodies.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
        if self.path.endswith(":get-bootstrapping-data"):
            answer = output_body(YANG_JSON, conveyed_information(onboarding_json(self.server.message), True, None))
            self.send_response(200)
            self.send_header("Content-Type", YANG_JSON)
        else:
            answer = b""
            self.send_response(204)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("trusted", [False, True])
def test_what_the_device_sends_follows_the_module(server, modules, tmp_path, trusted):
    pki = server["pki"]
    assert cli("message", "build", "--vars", "profiles/vars/example.toml", "--out", str(tmp_path / "m.wbxml")).returncode == 0
    capture = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    capture.bodies, capture.message = [], (tmp_path / "m.wbxml").read_bytes()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "server.pem", pki / "server-key.pem")
    capture.socket = ctx.wrap_socket(capture.socket, server_side=True)
    threading.Thread(target=capture.serve_forever, daemon=True).start()
    try:
        done = cli("device", "sztp", "--url", f"https://127.0.0.1:{capture.server_address[1]}", "--cert",
                   str(pki / "device-SN1.pem"), "--key", str(pki / "device-SN1-key.pem"), "--trust-anchor",
                   str(pki / "ca.pem"), "--nonce", *(["--ca", str(pki / "ca.pem"), "--report"] if trusted else []))
    finally:
        capture.shutdown()
    if trusted:
        assert done.returncode == 0, done.stderr
    rpcs = [path.rsplit(":", 1)[1] for path, _body in capture.bodies]
    assert rpcs == (["get-bootstrapping-data", "report-progress", "report-progress"] if trusted
                    else ["get-bootstrapping-data"])
    for path, body in capture.bodies:
        rpc = path.rsplit(":", 1)[1]
        yanglint(modules, SERVER, rename_json(body, "ietf-sztp-bootstrap-server:input",
                                              f"ietf-sztp-bootstrap-server:{rpc}"), "json", "rpc")
