"""Write → read → verify → erase on the layouts modeled on real cards (usim-arr: EF.ARR everywhere;
lwm2m: a DODF shared with LwM2M and GlobalPlatform objects in their field encodings; no-efdir), in
process under T=0 and T=1; the access rule decides what is verified; errors keep their cause."""

import json

import pytest

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.cli.main import main
from cardboot.errors import DecodeError, SecurityError, StatusWordError
from cardboot.provision.lookup import locate_bootstrap
from cardboot.provision.access import Secrets
from cardboot.provision.inspect import inspect_card
from cardboot.provision.read import read_object, read_stored
from cardboot.provision.write import erase_stored, write_stored
from cardboot.secret import Secret

VARS = "profiles/vars/example.toml"
MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", VARS), "tnds-wbxml"))
SMALL = encode_message(build_message(load_bootstrap("dmacc-only", VARS), "tnds-wbxml"))
BOTH = Secrets(pin=Secret("1234"), adm=Secret("88888888"))
EF_OF = {"usim-arr": (0x7F50, 0x5300), "lwm2m": (0x7F50, 0x5300), "no-efdir": (0x5015, 0x5300)}


def bootstrap_ef(vcard, profile):
    df, ef = EF_OF[profile]
    return vcard.mf.children[df].children[ef]


def names(trace, start=0):
    return [e.name for e in trace.entries[start:]]


@pytest.mark.parametrize("t0", [False, True], ids=["T=1", "T=0"])
@pytest.mark.parametrize("profile", ["usim-arr", "lwm2m", "no-efdir"])
def test_write_read_verify_erase(make_card, profile, t0):
    vcard, _, card, trace = make_card(profile, t0=t0)
    n = trace.count
    assert write_stored(card, MESSAGE, BOTH).verified
    steps = names(trace, n)
    first_update = steps.index("UPDATE BINARY")
    assert "VERIFY ADM1" in steps[:first_update]
    ef = bootstrap_ef(vcard, profile)
    assert bytes(ef.data[: len(MESSAGE)]) == MESSAGE
    stored = read_stored(card, BOTH)
    assert stored.data == MESSAGE and not stored.findings
    # a shorter message clears the old tail
    assert write_stored(card, SMALL, BOTH).verified
    assert bytes(ef.data) == SMALL + b"\xff" * (ef.size - len(SMALL))
    erase_stored(card, BOTH)
    assert set(ef.data) == {0xFF}


def test_usim_arr_reads_each_arr_record_once_in_a_write(make_card):
    _, _, card, trace = make_card("usim-arr")
    n = trace.count
    write_stored(card, MESSAGE, BOTH)
    steps = names(trace, n)
    # one READ RECORD of EF.ARR (6F06 record 2, SE00) — EF.DIR's two records are the others
    assert steps.count("READ RECORD") == 3 and steps.count("SELECT 6F06") == 1
    assert steps.index("VERIFY PIN1") < steps.index("VERIFY ADM1") < steps.index("UPDATE BINARY")


def test_usim_arr_private_object_needs_the_pin_and_nothing_is_verified_without_it(make_card):
    _, _, card, trace = make_card("usim-arr")
    n = trace.count
    with pytest.raises(SecurityError, match="needs PIN1"):
        write_stored(card, MESSAGE, Secrets(adm=Secret("88888888")))
    with pytest.raises(SecurityError, match="needs ADM1"):
        write_stored(card, MESSAGE, Secrets(pin=Secret("1234")))
    assert not any(s.startswith("VERIFY") for s in names(trace, n))
    with pytest.raises(SecurityError, match="needs PIN1"):
        read_stored(card, Secrets())


def test_update_never_is_refused_before_any_command(make_card, monkeypatch):
    vcard, _, card, trace = make_card("uicc")
    ef = vcard.mf.children[0x7F50].children[0x5300]
    # a real card's expanded attributes: READ ALW (80 01 01 90 00), UPDATE NEV (80 01 02 97 00)
    ef.security_raw = bytes.fromhex("AB0A" "8001019000" "8001029700")
    n = trace.count
    with pytest.raises(SecurityError, match="never allows it"):
        write_stored(card, MESSAGE, BOTH)
    assert "UPDATE BINARY" not in names(trace, n) and not any(s.startswith("VERIFY") for s in names(trace, n))


def test_or_rule_with_only_an_adm_verifies_adm1(make_card):
    vcard, _, card, trace = make_card("uicc")
    ef = vcard.mf.children[0x7F50].children[0x5300]
    # UPDATE: (PIN1 or ADM1) as an OR template (ISO/IEC 7816-4 table 33); vsim enforces ADM1
    ef.security_raw = bytes.fromhex("AB1A" "8001019000" "800102A010A406830101950108A40683010A950108")
    n = trace.count
    assert write_stored(card, MESSAGE, Secrets(adm=Secret("88888888"))).verified
    assert "VERIFY ADM1" in names(trace, n) and "VERIFY PIN1" not in names(trace, n)


def test_inspect_lwm2m_names_the_objects_and_warns_about_the_raw_entry(make_card):
    _, _, card, _ = make_card("lwm2m")
    report = inspect_card(card, "vsim lwm2m")
    assert [d.title for d in report.dodf] == ["LwM2M Bootstrap", "DM_Bootstrap", "SATSA GTO 1.1"]
    assert report.dodf[0].known_as == "OMA LwM2M bootstrap"
    assert report.bootstrap.data_object.label == "DM_Bootstrap"
    assert len(report.warnings) == 1 and "byte 132" in report.warnings[0]
    assert not report.errors and report.content.status.value == "empty"


