"""pkcs15 init on virtual cards in process: blank card -> layout -> write -> read, idempotence, conflicts,
--recreate, dry run, cards that refuse a CREATE FILE, a SIM without CREATE FILE, a DODF shared with another
application. The content init writes is compared with what vsim's own encoders build for the same layout
(vsim.der, not cardboot's), and every file is handed to `openssl asn1parse`."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import vsim
from cardboot.apdu import Trace
from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.card import connect_card
from cardboot.errors import ExitCode, ProfileError, SecurityError
from cardboot.provision.access import Secrets
from cardboot.provision.init import InitStepError, LayoutConflictError, LayoutDoesNotFitError, init_card
from cardboot.provision.layout import load_layout, parse_layout
from cardboot.provision.read import read_stored
from cardboot.provision.write import write_stored
from cardboot.secret import Secret
from cardboot.transport.dryrun import DryRunTransport
from cardboot.transport.virtual import VirtualTransport

ADM = Secrets(adm=Secret("88888888"))
BOTH = Secrets(pin=Secret("1234"), adm=Secret("88888888"))
MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", "profiles/vars/example.toml"), "tnds-wbxml"))
CHANGING = {0xD6, 0xDC, 0xE0, 0xE4, 0x04, 0x44}


def session(vcard, trace=None, dry=False):
    t = VirtualTransport(vcard)
    if dry:
        t = DryRunTransport(t)
    t.connect()
    return connect_card(t, trace=trace), t


def efs(vcard, df=0x7F50) -> dict[int, bytes]:
    return {fid: bytes(n.data) for fid, n in vcard.mf.children[df].children.items() if hasattr(n, "data")}


@pytest.mark.parametrize("blank, layout, df", [("blank-uicc", "uicc", 0x7F50), ("blank-sim", "sim", 0x7F50)])
def test_blank_card_becomes_the_layout_byte_for_byte(blank, layout, df):
    vcard = vsim.load_card(blank)
    card, _ = session(vcard)
    result = init_card(card, load_layout(layout), Secrets(adm=Secret("88888888"), force=blank == "blank-sim"))
    assert result.steps and all(s.done for s in result.steps) and not result.missing
    reference = vsim.load_card(layout)  # the same layout built by vsim's own encoders
    for fid in (0x5031, 0x5032, 0x5012, 0x5207, 0x5300):
        assert efs(vcard, df)[fid] == efs(reference, df)[fid], f"{fid:04X}"
    assert vcard.mf.children[0x2F00].record(1) == reference.mf.children[0x2F00].record(
        2 if layout == "uicc" else 1)  # uicc's record 1 is the USIM's
    card, _ = session(vcard)
    secrets = Secrets(pin=Secret("1234"), adm=Secret("88888888"), force=blank == "blank-sim")
    assert write_stored(card, MESSAGE, secrets).verified
    assert read_stored(session(vcard)[0], secrets).data == MESSAGE


def test_second_run_sends_no_update():
    vcard = vsim.load_card("blank-uicc")
    init_card(session(vcard)[0], load_layout("uicc"), ADM)
    trace = Trace(keep=True)
    result = init_card(session(vcard, trace)[0], load_layout("uicc"), ADM)
    assert result.unchanged and not result.notes
    assert not [e for e in trace.entries if e.header[1] in CHANGING or e.name.startswith("VERIFY ADM")]


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")
def test_openssl_parses_every_file_init_wrote(tmp_path):
    vcard = vsim.load_card("blank-uicc")
    init_card(session(vcard)[0], load_layout("uicc"), ADM)
    for fid in (0x5031, 0x5032, 0x5012, 0x5207):
        data = efs(vcard)[fid]
        f = tmp_path / f"{fid:04X}.der"
        f.write_bytes(data)
        offset = 0
        while data[offset] not in (0x00, 0xFF):  # each top-level object up to the padding (PKCS#15 5.5)
            n = data[offset + 1]
            hl, length = (2, n) if n < 0x80 else (2 + (n & 0x7F), int.from_bytes(data[offset + 2:offset + 2 + (n & 0x7F)], "big"))
            r = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", str(f), "-length", str(hl + length)]
                               + (["-offset", str(offset)] if offset else []), capture_output=True, text=True)
            assert r.returncode == 0 and "error" not in r.stdout, (fid, offset, r.stderr)
            assert re.search(rf"^\s*0:d=0\s+hl={hl} l=\s*{length} cons", r.stdout), r.stdout
            offset += hl + length
        assert offset > 0 and set(data[offset:]) == {0xFF}


def test_dry_run_changes_nothing_and_holds_every_change():
    vcard = vsim.load_card("blank-uicc")
    before = {n.path_str for n in vcard.mf.walk()}
    card, transport = session(vcard, dry=True)
    result = init_card(card, load_layout("uicc"), ADM, dry_run=True)
    assert {n.path_str for n in vcard.mf.walk()} == before and vcard.pins[0x0A].retries == 10
    held = transport.held
    assert [a[1] for a in held].count(0xE0) == 5 and held[0][1] == 0x20  # VERIFY ADM1 first, held
    assert len(result.steps) == 11 and not any(s.done is False for s in result.steps)


def _precreate(vcard, fid: int, size: int):
    """Put a file of the wrong size where the layout wants its ODF (the way another tool left the card)."""
    vcard.power_on()
    for h in ("0020000A08" + "38" * 8, "00A4000C027F50"):
        assert vcard.process(bytes.fromhex(h))[-2:] == b"\x90\x00"
    body = bytes.fromhex(f"82024121 8302{fid:04X} 8A0105 8B032F0601 8002{size:04X} 8800".replace(" ", ""))
    fcp = bytes([0x62, len(body)]) + body
    assert vcard.process(bytes.fromhex("00E00000") + bytes([len(fcp)]) + fcp)[-2:] == b"\x90\x00"
    vcard.power_off()


def test_conflict_is_refused_with_its_differences_then_recreated():
    vcard = vsim.load_card("blank-uicc")
    _precreate(vcard, 0x5031, 16)
    trace = Trace(keep=True)
    with pytest.raises(LayoutConflictError) as e:
        init_card(session(vcard, trace)[0], load_layout("uicc"), ADM)
    assert "EF(ODF) 3F00/7F50/5031: size is 16 bytes on the card, 32 bytes in the layout" in str(e.value)
    assert e.value.exit_code == ExitCode.MISMATCH
    assert not [x for x in trace.entries if x.header[1] in CHANGING or x.name.startswith("VERIFY")]
    result = init_card(session(vcard)[0], load_layout("uicc"), ADM, recreate=True)
    assert [s.action for s in result.steps][:3] == ["record", "delete", "create"]
    assert vcard.mf.children[0x7F50].children[0x5031].size == 32
    assert init_card(session(vcard)[0], load_layout("uicc"), ADM).unchanged


def test_layout_that_does_not_fit_is_refused_before_any_change():
    vcard = vsim.load_card("blank-uicc")
    vcard.profile.memory = 4096  # the card says so in the DF's FCP (A5/83): room for all but EF DM_Bootstrap
    trace = Trace(keep=True)
    with pytest.raises(LayoutDoesNotFitError) as e:
        init_card(session(vcard, trace)[0], load_layout("uicc"), ADM)
    assert "needs 4384 bytes, the card has" in str(e.value) and "DM_Bootstrap 3F00/7F50/5300" in str(e.value)
    assert e.value.exit_code == ExitCode.VALIDATION
    assert not [x for x in trace.entries if x.header[1] in CHANGING or x.name.startswith("VERIFY")]


def test_memory_refusal_names_the_file_and_the_state_left():
    """A card that does not report its memory and answers 6A84 to the last CREATE FILE."""
    vcard = vsim.load_card("blank-uicc")

    class NoRoomForTheMessage:
        def before(self, c, index, apdu):
            return b"\x6a\x84" if apdu[1] == 0xE0 and bytes.fromhex("83025300") in apdu else None

    vcard.fault = NoRoomForTheMessage()
    with pytest.raises(InitStepError) as e:
        init_card(session(vcard)[0], load_layout("uicc"), ADM)
    text = str(e.value)
    assert text.startswith("create DM_Bootstrap 3F00/7F50/5300") and "6A84" in text
    assert "done before it (verified): record EF.DIR" in text and "update EF(DODF)" in text
    assert "not done: blank-check DM_Bootstrap" in text and e.value.exit_code == ExitCode.CARD_IO


def test_create_refused_6982_and_6a89():
    layout_text = open("profiles/cards/uicc.toml").read().replace('update = "ADM1"\n\n[pkcs15.odf]',
                                                                 'update = "PIN1"\n\n[pkcs15.odf]')
    vcard = vsim.load_card("blank-uicc")
    with pytest.raises(InitStepError) as e:  # PIN1 verifies, but CREATE FILE in the ADF needs ADM1
        init_card(session(vcard)[0], parse_layout(layout_text), Secrets(pin=Secret("1234")))
    assert "create EF(ODF)" in str(e.value) and "6982" in str(e.value)
    assert isinstance(e.value.cause, SecurityError) and e.value.exit_code == ExitCode.SECURITY
    vcard = vsim.load_card("blank-uicc")
    card, _ = session(vcard)

    class ExistsOnCreate:
        def before(self, c, index, apdu):
            return b"\x6a\x89" if apdu[1] == 0xE0 else None

    vcard.fault = ExistsOnCreate()
    with pytest.raises(InitStepError) as e:
        init_card(card, load_layout("uicc"), ADM)
    assert "6A89" in str(e.value) and "file ID or application already exists" in str(e.value)


def test_sim_reports_what_it_cannot_create():
    text = open("profiles/cards/sim.toml").read() + '\n[[pkcs15.data]]\nlabel = "extra"\nfid = "5301"\nsize = 64\n'
    vcard = vsim.load_card("blank-sim")
    result = init_card(session(vcard)[0], parse_layout(text), Secrets(adm=Secret("88888888"), force=True))
    assert result.missing == ["extra 3F00/7F50/5301 (transparent, 64 bytes; a SIM has no CREATE FILE)"]
    assert all(s.done for s in result.steps) and efs(vcard)[0x5031] == efs(vsim.load_card("sim"))[0x5031]


# real-cards.md: the Nordic nRF Connect SDK test vector (tests/lib/uicc_lwm2m), OID wrapped twice
NORDIC_LWM2M = bytes.fromhex("A127 3000 3011 0C0F 4C774D324D20426F6F747374726170 A110 300E 0606 0604672B0901"
                             " 3004 04026432".replace(" ", ""))


def test_dodf_of_another_application_is_kept_and_ours_appended():
    vcard = vsim.load_card("blank-uicc")
    _precreate(vcard, 0x5207, 128)
    vcard.mf.children[0x7F50].children[0x5207].data[: len(NORDIC_LWM2M)] = NORDIC_LWM2M
    result = init_card(session(vcard)[0], load_layout("uicc"), ADM)
    dodf = efs(vcard)[0x5207]
    assert dodf.startswith(NORDIC_LWM2M) and efs(vsim.load_card("uicc"))[0x5207].rstrip(b"\xff") in dodf
    assert any("1 entry of the card kept" in n for n in result.notes)
    card, _ = session(vcard)
    assert write_stored(card, MESSAGE, BOTH).verified  # the lookup still finds the DM object after LwM2M's


def test_layout_referencing_an_arr_inside_the_adf():
    """usim-arr's files reference 6F06 inside the ADF: init creates that EF.ARR (records from the layout)
    before the files that point into it, and the card then enforces READ PIN1 on EF DM_Bootstrap."""
    vcard = vsim.load_card("blank-uicc")
    result = init_card(session(vcard)[0], load_layout("usim-arr"), ADM)
    assert result.steps[1].target.startswith("EF.ARR 3F00/7F50/6F06") or any(
        s.target.startswith("EF.ARR") for s in result.steps)
    dm = vcard.mf.children[0x7F50].children[0x5300]
    assert dm.security_raw == bytes.fromhex("8B066F0601010002")
    card, _ = session(vcard)
    with pytest.raises(SecurityError):
        read_stored(card, Secrets())  # private object: needs PIN1
    assert write_stored(session(vcard)[0], MESSAGE, BOTH).verified


def test_bad_layouts_are_typed_errors():
    with pytest.raises(ProfileError, match="no \\[pkcs15\\] table"):
        load_layout("blank-uicc")
    too_small = open("profiles/cards/uicc.toml").read().replace('fid = "5207"\nsize = 128', 'fid = "5207"\nsize = 8')
    with pytest.raises(ProfileError, match="encoded DODF is 46 bytes, more than size 8"):
        parse_layout(too_small)
    with pytest.raises(ProfileError, match="names no \\[\\[pin\\]\\]"):
        parse_layout(open("profiles/cards/uicc.toml").read().replace('update = "ADM1"\n\n[pkcs15.odf]',
                                                                     'update = "ADM9"\n\n[pkcs15.odf]'))


def test_deactivated_file_is_activated_and_filled():
    vcard = vsim.load_card("blank-uicc")
    init_card(session(vcard)[0], load_layout("uicc"), ADM)
    odf = vcard.mf.children[0x7F50].children[0x5031]
    odf.lifecycle, odf.data[:] = 0x04, b"\xff" * 32
    result = init_card(session(vcard)[0], load_layout("uicc"), ADM)
    assert [s.action for s in result.steps] == ["activate", "update"]
    assert odf.lifecycle == 0x05 and bytes(odf.data) == efs(vsim.load_card("uicc"))[0x5031]


def test_a_dodf_entry_for_the_same_file_that_says_something_else():
    """The card lists EF 5300 as a private object; the layout as a public one: a conflict (two entries for one
    EF would leave the bootstrap to their order), and --recreate replaces the card's entry."""
    from cardboot.pkcs15.dodf import DataObject, encode_dodf, read_dodf
    from cardboot.pkcs15.path import Pkcs15Path

    vcard = vsim.load_card("blank-uicc")
    _precreate(vcard, 0x5207, 128)
    theirs = encode_dodf([DataObject("DM_Bootstrap", True, True, b"\x01", "OMA DM Bootstrap",
                                     path=Pkcs15Path(b"\x53\x00"))])
    vcard.mf.children[0x7F50].children[0x5207].data[:len(theirs)] = theirs
    with pytest.raises(LayoutConflictError, match="entry at byte 0 for 5300"):
        init_card(session(vcard)[0], load_layout("uicc"), ADM)
    result = init_card(session(vcard)[0], load_layout("uicc"), ADM, recreate=True)
    objs, _ = read_dodf(efs(vcard)[0x5207])
    assert [o.needs_pin for o in objs] == [False] and any("replaced" in str(d) for d in result.recreated)
