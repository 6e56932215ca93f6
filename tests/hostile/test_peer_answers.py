"""What a hostile or broken peer sends a device (issue 32, items 3-5, 12): every shape of RFC 8572 answer
a trusted server can send is a typed refusal (never exit 70), a status line with CR/LF/ESC is shown
escaped, a URL with a bad port or a broken IPv6 literal is a usage error, and a server that trickles its
answer or sends less than its Content-Length is cut off at the overall deadline."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest

from cardboot.device.cms_verify import VerificationError
from cardboot.device.fetch import FetchError, https_request, tls_context
from cardboot.device.sztp import process_output
from cardboot.errors import CardbootError, UsageError
from cardboot.server.cms import ID_CT_SZTP_JSON, unsigned
from cardboot.text import shown, terminal_safe
from tests.helpers import cli


def answer(conveyed) -> bytes:
    return json.dumps({"ietf-sztp-bootstrap-server:output": {"conveyed-information": conveyed}}).encode()


def conveyed(document: bytes | str) -> bytes:
    raw = document if isinstance(document, bytes) else document.encode()
    return answer(base64.b64encode(unsigned(raw, ID_CT_SZTP_JSON)).decode())


REDIRECT = "ietf-sztp-conveyed-info:redirect-information"
SHAPES = [
    b"[" * 100000 + b"]" * 100000,  # deep JSON
    answer(5), answer(None), answer([]),
    conveyed("5"), conveyed("null"), conveyed("[" * 50000),
    conveyed(json.dumps({REDIRECT: []})),
    conveyed(json.dumps({REDIRECT: {"bootstrap-server": {"address": "x"}}})),
    conveyed(json.dumps({REDIRECT: {"bootstrap-server": [5]}})),
    conveyed(json.dumps({REDIRECT: {"bootstrap-server": [{"port": 443}]}})),  # no address
    conveyed(json.dumps({REDIRECT: {"bootstrap-server": [{"address": "h", "port": "abc"}]}})),
    conveyed(json.dumps({REDIRECT: {"bootstrap-server": [{"address": "h", "port": 99999}]}})),
    conveyed('{"%s": {"bootstrap-server": [{"address": "h", "port": NaN}]}}' % REDIRECT),
    conveyed(json.dumps({REDIRECT: {"bootstrap-server": [{"address": "h/x@y", "port": 1}]}})),
    conveyed(json.dumps({"ietf-sztp-conveyed-info:onboarding-information": [1]})),
    conveyed(json.dumps({"ietf-sztp-conveyed-info:onboarding-information": {"configuration": 7}})),
]


@pytest.mark.parametrize("body", SHAPES, ids=range(len(SHAPES)))
def test_every_broken_answer_is_a_typed_refusal(body):
    with pytest.raises(VerificationError):
        process_output(body, url="https://x", trusted=True, serial="SN1", anchors=[], nonce=None)


def test_a_good_redirect_still_becomes_urls():
    body = conveyed(json.dumps({REDIRECT: {"bootstrap-server": [{"address": "bs.example", "port": 8443},
                                                                 {"address": "2001:db8::1"}]}}))
    result = process_output(body, url="https://x", trusted=True, serial="SN1", anchors=[], nonce=None)
    assert result.redirects == ["https://bs.example:8443", "https://[2001:db8::1]"]


def test_outside_text_is_shown_escaped():
    fake = "OK\r\n\x1b[2Kverified: 1600-byte message"
    assert "\r" not in shown(fake) and "\x1b" not in shown(fake) and "\\x1b" in shown(fake)
    assert terminal_safe("line one\nline two\x1b[31m") == "line one\nline two\\x1b[31m"


@pytest.mark.parametrize("url", ["https://127.0.0.1:abc/", "https://127.0.0.1:99999/", "https://[::1/x",
                                 "https://[::1]:0/"])
def test_a_url_that_cannot_be_one_is_a_usage_error(url):
    r = cli("device", "fetch", "--url", url)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    r = cli("device", "sztp", "--url", url, "--basic-env", "B", "--trust-anchor", "/dev/null", env={"B": "SN:c"})
    assert r.returncode in (2, 5) and "Traceback" not in r.stderr, r.stderr
    r = cli("conformance", "--server", url)
    assert r.returncode in (2, 3, 5) and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("spec", ["127.0.0.1:abc", "foo", "127.0.0.1:99999", "[::1", "1.2.3.4:"])
def test_a_nameserver_that_cannot_be_one_is_a_usage_error(spec):
    r = cli("device", "discover", "example.com", "--nameserver", spec)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr


def test_nameserver_forms():
    from cardboot.device.discover import nameserver_address

    assert nameserver_address("[::1]:5353") == ("::1", 5353) and nameserver_address("::1") == ("::1", 53)
    assert nameserver_address("127.0.0.1:53") == ("127.0.0.1", 53) and nameserver_address("10.0.0.1") == ("10.0.0.1", 53)


class _Trickle:
    """A TLS-less peer: accepts, then sends one byte every ``every`` s (the TLS handshake never completes)."""

    def __init__(self, every: float):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.every, self.stop = every, threading.Event()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        conn, _ = self.sock.accept()
        try:
            while not self.stop.wait(self.every):
                conn.send(b"\x16")
        except OSError:
            pass
        finally:
            conn.close()


def test_a_trickling_server_is_cut_off_at_the_deadline():
    peer = _Trickle(0.2)
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 1 s"):
        https_request("GET", f"https://127.0.0.1:{peer.port}/", tls_context(None, None, None), {}, limit=1000,
                      timeout=1.0)
    peer.stop.set()
    assert time.monotonic() - started < 3


def test_terminal_output_of_a_status_line(monkeypatch):
    from cardboot.device import fetch as fetch_mod

    monkeypatch.setattr(fetch_mod, "https_request",
                        lambda *a, **k: (500, "OK\r\n\x1b[1Averified: fake", "text/plain", b""))
    with pytest.raises(FetchError) as e:
        fetch_mod.fetch("https://127.0.0.1/")
    assert "\r" not in str(e.value) and "\x1b" not in str(e.value) and "\\x1b" in str(e.value)


class _TlsStub:
    """A TLS server (the test PKI's server certificate) that answers once with ``reply`` then, unless
    ``hold``, closes; ``trickle`` sends the reply a byte every 0.2 s."""

    def __init__(self, pki, reply: bytes, trickle: bool = False):
        import ssl

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(pki / "server.pem"), str(pki / "server-key.pem"))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.ctx, self.reply, self.trickle = ctx, reply, trickle
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        raw, _ = self.sock.accept()
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
            conn.recv(65536)
            if self.trickle:
                for b in self.reply:
                    conn.send(bytes([b]))
                    time.sleep(0.2)
            else:
                conn.sendall(self.reply)
            conn.close()
        except OSError:
            pass


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki") / "pki"
    assert cli("server", "init-pki", str(d)).returncode == 0
    return d


def test_an_answer_shorter_than_its_content_length_is_refused(pki):
    stub = _TlsStub(pki, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: x\r\n\r\nonly this")
    with pytest.raises(FetchError, match="ended after 9 of the 1000 bytes"):
        https_request("GET", f"https://127.0.0.1:{stub.port}/", tls_context(str(pki / "ca.pem"), None, None), {},
                      limit=10000, timeout=5)


def test_a_server_trickling_a_valid_answer_is_cut_off(pki):
    stub = _TlsStub(pki, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 100, trickle=True)
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 2 s"):
        https_request("GET", f"https://127.0.0.1:{stub.port}/", tls_context(str(pki / "ca.pem"), None, None), {},
                      limit=10000, timeout=2)
    assert time.monotonic() - started < 4


def conveyed_xml(document: bytes) -> bytes:
    from cardboot.server.cms import ID_CT_SZTP_XML

    return answer(base64.b64encode(unsigned(document, ID_CT_SZTP_XML)).decode())


def test_xml_conveyed_information_is_read_like_json():
    """RFC 8572 3.1 defines both encodings (issue 27): the server's XML onboarding and a hand-written XML
    redirect reach the same result as their JSON."""
    from cardboot.bootstrap.builder import build_message, encode_message
    from cardboot.bootstrap.template import load_bootstrap
    from cardboot.server.conveyed import onboarding_xml

    message = encode_message(build_message(load_bootstrap("dm-bootstrap", "profiles/vars/example.toml"), "tnds-wbxml"))
    result = process_output(conveyed_xml(onboarding_xml(message)), url="https://x", trusted=True, serial="SN1",
                            anchors=[], nonce=None)
    assert result.kind == "onboarding" and result.message == message and not result.findings
    redirect = (b'<redirect-information xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info">'
                b"<bootstrap-server><address>bs.example</address><port>8443</port></bootstrap-server>"
                b"<bootstrap-server><address>other.example</address></bootstrap-server></redirect-information>")
    result = process_output(conveyed_xml(redirect), url="https://x", trusted=True, serial="SN1", anchors=[], nonce=None)
    assert result.redirects == ["https://bs.example:8443", "https://other.example"]


@pytest.mark.parametrize("document", [
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<onboarding-information xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info">&x;</onboarding-information>',
    b'<onboarding-information xmlns="urn:other">x</onboarding-information>',
    b"<not-xml",
    b'<redirect-information xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info"><bootstrap-server>'
    b"<address>h</address><port>99999</port></bootstrap-server></redirect-information>",
    b'<redirect-information xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info"><bootstrap-server>'
    b"<port>1</port></bootstrap-server></redirect-information>",
])
def test_hostile_xml_conveyed_information_is_refused(document):
    with pytest.raises(VerificationError):
        process_output(conveyed_xml(document), url="https://x", trusted=True, serial="SN1", anchors=[], nonce=None)
