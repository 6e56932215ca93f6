"""Real cards' twins (tests/real_cards.py: pySim's public exports, unedited) through pcscd + vpcd at a real
card's pace: cardboot lays out the PKCS#15 application and writes the bootstrap, then OpenSC's pkcs15-tool
— a reader cardboot did not write — finds the application and reads EF DM_Bootstrap's bytes back."""

from __future__ import annotations

import subprocess

import pytest

from cardboot.card import connect_card
from cardboot.provision.access import Secrets
from cardboot.provision.init import init_card
from cardboot.provision.layout import load_layout
from cardboot.provision.write import write_stored
from cardboot.secret import Secret
from tests.helpers import needs_opensc, pkcs15_tool, reader_index
from tests.provision.test_init import MESSAGE
from tests.real_cards import PIN1, real_cards

pytestmark = pytest.mark.pcsc
CARDS = {c.name: c for c in real_cards()}


@needs_opensc
@pytest.mark.parametrize("name", ["sysmoISIM-SJA2", "Fairwaves-SIM", "Wavemobile-SIM"])
def test_opensc_reads_what_cardboot_wrote_on_a_real_cards_twin(vsim_reader_factory, opensc_env, tmp_path, name):
    card = CARDS[name]
    handle = vsim_reader_factory(str(card.layout(tmp_path)), baud=115200)
    secrets = Secrets(pin=Secret(PIN1.decode()), adm=Secret(card.adm1))
    t = handle.transport()
    t.connect()
    try:
        t.hold(10)
        result = init_card(connect_card(t), load_layout("uicc"), secrets, recreate=name == "Fairwaves-SIM")
        assert all(s.done for s in result.steps)
        assert write_stored(connect_card(t), MESSAGE, secrets).verified
    finally:
        t.disconnect()
    idx = reader_index(opensc_env, handle.reader)
    listing = pkcs15_tool(opensc_env, idx, "--list-data-objects")
    assert "Data object 'DM_Bootstrap'" in listing and "3f007f505300" in listing.replace(" ", "").lower()
    out = tmp_path / "dm.bin"
    r = subprocess.run(["pkcs15-tool", "--reader", idx, "--read-data-object", "DM_Bootstrap", "--output", str(out)],
                       capture_output=True, text=True, env=opensc_env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.read_bytes()[: len(MESSAGE)] == MESSAGE
