"""Wireshark's dissectors as an independent reader of the push: tshark opens the pcap `push build --format
pcap` writes and finds a WSP Push with the DM content type, its SEC and MAC parameters, the
X-Wap-Application-Id syncml.dm, and a WBXML body with the SyncML 1.2 public identifier."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cardboot.push import sec
from cardboot.push.delivery import build_push
from cardboot.push.pcap import pcap
from cardboot.secret import Secret
from tests.push.test_wsp_sms import MESSAGE

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed (install.sh adds it)")


def _fields(path, *names):
    cmd = ["tshark", "-r", str(path), "-T", "fields", "-E", "separator=|"]
    for n in names:
        cmd += ["-e", n]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().split("|")


@pytest.mark.parametrize("method", [sec.NETWPIN, sec.USERPIN, sec.USERNETWPIN, sec.USERPINMAC])
def test_tshark_decodes_the_push(tmp_path, method):
    built = build_push(MESSAGE, method, imsi="001010123456789", pin=Secret("13579"))
    path = tmp_path / "push.pcap"
    path.write_bytes(pcap([built.pdu]))
    pdu_type, ctype, app_id, public_id = _fields(path, "wsp.pdu_type", "wsp.header.content_type",
                                                 "wsp.header.x_wap_application_id", "wbxml.public_id.known")
    assert pdu_type == "0x06" and ctype == "application/vnd.syncml.dm+wbxml"
    assert app_id == "x-wap-application:syncml.dm"
    assert public_id == "0x00001201"  # -//SYNCML//DTD SyncML 1.2//EN
    verbose = subprocess.run(["tshark", "-r", str(path), "-V"], capture_output=True, text=True, timeout=60).stdout
    assert f"SEC: {sec.METHODS[method]} (0x0{method})" in verbose and f"MAC: {built.mac}" in verbose


def test_tshark_decodes_a_cp_push(tmp_path):
    from cardboot.cp.document import from_xml
    from cardboot.cp.wbxml import encode as encode_cp
    from cardboot.push.wsp import CP_WBXML

    body = encode_cp(from_xml(open("tests/data/cp/w7-napdef-proxy.xml", "rb").read()))
    built = build_push(body, sec.NETWPIN, imsi="001010123456789", content_type=CP_WBXML)
    path = tmp_path / "cp.pcap"
    path.write_bytes(pcap([built.pdu]))
    ctype, public_id = _fields(path, "wsp.header.content_type", "wbxml.public_id.known")
    assert ctype == "application/vnd.wap.connectivity-wbxml" and public_id == "0x0000000b"
    verbose = subprocess.run(["tshark", "-r", str(path), "-V"], capture_output=True, text=True, timeout=60).stdout
    # Wireshark's provisioning tables read our attribute page 1 tokens as the standard names them
    assert "type='APPLICATION'" in verbose and "name='PROVIDER-ID'" in verbose and "'com.example.dm'" in verbose
    assert "type='NAPDEF'" in verbose
