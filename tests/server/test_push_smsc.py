"""`cardboot server push`: a stored device's bootstrap pushed through an SMSC stub on loopback (a
Kannel-style sendsms URL: udh= and text= percent-encoded bytes) and through a command hook; what the stub
received reassembles into a push whose MAC holds. A refusing SMSC is a one-line error naming the segment,
and the gateway's password in the URL never shows."""

from __future__ import annotations

import http.server
import sys
import threading
import urllib.parse

import pytest

from cardboot.push.delivery import verify_push
from cardboot.push.sms import submit_tpdu
from tests.helpers import cli

IMSI = "001010123456789"


@pytest.fixture
def store(tmp_path):
    db = f"sqlite:///{tmp_path / 'devices.sqlite'}"
    r = cli("server", "add-device", "--db", db, "--serial", "SN-1", "--template", "dm-bootstrap", "--vars",
            "profiles/vars/example.toml")
    assert r.returncode == 0, r.stderr
    return db


class _Stub(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 202

    def do_GET(self):  # noqa: N802 - http.server's name
        query = urllib.parse.urlsplit(self.path).query
        fields = {k: urllib.parse.unquote_to_bytes(v) for k, v in (p.split("=", 1) for p in query.split("&"))}
        type(self).received.append(fields)
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"Accepted for delivery")

    def log_message(self, *a):
        pass


@pytest.fixture
def smsc():
    _Stub.received, _Stub.status = [], 202
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_push_through_a_kannel_style_url(store, smsc):
    port = smsc.server_address[1]
    template = (f"http://127.0.0.1:{port}/cgi-bin/sendsms?username=bench&password=s3cret-GW&to={{to}}"
                "&udh={udh}&text={data}&coding=1")
    r = cli("server", "push", "--db", store, "--serial", "SN-1", "--to", "+491720000009", "--imsi", IMSI,
            "--smsc-url-env", "CB_SMSC", env={"CB_SMSC": template})
    assert r.returncode == 0, r.stderr
    assert "in 13 SMS to +491720000009, NETWPIN, accepted by the SMSC" in r.stdout
    got = _Stub.received
    assert len(got) == 13 and all(g["to"] == b"+491720000009" and g["coding"] == b"1" for g in got)
    tpdus = [(f"r{i}", submit_tpdu(g["udh"] + g["text"], "+491720000009")) for i, g in enumerate(got)]
    assert verify_push(tpdus, imsi=IMSI).method == "NETWPIN"
    reports = cli("server", "reports", "--db", store, "--device", "SN-1").stdout
    assert "push-sent" in reports


def test_refusing_smsc_names_the_segment_and_hides_the_password(store, smsc):
    _Stub.status = 403
    template = f"http://127.0.0.1:{smsc.server_address[1]}/sendsms?password=s3cret-GW&udh={{udh}}&text={{data}}"
    r = cli("server", "push", "--db", store, "--serial", "SN-1", "--to", "+4917", "--imsi", IMSI,
            "--smsc-url-env", "CB_SMSC", env={"CB_SMSC": template})
    assert r.returncode == 3 and "answered HTTP 403 to segment 1 of 13 (0 sent before it)" in r.stderr
    assert "s3cret-GW" not in r.stderr + r.stdout


def test_push_through_a_command(store, tmp_path):
    sink = tmp_path / "sent.txt"
    hook = tmp_path / "hook.py"
    hook.write_text("import os, sys\n"
                    f"open({str(sink)!r}, 'a').write(os.environ['CB_SMS_SEQ'] + ' ' + sys.stdin.read())\n")
    r = cli("server", "push", "--db", store, "--serial", "SN-1", "--to", "+4917", "--sec", "USERPIN",
            "--pin-env", "UP", "--smsc-command", f"{sys.executable} {hook}", env={"UP": "2468"})
    assert r.returncode == 0, r.stderr
    lines = sink.read_text().splitlines()
    assert [line.split()[0] for line in lines] == [str(n) for n in range(1, 14)]
    from cardboot.secret import Secret

    tpdus = [(f"c{i}", bytes.fromhex(line.split()[1])) for i, line in enumerate(lines)]
    assert verify_push(tpdus, pin=Secret("2468")).method == "USERPIN"
    r = cli("server", "push", "--db", store, "--serial", "SN-1", "--to", "+4917", "--imsi", IMSI,
            "--smsc-command", f"{sys.executable} -c 'import sys; sys.exit(3)'")
    assert r.returncode == 3 and "exited 3 on segment 1 of 13" in r.stderr


def test_unknown_serial(store):
    r = cli("server", "push", "--db", store, "--serial", "nope", "--to", "+4917", "--imsi", IMSI, "--out", "x")
    assert r.returncode == 2 and "no device nope" in r.stderr