def test_read_object_by_oid_and_label(make_card):
    _, _, card, _ = make_card("lwm2m")
    obj = read_object(card, "2.23.43.9.1")
    assert obj.data[:5] == b"LwM2M" and len(obj.data) == 64
    assert read_object(card, "lwm2m bootstrap").location.data_object.oid == "2.23.43.9.1"


@pytest.mark.parametrize("profile", ["uicc", "sim"])
def test_inspect_shows_the_dodf_problem_on_sim_and_uicc_alike(make_card, profile):
    vcard, _, card, _ = make_card(profile)
    df = vcard.mf.children[0x7F50]
    df.children[0x5207].data[:4] = bytes.fromhex("307F0102")  # a DODF whose only entry announces too much
    report = inspect_card(card, profile)
    assert any("EF(DODF)" in w and "announces" in w for w in report.warnings)
    assert any("no DM bootstrap object" in e for e in report.errors)
    assert not any("closed" in e for e in report.errors)
    assert {f.role for f in report.pkcs15_files} >= {"ODF", "TokenInfo", "DODF"}


def test_a_cleanup_error_does_not_replace_the_cause(make_card, monkeypatch):
    vcard, _, card, _ = make_card("uicc")
    vcard.mf.children[0x7F50].children[0x5031].data[:] = b"\xff" * 32  # an ODF without entries

    def broken_close(channel):
        raise StatusWordError("MANAGE CHANNEL close", 0x6F00, "no precise diagnosis")

    monkeypatch.setattr(card, "close_channel", broken_close)
    with pytest.raises(DecodeError, match="no DODF entry"):
        locate_bootstrap(card)


def test_cli_on_the_new_layouts(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("T_ADM", "88888888")
    monkeypatch.setenv("T_PIN", "1234")
    assert main(["inspect", "--vsim", "usim-arr", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    files = {f["role"]: f for f in report["pkcs15"]["files"]}
    assert files["DM_Bootstrap"]["access"]["update"] == {"key": "ADM1", "reference": 10, "adm": True}
    assert files["DM_Bootstrap"]["access"]["arr"] == "EF.ARR 6F06 records SE01: 1, SE00: 2"
    assert report["bootstrap"]["card_access"]["read"]["key"] == "PIN1"
    state = tmp_path / "card.json"
    assert main(["write", "--vsim", f"usim-arr:{state}", "--template", "dm-bootstrap", "--vars", VARS,
                 "--adm-env", "T_ADM", "--pin-env", "T_PIN"]) == 0
    message = tmp_path / "m.wbxml"
    message.write_bytes(MESSAGE)
    assert main(["verify", "--vsim", f"usim-arr:{state}", "--pin-env", "T_PIN", "--message", str(message)]) == 0
    assert main(["erase", "--vsim", f"usim-arr:{state}", "--pin-env", "T_PIN", "--adm-env", "T_ADM"]) == 0
    assert main(["verify", "--vsim", f"usim-arr:{state}", "--pin-env", "T_PIN", "--message", str(message)]) == 6
    capsys.readouterr()
    assert main(["inspect", "--vsim", "lwm2m"]) == 0
    out = capsys.readouterr().out
    assert "[OMA LwM2M bootstrap]" in out and "field encoding accepted: OidDO SEQUENCE kept inside [1]" in out
    assert "Warning     EF(DODF) 7FFF/6430 entry at byte 132 kept raw" in out
    obj = tmp_path / "lwm2m.bin"
    assert main(["read", "--vsim", "lwm2m", "--object", "2.23.43.9.1", "--out", str(obj)]) == 0
    assert obj.read_bytes()[:5] == b"LwM2M" and obj.stat().st_mode & 0o077 == 0
    assert main(["read", "--vsim", "usim-arr", "--object", "DM_Bootstrap"]) == 4
    assert "needs PIN1" in capsys.readouterr().err
    assert main(["read", "--vsim", "lwm2m", "--object", "nosuch"]) == 5
    assert "objects listed: 'LwM2M Bootstrap', 'DM_Bootstrap', 'SATSA GTO 1.1'" in capsys.readouterr().err


def test_sim_adm_nibble_4_takes_the_adm_secret(vsim_card_factory):
    """TS 51.011 9.3: nibble 4 is an ADM level; the ADM value is verified with P2 = 04, never the PIN."""
    from cardboot.apdu import Trace

    v = vsim_card_factory("tests/data/sim-no-efdir.toml")
    trace = Trace()
    vcard, card = v.card, v.connect(trace=trace)
    secrets = Secrets(pin=Secret("1234"), adm=Secret("44444444"), force=True)  # a SIM hides ADM counters
    assert write_stored(card, MESSAGE, secrets).verified
    verify = [e for e in trace.entries if e.name.startswith("VERIFY")]
    assert [e.name for e in verify] == ["VERIFY ADM-level4"] and verify[0].header[3] == 0x04
    assert bytes(vcard.mf.children[0x5015].children[0x5300].data[: len(MESSAGE)]) == MESSAGE


def test_an_object_pointing_outside_its_file_is_a_content_error(make_card):
    vcard, _, card, _ = make_card("lwm2m")
    dodf = vcard.mf.children[0x7F50].children[0x6430]
    # the DM_Bootstrap entry's Path gets index 0 / length 4000 (the EF has 2048 bytes): 30 0B 04 02 5300
    # 02 01 00 80 02 0FA0 inside [1]
    entry = bytes.fromhex("3033300E0C0C444D5F426F6F74737472617030120C104F4D4120444D20426F6F747374726170"
                          "A10D300B04025300020100 8002 0FA0".replace(" ", ""))
    dodf.data[41:41 + len(entry)] = entry
    dodf.data[41 + len(entry):] = b"\xff" * (len(dodf.data) - 41 - len(entry))
    with pytest.raises(DecodeError, match="not inside 7FFF/5300"):
        locate_bootstrap(card)
