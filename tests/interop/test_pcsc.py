"""The virtual cards on the real PC/SC stack: cardboot's PcscTransport, opensc-tool and pcsc_scan
through pcscd + vpcd; fault injection; the state file; several cards at once; ``cardboot vsim serve``."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from cardboot.apdu import Trace
from cardboot.card import connect_card, open_application, read_applications
from cardboot.card.path import MF
from cardboot.errors import CardRemovedError, PinRetryGuardError, WrongPinError
from cardboot.provision.inspect import inspect_card
from cardboot.secret import Secret
from vsim.faults import FaultPlan

pytestmark = pytest.mark.pcsc

DM_BOOTSTRAP = (MF, 0x7F50, 0x5300)


@pytest.mark.parametrize("vsim_reader", [("uicc", False), ("uicc", True), ("sim", False)], indirect=True)
def test_inspect_through_pcscd(vsim_reader):
    transport = vsim_reader.transport()
    transport.connect()
    try:
        card = connect_card(transport)
        assert card.family.value == vsim_reader.profile
        report = inspect_card(card)
        assert report.iccid.startswith("89494499990000000")
        assert [f.role for f in report.pkcs15_files] == ["ODF", "TokenInfo", "DODF", "AODF", "DM_Bootstrap"]
        assert report.bootstrap.size == 4096 and not report.errors
    finally:
        transport.disconnect()


@pytest.mark.parametrize("vsim_reader", ["uicc", "sim"], indirect=True)
def test_write_read_across_boundaries_and_pins(vsim_reader):
    transport = vsim_reader.transport()
    transport.connect()
    try:
        trace = Trace()
        card = connect_card(transport, family=vsim_reader.profile, trace=trace)
        card.verify_pin(0x0A, Secret("88888888"), force=vsim_reader.profile == "sim")
        payload = bytes(range(256)) * 2 + b"end"
        card.write_file(DM_BOOTSTRAP, payload, offset=250)
        assert card.read_binary(250, len(payload)) == payload
        ef = vsim_reader.card.mf.children[0x7F50].children[0x5300]
        assert bytes(ef.data[250 : 250 + len(payload)]) == payload
        if vsim_reader.profile == "uicc":
            session = open_application(card)
            assert session.files.number == 1
            assert session.files.read_file(session.path(0x5031))[:2] == bytes.fromhex("A706")
            session.close()
        else:
            card.select((MF, 0x7F20))
        ref = 0x01
        with pytest.raises(WrongPinError):
            card.verify_pin(ref, Secret("0000"))
        with pytest.raises(WrongPinError):
            card.verify_pin(ref, Secret("0000"))
        with pytest.raises(PinRetryGuardError):
            card.verify_pin(ref, Secret("0000"))
        assert vsim_reader.card.pins[ref].retries == 1
    finally:
        transport.disconnect()


def test_dropped_link_is_card_removed_not_a_hang(vsim_reader_factory):
    handle = vsim_reader_factory("uicc", fault=FaultPlan(drop_after=3))
    transport = handle.transport()
    transport.connect()
    card = connect_card(transport, family="uicc")
    t0 = time.monotonic()
    with pytest.raises(CardRemovedError) as e:
        for _ in range(10):
            card.read_records((MF, 0x2F00))
            card._forget()
    assert time.monotonic() - t0 < 10
    assert "Traceback" not in str(e.value)
    transport.disconnect()


def test_torn_update_keeps_only_the_first_bytes(vsim_reader_factory):
    handle = vsim_reader_factory("uicc")
    transport = handle.transport()
    transport.connect()
    card = connect_card(transport, family="uicc")
    card.verify_pin(0x0A, Secret("88888888"))
    card.select(DM_BOOTSTRAP)
    handle.card.fault = FaultPlan(tear_at=handle.card.apdu_count, tear_keep=4)  # the next APDU
    with pytest.raises(CardRemovedError):
        card.update_binary(0, b"ABCDEFGH")
    ef = handle.card.mf.children[0x7F50].children[0x5300]
    assert bytes(ef.data[:8]) == b"ABCD\xff\xff\xff\xff"
    transport.disconnect()


def test_state_file_survives_the_card(vsim_reader_factory, tmp_path):
    state = tmp_path / "card.json"
    handle = vsim_reader_factory("sim", state_path=state)
    transport = handle.transport()
    transport.connect()
    card = connect_card(transport, family="sim")
    card.verify_pin(0x0A, Secret("88888888"), force=True)
    card.write_file(DM_BOOTSTRAP, b"persisted")
    transport.disconnect()
    vsim_reader_factory.stop(handle)
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    again = vsim_reader_factory("sim", state_path=state)
    t2 = again.transport()
    t2.connect()
    assert connect_card(t2, family="sim").read_file(DM_BOOTSTRAP)[:9] == b"persisted"
    t2.disconnect()


def test_two_cards_in_two_slots(vsim_reader_factory):
    uicc = vsim_reader_factory("uicc", slot=0)
    sim = vsim_reader_factory("sim", slot=1)
    assert uicc.reader != sim.reader
    for handle, family in ((uicc, "uicc"), (sim, "sim")):
        t = handle.transport()
        t.connect()
        card = connect_card(t)
        assert card.family.value == family
        assert read_applications(card)[-1].kind == "PKCS#15"
        t.disconnect()


@pytest.mark.skipif(shutil.which("opensc-tool") is None, reason="opensc-tool not installed")
def test_opensc_tool_sees_the_card(vsim_reader):
    env = dict(os.environ)
    out = subprocess.run(["opensc-tool", "--list-readers"], capture_output=True, text=True, timeout=30, env=env)
    assert vsim_reader.reader in out.stdout
    idx = next(line.split()[0] for line in out.stdout.splitlines() if vsim_reader.reader in line)
    out = subprocess.run(["opensc-tool", "--reader", idx, "-c", "default", "--send-apdu", "00:A4:00:0C:02:2F:E2",
                          "--send-apdu", "00:B0:00:00:0A"], capture_output=True, text=True, timeout=30)
    text = out.stdout.replace(" ", "").upper()
    assert "98944499990000002" in text.replace("\n", "") and "SW1=0X90,SW2=0X00" in text.replace(" ", "")


@pytest.mark.skipif(shutil.which("pcsc_scan") is None, reason="pcsc-tools not installed")
def test_pcsc_scan_lists_the_reader(vsim_reader):
    out = subprocess.run(["pcsc_scan", "-r"], capture_output=True, text=True, timeout=30)
    assert vsim_reader.reader in out.stdout


def test_cardboot_vsim_serve_process(vsim_pcscd, tmp_path):
    from vsim.pcscd import card_present as _present
    from vsim.vpcd import wait_for

    state = tmp_path / "served.json"
    proc = subprocess.Popen([sys.executable, "-m", "vsim", "serve", "--profile", "uicc",
                             "--state", str(state), "--port", str(vsim_pcscd.port)],
                            stderr=subprocess.PIPE, text=True)
    try:
        reader = "Virtual PCD 00 00"
        assert wait_for(lambda: _present(reader), 15), "served card did not appear"
        from cardboot.transport.pcsc import PcscTransport

        t = PcscTransport(reader)
        t.connect()
        card = connect_card(t)
        card.verify_pin(0x0A, Secret("88888888"))
        card.write_file(DM_BOOTSTRAP, b"served")
        t.disconnect()
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
    assert rc == 0
    assert "88888888" not in proc.stderr.read()
    import json

    saved = json.loads(state.read_text())
    assert saved["files"]["3F00/7F50/5300"].startswith(b"served".hex().upper())
    assert wait_for(lambda: not _present("Virtual PCD 00 00"), 10)
