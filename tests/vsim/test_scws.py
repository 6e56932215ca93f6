"""The card's web server (5.5.7): the EF's bytes up to the padding over TLS, 404 for an empty EF or another
path, 403 for a private object, the state file read per request — checked with curl, a client we did not
write, and with cardboot's device side (``device fetch --scws``), including the TCP/IP variant's host name
(localuicc) checked against the SCWS certificate."""

from __future__ import annotations

import json
import subprocess

import pytest

import vsim
from vsim.scws import ScwsError, ScwsServer, find_bootstrap_ef
from vsim.state import StateKeeper, save_state
from tests.helpers import cli

EXAMPLE_VARS = "profiles/vars/example.toml"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    from cardboot.server.pki import init_pki

    d = tmp_path_factory.mktemp("scws-pki")
    init_pki(d, [], ("localuicc", "127.0.0.1", "::1"))
    other = tmp_path_factory.mktemp("other-pki")
    init_pki(other, [], ("localhost",))
    return d, other


def serve(card, pki, **kw):
    return ScwsServer(card, pki[0] / "server.pem", pki[0] / "server-key.pem", port=0, **kw).start()


def curl(server, pki, path="/OMA/DM/Bootstrap.xml", *extra):
    host, port = server.address
    done = subprocess.run(["curl", "-s", "--cacert", str(pki[0] / "ca.pem"), "-o", "-", "-w", "\n%{http_code} %{content_type}",
                           *extra, f"https://{host}:{port}{path}"], capture_output=True, timeout=30)
    body, _, tail = done.stdout.rpartition(b"\n")
    return body, tail.decode()


def written_card(tmp_path, profile="uicc"):
    state = tmp_path / "card.json"
    done = cli("write", "--vsim", f"{profile}:{state}", "--template", "dm-bootstrap", "--vars", EXAMPLE_VARS,
               "--adm-env", "CB_ADM", env={"CB_ADM": "88888888"})
    assert done.returncode == 0, done.stderr
    return state


def test_the_scws_serves_the_efs_bytes_up_to_the_padding(tmp_path, pki):
    state = written_card(tmp_path)
    card = vsim.load_card("uicc")
    server = serve(card, pki, keeper=StateKeeper(card, state))
    try:
        body, tail = curl(server, pki)
        assert tail == "200 application/vnd.syncml.dm+wbxml"
        read = cli("read", "--vsim", f"uicc:{state}", "--format", "wbxml", "--out", str(tmp_path / "m.wbxml"))
        assert read.returncode == 0
        assert body == (tmp_path / "m.wbxml").read_bytes() and len(body) == 1600
        assert curl(server, pki, "/index.html")[1].startswith("404")
        head = subprocess.run(["curl", "-s", "-I", "--cacert", str(pki[0] / "ca.pem"),
                               f"https://127.0.0.1:{server.address[1]}/OMA/DM/Bootstrap.xml"],
                              capture_output=True, text=True, timeout=30).stdout
        assert "content-length: 1600" in head.lower()
        # the state file is read per request: an erase by another process is what the next GET sees
        assert cli("erase", "--vsim", f"uicc:{state}", "--adm-env", "CB_ADM", env={"CB_ADM": "88888888"}).returncode == 0
        assert curl(server, pki)[1].startswith("404")
    finally:
        server.stop()


def test_a_private_bootstrap_is_not_served_whatever_the_terminal_verified(pki):
    card = vsim.load_card("uicc-private")
    ef = find_bootstrap_ef(card)
    ef.data[:3] = b"\x02\x00\x00"
    card.power_on()
    card.global_verified.add(1)  # the terminal verified PIN1: the SCWS still has no PIN of its own
    server = serve(card, pki)
    try:
        assert curl(server, pki)[1].startswith("403")
    finally:
        server.stop()
    assert card.global_verified == {1}


def test_the_resource_is_the_layouts_dm_bootstrap_or_a_path_given():
    assert find_bootstrap_ef(vsim.load_card("no-efdir")).path_str == "3F00/5015/5300"
    assert find_bootstrap_ef(vsim.load_card("lwm2m")).path_str == "3F00/7F50/5300"
    assert find_bootstrap_ef(vsim.load_card("uicc"), "3f00/7f50/5300").path_str == "3F00/7F50/5300"
    with pytest.raises(ScwsError, match="give its path"):
        find_bootstrap_ef(vsim.load_card("blank-uicc"))
    with pytest.raises(ScwsError, match="no EF 3F00/1234"):
        find_bootstrap_ef(vsim.load_card("uicc"), "3F00/1234")


def test_tls_below_1_2_is_refused(pki):
    server = serve(vsim.load_card("uicc"), pki)
    try:
        done = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.address[1]}", "-tls1_1"],
                              input=b"", capture_output=True, timeout=30)
        assert done.returncode != 0
    finally:
        server.stop()


@pytest.mark.parametrize("transport", ["bip", "tcpip"])
def test_device_fetch_scws_takes_the_bootstrap_to_the_device(tmp_path, pki, transport):
    state = written_card(tmp_path)
    card = vsim.load_card("uicc")
    server = serve(card, pki, keeper=StateKeeper(card, state))
    device = tmp_path / "device.json"
    try:
        done = cli("device", "fetch", "--scws", "--transport", transport, "--scws-address",
                   f"127.0.0.1:{server.address[1]}", "--ca", str(pki[0] / "ca.pem"), "--state", str(device))
        assert done.returncode == 0, done.stderr
        url = {"bip": "https://127.0.0.1:4116", "tcpip": "https://localuicc:443"}[transport]
        assert done.stdout.startswith(f"fetched: 1600-byte bootstrap from {url}/OMA/DM/Bootstrap.xml, valid")
        assert "  added    ./DMAcc/com.example.dm" in done.stdout
        report = cli("conformance", "--device", str(device), "--json")
        status = {i["item"]: i["status"] for i in json.loads(report.stdout)["items"]}
        assert status["DM-BOOT-C-014-O"] == status["DM-BOOT-C-015-O"] == "pass"
        # a card swapped for one whose certificate is not the SCWS's is refused, and nothing is applied
        other = ScwsServer(card, pki[1] / "server.pem", pki[1] / "server-key.pem", port=0, keeper=StateKeeper(card, state)).start()
        try:
            bad = cli("device", "fetch", "--scws", "--transport", transport, "--scws-address",
                      f"127.0.0.1:{other.address[1]}", "--ca", str(pki[0] / "ca.pem"))
            assert bad.returncode == 3 and "certificate does not verify" in bad.stderr
        finally:
            other.stop()
    finally:
        server.stop()


def test_an_empty_card_is_no_bootstrap_and_a_bad_address_is_a_usage_error(tmp_path, pki):
    server = serve(vsim.load_card("uicc"), pki)
    try:
        done = cli("device", "fetch", "--scws", "--scws-address", f"127.0.0.1:{server.address[1]}",
                   "--ca", str(pki[0] / "ca.pem"))
        assert done.returncode == 5 and "no bootstrap on the card (404)" in done.stderr
    finally:
        server.stop()
    bad = cli("device", "fetch", "--scws", "--scws-address", "127.0.0.1:99999", "--ca", str(pki[0] / "ca.pem"))
    assert bad.returncode == 2 and "1..65535" in bad.stderr


def test_vsim_scws_command_serves_until_sigterm(tmp_path, pki):
    import signal
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "vsim", "scws", "--profile", "uicc", "--port", "0",
                             "--cert", str(pki[0] / "server.pem"), "--key", str(pki[0] / "server-key.pem")],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert line.startswith("vsim: SCWS of uicc on https://127.0.0.1:"), line
        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
