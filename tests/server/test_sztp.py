"""RFC 8572 pieces of the bootstrap server that need no HTTP: input checking as the YANG module says,
output and error bodies, conveyed information and vouchers as CMS that openssl parses and verifies."""

import base64
import json
import shutil
import subprocess

import pytest

from cardboot.server import cms
from cardboot.server.conveyed import conveyed_information, onboarding_json, onboarding_xml, redirect_json, voucher
from cardboot.server.pki import init_pki
from cardboot.server.restconf import YANG_JSON, YANG_XML, RestconfError, media_type, negotiate
from cardboot.server.sztp import output_body, parse_bootstrap_request, parse_progress_report

NONCE = base64.b64encode(bytes(range(16))).decode()


def j(obj) -> bytes:
    return json.dumps(obj).encode()


def test_bootstrap_request_json_and_xml():
    req = parse_bootstrap_request(j({"ietf-sztp-bootstrap-server:input": {
        "signed-data-preferred": [None], "hw-model": "model-x", "os-name": "vrp", "os-version": "8.1",
        "nonce": NONCE}}), YANG_JSON)
    assert req.signed_data_preferred and req.hw_model == "model-x" and req.nonce == bytes(range(16))
    xml = (b'<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><signed-data-preferred/>'
           b"<hw-model>m</hw-model><nonce>" + NONCE.encode() + b"</nonce></input>")
    req = parse_bootstrap_request(xml, YANG_XML)
    assert req.signed_data_preferred and req.hw_model == "m"
    assert parse_bootstrap_request(b"", YANG_JSON).nonce is None


@pytest.mark.parametrize("body, kind, tag, text", [
    (j({"ietf-sztp-bootstrap-server:input": {"nonce": base64.b64encode(b"x" * 15).decode()}}), YANG_JSON,
     "invalid-value", "16..32"),
    (j({"ietf-sztp-bootstrap-server:input": {"nonce": "###"}}), YANG_JSON, "invalid-value", "base64"),
    (j({"ietf-sztp-bootstrap-server:input": {"colour": "red"}}), YANG_JSON, "invalid-value", "unknown"),
    (b"{not json", YANG_JSON, "malformed-message", "JSON"),
    (b'<?xml version="1.0"?><!DOCTYPE i [<!ENTITY x SYSTEM "file:///etc/passwd">]><input>&x;</input>', YANG_XML,
     "malformed-message", "entity"),
    (b"<wrong/>", YANG_XML, "malformed-message", "input"),
    (b"x" * 70000, YANG_JSON, "too-big", "body"),
])
def test_bad_bootstrap_requests(body, kind, tag, text):
    with pytest.raises(RestconfError) as e:
        parse_bootstrap_request(body, kind)
    assert e.value.error_tag == tag and text in e.value.message
    assert e.value.status in (400, 413)


def test_progress_reports():
    r = parse_progress_report(j({"ietf-sztp-bootstrap-server:input": {
        "progress-type": "bootstrap-complete", "message": "done",
        "ssh-host-keys": {"ssh-host-key": [{"algorithm": "ssh-ed25519", "key-data": "AAAA"}]},
        "trust-anchor-certs": {"trust-anchor-cert": ["AAAA"]}}}), YANG_JSON)
    assert r.progress_type == "bootstrap-complete" and r.ssh_host_keys[0][0] == "ssh-ed25519"
    with pytest.raises(RestconfError, match="not one the module defines"):
        parse_progress_report(j({"input": {"progress-type": "all-good"}}), YANG_JSON)
    with pytest.raises(RestconfError, match="only with progress-type bootstrap-complete"):
        parse_progress_report(j({"input": {"progress-type": "config-complete",
                                           "ssh-host-keys": {"ssh-host-key": []}}}), YANG_JSON)
    with pytest.raises(RestconfError, match="mandatory"):
        parse_progress_report(j({"input": {"message": "x"}}), YANG_JSON)
    xml = (b'<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server">'
           b"<progress-type>config-error</progress-type><message>bad</message></input>")
    assert parse_progress_report(xml, YANG_XML).message == "bad"


