"""The SIM engine against the in-process virtual SIM (TS 51.011; OMA DM Bootstrap D.2)."""

import pytest

from cardboot.card import SimCard, connect_card, open_application, read_applications
from cardboot.card.path import MF
from cardboot.card.sim import sim_select_steps
from cardboot.errors import (CardFileNotFoundError, PinBlockedError, PinRetryGuardError, SecurityStatusError,
                             UsageError, WrongPinError)
from cardboot.secret import Secret

GSM, PKCS15 = 0x7F20, 0x7F50


def names(trace, start=0):
    return [e.name for e in trace.entries[start:]]


@pytest.mark.parametrize(
    "current, target, steps",
    [
        ((MF,), (MF, 0x2F00), [0x2F00]),
        ((MF,), (MF, PKCS15, 0x5031), [PKCS15, 0x5031]),
        ((MF, PKCS15), (MF, PKCS15, 0x5207), [0x5207]),
        ((MF, GSM), (MF, PKCS15, 0x5031), [PKCS15, 0x5031]),  # sibling DF, no detour over the MF
        ((MF, GSM, 0x5F3A), (MF, PKCS15, 0x5031), [MF, PKCS15, 0x5031]),
        ((MF, PKCS15), (MF, 0x2F00), [MF, 0x2F00]),
        ((MF, PKCS15), (MF, PKCS15), [PKCS15]),
        ((MF, PKCS15), (MF,), [MF]),
        (None, (MF, PKCS15, 0x5031), [MF, PKCS15, 0x5031]),
    ],
)
def test_fewest_selects(current, target, steps):
    assert sim_select_steps(current, target) == steps


def test_detected_as_sim_after_one_rejected_uicc_select(make_card):
    vcard, transport, _, _ = make_card("sim")
    from cardboot.apdu import Trace

    trace = Trace()
    card = connect_card(transport, trace=trace)
    assert isinstance(card, SimCard)
    assert [(e.name, f"{e.sw:04X}") for e in trace] == [("SELECT 2F00", "6E00")]


def test_indirect_selection_of_the_pkcs15_df(sim):
    _, _, card, trace = sim
    apps = read_applications(card)
    assert [(a.kind, a.path) for a in apps] == [("PKCS#15", (MF, PKCS15))]
    n = trace.count
    session = open_application(card, apps=apps)
    assert session.files is card and session.root == (MF, PKCS15)
    # D.2.1: SELECT 7F50 by the EF.DIR path, no GET RESPONSE for the DF
    assert names(trace, n) == ["SELECT 3F00", "SELECT 7F50"] or names(trace, n) == ["SELECT 7F50"]
    info = card.select(session.path(0x5031))
    assert info.size == 32 and str(info.access["read"]) == "ALW" and str(info.access["update"]) == "ADM1"
    assert card.read_binary()[:8] == bytes.fromhex("A706300404025207")


def test_intermediate_dfs_skip_get_response(sim):
    _, _, card, trace = sim
    n = trace.count
    card.select((MF, GSM, 0x6F07))
    got = names(trace, n)
    assert got.count("GET RESPONSE") == 1 and got[-1] == "GET RESPONSE"
    n = trace.count
    card.select((MF, PKCS15, 0x5031))
    assert names(trace, n) == ["SELECT 7F50", "SELECT 5031", "GET RESPONSE"]
    n = trace.count
    card.select((MF, PKCS15, 0x5031))
    assert trace.count == n


def test_read_and_write_across_boundaries(sim):
    vcard, _, card, trace = sim
    card.verify_pin(0x0A, Secret("88888888"), force=True)  # a SIM does not expose the ADM counter
    data = bytes(range(256)) * 3
    card.write_file((MF, PKCS15, 0x5300), data[:700], offset=100)
    assert card.read_binary(100, 700) == data[:700]
    n = trace.count
    assert card.read_binary() [100:800] == data[:700]
    assert names(trace, n) == ["READ BINARY"] * 16


def test_chv1_counts_down_and_blocks(sim):
    _, _, card, trace = sim
    card.select((MF, GSM))
    assert card.pin_retries(1) == 3
    with pytest.raises(WrongPinError) as e:
        card.verify_pin(1, Secret("0000"))
    assert e.value.retries_left == 2 and e.value.pin_name == "CHV1"
    with pytest.raises(WrongPinError):
        card.verify_pin(1, Secret("0000"))
    with pytest.raises(PinRetryGuardError):
        card.verify_pin(1, Secret("0000"))
    with pytest.raises(PinBlockedError):
        card.verify_pin(1, Secret("0000"), force=True)
    with pytest.raises(PinBlockedError):
        card.verify_pin(1, Secret("1234"), force=True)


def test_adm_needs_force_on_a_sim(sim):
    _, _, card, trace = sim
    n = trace.count
    with pytest.raises(PinRetryGuardError, match="does not tell"):
        card.verify_pin(0x0A, Secret("88888888"))
    assert trace.count == n


def test_update_without_adm_is_refused(sim):
    _, _, card, _ = sim
    with pytest.raises(SecurityStatusError, match="9804"):
        card.write_file((MF, PKCS15, 0x5300), b"x")


def test_missing_file_and_no_adf(sim):
    _, _, card, _ = sim
    with pytest.raises(CardFileNotFoundError, match="3F00/7F50/5999"):
        card.select((MF, PKCS15, 0x5999))
    # after a failed walk the engine starts again from the MF
    assert card.select((MF, PKCS15, 0x5031)).fid == 0x5031
    with pytest.raises(UsageError, match="no ADF"):
        card.select((0x7FFF, 0x5031))


def test_read_records_of_efdir(sim):
    _, _, card, _ = sim
    records = card.read_records((MF, 0x2F00))
    assert records[0][:2] == bytes.fromhex("6120")
