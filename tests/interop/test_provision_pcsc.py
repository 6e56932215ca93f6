"""Provisioning through pcscd + vpcd: write → read → verify on the virtual SIM and UICC as real readers,
a card pulled during the write, and the command line against the reader."""


import time

import pytest

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.card import connect_card
from cardboot.cli.main import main
from cardboot.errors import CardIOError, CardRemovedError
from cardboot.provision.access import Secrets
from cardboot.provision.read import read_stored
from cardboot.provision.write import write_stored
from cardboot.secret import Secret
from vsim.faults import FaultPlan

pytestmark = pytest.mark.pcsc
VARS = "profiles/vars/example.toml"
MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", VARS), "tnds-wbxml"))


def secrets(profile):
    return Secrets(pin=Secret("1234"), adm=Secret("88888888"), force=profile.startswith("sim"))


@pytest.mark.parametrize("profile", ["uicc", "sim", "uicc-private", "sim-private"])
def test_write_read_verify_through_pcscd(vsim_reader_factory, profile):
    handle = vsim_reader_factory(profile)
    t = handle.transport()
    t.connect()
    try:
        card = connect_card(t)
        assert write_stored(card, MESSAGE, secrets(profile)).verified
        stored = read_stored(card, secrets(profile))
        assert stored.data == MESSAGE and not stored.findings
    finally:
        t.disconnect()
    assert bytes(handle.card.mf.children[0x7F50].children[0x5300].data[: len(MESSAGE)]) == MESSAGE


@pytest.mark.parametrize("where", [5, 16, 24])  # during the lookup, the UPDATEs, the read-back
def test_card_pulled_during_write_through_pcscd(vsim_reader_factory, where):
    handle = vsim_reader_factory("uicc")
    handle.card.fault = FaultPlan(drop_after=handle.card.apdu_count + where)
    t = handle.transport()
    t.connect()
    with pytest.raises(CardRemovedError):
        write_stored(connect_card(t), MESSAGE, secrets("uicc"))
    t.disconnect()
    handle.card.fault = None
    from vsim.vpcd import wait_for

    before = handle.server.connections
    assert wait_for(lambda: handle.server.connections > before - 1 and handle.server.connected.is_set(), 10)
    # pcscd notices the card coming back on its next poll: retry until the reader answers, as a user would
    deadline = time.monotonic() + 15
    while True:
        t = handle.transport()
        try:
            t.connect()
            card = connect_card(t)
            break
        except CardIOError:
            t.disconnect()
            assert time.monotonic() < deadline, "the card did not come back"
            time.sleep(0.2)
    assert write_stored(card, MESSAGE, secrets("uicc")).verified
    t.disconnect()


def test_command_line_against_the_reader(vsim_reader_factory, tmp_path, capsys, monkeypatch):
    handle = vsim_reader_factory("uicc")
    monkeypatch.setenv("TEST_ADM", "88888888")
    assert main(["write", "--reader", handle.reader, "--template", "dm-bootstrap", "--vars", VARS,
                 "--adm-env", "TEST_ADM"]) == 0
    assert "verified" in capsys.readouterr().out
    out = tmp_path / "m.wbxml"
    assert main(["read", "--reader", handle.reader, "--out", str(out)]) == 0
    assert out.read_bytes() == MESSAGE
    assert main(["verify", "--reader", handle.reader, "--message", str(out)]) == 0
    assert main(["readers", "--json"]) == 0
    assert handle.reader in capsys.readouterr().out
    assert "88888888" not in capsys.readouterr().out
