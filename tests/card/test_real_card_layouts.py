"""The card engine on layouts modeled on real cards (profiles/cards/usim-arr.toml, lwm2m.toml,
no-efdir.toml), whose EF.ARR records, FCP references and PKCS#15 files are raw hex from the sources in
real-cards.md, and on SIM layouts written here as raw GET RESPONSE bytes."""

import pytest

import vsim
from cardboot.apdu import Trace
from cardboot.card import connect_card, open_application
from cardboot.card.access_rule import ALWAYS, Key
from cardboot.card.path import CURRENT_ADF, MF
from cardboot.errors import CardFileNotFoundError
from cardboot.transport.virtual import VirtualTransport

PIN1 = Key(0x01, False, "PIN1")
ADM1 = Key(0x0A, True, "ADM1")


def names(trace, start=0):
    return [e.name for e in trace.entries[start:]]


@pytest.mark.parametrize("t0", [False, True], ids=["T=1", "T=0"])
def test_arr_records_are_read_once_per_session(make_card, t0):
    _, _, card, trace = make_card("usim-arr", t0=t0)
    session = open_application(card)
    files = session.files
    # DM_Bootstrap: 8B 06 6F06 01 01 00 02 -> SE00 -> record 2 of the ADF's EF.ARR
    n = trace.count
    rules = files.access_rules((CURRENT_ADF, 0x5300))
    assert rules["read"] == PIN1 and rules["update"] == ADM1 and rules.source == "arr"
    assert names(trace, n).count("READ RECORD") == 1 and "SELECT 6F06" in names(trace, n)
    # the same file again, and another file with the same record: no READ RECORD
    n = trace.count
    assert files.access_rules((CURRENT_ADF, 0x5300)) == rules
    assert names(trace, n) == []
    n = trace.count
    odf = files.access_rules((CURRENT_ADF, 0x5031))  # 6F06 record 1: a new record
    assert odf["read"] == ALWAYS and odf["update"] == ADM1
    assert names(trace, n).count("READ RECORD") == 1
    dodf_n = trace.count
    files.access_rules((CURRENT_ADF, 0x5207))  # 6F06 record 1 again: only the SELECT of 5207
    assert "READ RECORD" not in names(trace, dodf_n)
    session.close()


def test_arr_not_in_the_adf_is_found_in_the_mf(make_card):
    """TS 102 221 9.2.7: TokenInfo references 2F06, which the ADF lacks; the MF's EF.ARR applies."""
    _, _, card, trace = make_card("usim-arr")
    session = open_application(card)
    n = trace.count
    rules = session.files.access_rules((CURRENT_ADF, 0x5032))
    assert rules["read"] == ALWAYS and rules["update"] == ADM1
    assert names(trace, n) == ["SELECT 5032", "SELECT 2F06", "SELECT 3F00/2F06", "READ RECORD"]
    assert [e.sw for e in trace.entries[n:]][1] == 0x6A82  # not in the ADF
    session.close()


def test_every_usim_arr_fcp_is_a_reference(make_card):
    _, _, card, _ = make_card("usim-arr")
    info = card.select((MF, 0x2F00))
    assert not info.access.resolved and str(info.access.arr) == "EF.ARR 2F06 record 1"
    rules = card.access_rules((MF, 0x2F00))
    assert rules.text() == "read ALW update ADM1"


def test_the_application_with_a_longer_aid_from_efdir(make_card):
    _, _, card, trace = make_card("lwm2m")
    session = open_application(card)
    assert session.app.aid == bytes.fromhex("A000000063504B43532D313501020304")
    assert "ADF selected by AID" in session.found_by
    assert any(e.name.startswith("SELECT AID A000000063504B43532D313501020304") for e in trace.entries)
    session.close()


@pytest.mark.parametrize("t0", [False, True], ids=["T=1", "T=0"])
def test_no_efdir_uicc_falls_back_to_the_default_df(make_card, t0):
    _, _, card, trace = make_card("no-efdir", t0=t0)
    session = open_application(card)
    assert session.root == (MF, 0x5015) and session.files is card
    assert session.found_by.startswith("no EF.DIR; SELECT by AID A000000063504B43532D3135: 6A82")
    # the channel opened for the direct SELECT by AID was closed again
    assert "MANAGE CHANNEL close" in names(trace)
    assert card.select(session.path(0x5031)).size == 32


SIM_NO_EFDIR = open("tests/data/sim-no-efdir.toml").read()


def sim_layout(tmp_path, text=SIM_NO_EFDIR):
    p = tmp_path / "sim-layout.toml"
    p.write_text(text)
    vcard = vsim.load_card(str(p))
    t = VirtualTransport(vcard)
    t.connect()
    trace = Trace()
    return vcard, connect_card(t, trace=trace), trace


def test_sim_without_efdir_uses_3f00_5015_and_adm_nibble_4_is_adm(tmp_path):
    _, card, _ = sim_layout(tmp_path)
    session = open_application(card)
    assert session.root == (MF, 0x5015) and "default DF 3F00/5015" in session.found_by
    info = card.select((MF, 0x5015, 0x5300))
    assert info.size == 2048
    assert info.access["update"] == Key(0x04, True, "ADM-level4")
    assert info.access["read"] == ALWAYS


def test_no_pkcs15_anywhere_says_what_was_tried(tmp_path):
    text = SIM_NO_EFDIR.split("[[file]]\npath = \"3F00/5015\"")[0]
    _, card, _ = sim_layout(tmp_path, text)
    with pytest.raises(CardFileNotFoundError, match="no EF.DIR.*3F00/5015: 9404"):
        open_application(card)
