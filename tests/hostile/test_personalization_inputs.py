"""What a careless user or a hostile card hands pkcs15 init, dump and vsim's TS 102 222: random CREATE
FILE data never breaks the virtual card (always a status word), random layout tables give a typed
ProfileError, a dump of a card with garbage in its PKCS#15 files still completes, a card that answers
CREATE FILE with nonsense is a typed error, and the ADM key never reaches a dump, a plan or an error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vsim
from cardboot.card import connect_card
from cardboot.errors import CardbootError, ProfileError
from cardboot.provision.access import Secrets
from cardboot.provision.dump import dump_card, to_layout
from cardboot.provision.init import InitStepError, init_card
from cardboot.provision.layout import layout_from_doc, load_layout
from cardboot.secret import Secret
from cardboot.transport.virtual import VirtualTransport
from tests.helpers import cli

ADM_APDU = bytes.fromhex("0020000A08" + "38" * 8)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80), st.sampled_from([0xE0, 0xE4, 0x04, 0x44]))
def test_random_admin_commands_always_get_a_status_word(data, ins):
    card = vsim.load_card("blank-uicc")
    card.power_on()
    card.process(ADM_APDU)
    apdu = bytes([0x00, ins, 0, 0]) + (bytes([len(data)]) + data if data else b"")
    out = card.process(apdu)
    assert len(out) == 2  # admin commands return no data: only SW1 SW2
    assert card.process(bytes.fromhex("00A4000C023F00"))[-2:] == b"\x90\x00"  # the card still works


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["update", "efdir", "aid", "label", "odf", "dodf", "tokeninfo", "data", "pin",
                                        "security", "df"]),
                       st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.lists(st.integers(), max_size=3),
                                 st.dictionaries(st.sampled_from(["fid", "size"]), st.one_of(st.text(max_size=6), st.integers()),
                                                 max_size=2)),
                       max_size=6))
def test_random_pkcs15_tables_give_typed_errors(table):
    import tomllib

    doc = tomllib.loads(open("profiles/cards/uicc.toml").read())
    doc["pkcs15"].update(table)  # a valid table with some keys replaced: the checks past "df" are reached
    try:
        layout_from_doc(doc, "fuzz.toml")
    except ProfileError:
        pass


def test_dump_of_a_card_with_garbage_in_its_pkcs15_files():
    card = vsim.load_card("uicc")
    adf = card.mf.children[0x7F50]
    adf.children[0x5031].data[:8] = bytes.fromhex("A7FF300404025207")  # a length running past the file
    adf.children[0x5207].data[:4] = bytes.fromhex("3082FFFF")
    t = VirtualTransport(card)
    t.connect()
    dump = dump_card(connect_card(t), "garbage")
    assert (0x3F00, 0x7F50, 0x5031) in dump.files and (0x3F00, 0x7F50, 0x5300) not in dump.files
    twin = vsim.parse_profile(to_layout(dump))
    assert twin.mf.children[0x7F50].children[0x5031].data[:8] == bytes.fromhex("A7FF300404025207")


def test_card_answering_create_with_nonsense_is_a_typed_error():
    card = vsim.load_card("blank-uicc")

    class Nonsense:
        def before(self, c, index, apdu):
            return b"\x6f\x00" if apdu[1] == 0xE0 else None

    card.fault = Nonsense()
    t = VirtualTransport(card)
    t.connect()
    with pytest.raises(InitStepError) as e:
        init_card(connect_card(t), load_layout("uicc"), Secrets(adm=Secret("88888888")))
    assert "6F00" in str(e.value) and "88888888" not in str(e.value) and isinstance(e.value, CardbootError)


def test_adm_key_stays_out_of_plans_errors_and_dumps(tmp_path):
    env = {"CB_ADM": "87654321"}
    r = cli("pkcs15", "init", "--vsim", "blank-uicc", "--layout", "uicc", "--adm-env", "CB_ADM", "--dry-run",
            "--trace", env=env)
    assert r.returncode == 0 and "87654321" not in r.stdout + r.stderr and "3837363534333231" not in r.stdout + r.stderr
    r = cli("pkcs15", "init", "--vsim", "blank-uicc", "--layout", "uicc", "--adm-env", "CB_ADM", "--trace", env=env)
    assert r.returncode == 4 and "wrong ADM1" in r.stderr
    assert "87654321" not in r.stdout + r.stderr and "3837363534333231" not in r.stdout + r.stderr
    out = tmp_path / "d.toml"
    assert cli("dump", "--vsim", "uicc", "--out", str(out)).returncode == 0
    assert "88888888" not in out.read_text()