def test_media_types_and_error_bodies():
    assert media_type("application/yang.data+json; charset=utf-8") == YANG_JSON
    assert negotiate(None) == YANG_JSON and negotiate("*/*") == YANG_JSON
    assert negotiate("application/yang-data+xml") == YANG_XML and negotiate("text/html") is None
    err = RestconfError(401, "protocol", "access-denied", "who are you")
    body = json.loads(err.body(YANG_JSON))
    assert body["ietf-restconf:errors"]["error"][0]["error-tag"] == "access-denied"
    assert b"<error-tag>access-denied</error-tag>" in err.body(YANG_XML)
    out = json.loads(output_body(YANG_JSON, b"abc", b"c", b"v"))
    assert set(out["ietf-sztp-bootstrap-server:output"]) == {"conveyed-information", "owner-certificate",
                                                             "ownership-voucher"}
    with pytest.raises(ValueError):
        output_body(YANG_JSON, b"abc", owner_certificate=b"c")


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


@needs_openssl
def test_conveyed_information_and_voucher_verify_with_openssl(tmp_path):
    pki = tmp_path / "pki"
    init_pki(pki, ["SN0001"])
    owner = ((pki / "owner.pem").read_bytes(), (pki / "owner-key.pem").read_bytes())
    dm = bytes.fromhex("02A4016A006D")  # a (short) WBXML bootstrap message
    for doc, as_json in ((onboarding_json(dm), True), (onboarding_xml(dm), False),
                         (redirect_json([("boot.example.com", 8443, None)]), True)):
        signed = conveyed_information(doc, as_json, owner)
        f = tmp_path / "s.der"
        f.write_bytes(signed)
        out = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(f), "-CAfile",
                              str(pki / "ca.pem"), "-binary", "-purpose", "any"], capture_output=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout == doc
        unsigned = conveyed_information(doc, as_json, None)
        f.write_bytes(unsigned)
        parsed = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", str(f)], capture_output=True,
                                text=True)
        assert parsed.returncode == 0 and ("1.2.840.113549.1.9.16.1.43" if as_json else "1.2.840.113549.1.9.16.1.42") \
            in parsed.stdout
    v = voucher("SN0001", (pki / "ca.pem").read_bytes(),
                ((pki / "voucher-signer.pem").read_bytes(), (pki / "voucher-signer-key.pem").read_bytes()))
    f = tmp_path / "v.der"
    f.write_bytes(v)
    out = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(f), "-CAfile",
                          str(pki / "ca.pem"), "-binary", "-purpose", "any"], capture_output=True)
    assert out.returncode == 0 and json.loads(out.stdout)["ietf-voucher:voucher"]["serial-number"] == "SN0001"
    bag = tmp_path / "owner.p7"
    bag.write_bytes(cms.certificate_bag([owner[0]]))
    out = subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-in", str(bag), "-print_certs", "-noout"],
                         capture_output=True, text=True)
    assert "cardboot owner" in out.stdout


def test_device_certificate_carries_the_serial_number(tmp_path):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    init_pki(tmp_path, ["SN0042"])
    cert = x509.load_pem_x509_certificate((tmp_path / "device-SN0042.pem").read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "SN0042"
    assert oct((tmp_path / "device-SN0042-key.pem").stat().st_mode & 0o777) == "0o600"


def test_what_real_agents_send_is_taken_as_a_deployment_needs():
    """opiproject's sztp agent (issue 27 item 6): it always sends "nonce": "" (taken as no nonce: nothing
    fresh is claimed), empty ssh-host-keys / trust-anchor-certs containers with every report (accepted), and
    it refuses a redirect without a port (every redirect names its port, 443 included)."""
    from cardboot.server.conveyed import redirect_json

    req = parse_bootstrap_request(j({"ietf-sztp-bootstrap-server:input": {"nonce": "", "hw-model": "x"}}), YANG_JSON)
    assert req.nonce is None and req.hw_model == "x"
    report = parse_progress_report(j({"ietf-sztp-bootstrap-server:input": {
        "progress-type": "bootstrap-initiated", "ssh-host-keys": {}, "trust-anchor-certs": {}}}), YANG_JSON)
    assert report.progress_type == "bootstrap-initiated" and not report.ssh_host_keys
    with pytest.raises(RestconfError, match="only with progress-type bootstrap-complete"):
        parse_progress_report(j({"ietf-sztp-bootstrap-server:input": {
            "progress-type": "bootstrap-initiated",
            "ssh-host-keys": {"ssh-host-key": [{"algorithm": "ssh-ed25519", "key-data": "AAAA"}]}}}), YANG_JSON)
    doc = json.loads(redirect_json([("bs.example", None, None), ("other.example", 8443, None)]))
    servers = doc["ietf-sztp-conveyed-info:redirect-information"]["bootstrap-server"]
    assert [s["port"] for s in servers] == [443, 8443]
