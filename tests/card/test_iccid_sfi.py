"""EF.ICCID by its short file identifier (TS 102 221 13.2: SFI 02): one READ BINARY with P1 = 82 instead of
SELECT + READ BINARY on a UICC; a card whose EF.ICCID has no SFI answers 6A82 and gets the SELECT; a SIM
(no SFI in TS 51.011) is read as before; the dump of a card keeps the SFI so its twin answers alike."""

from __future__ import annotations

import vsim
from cardboot.apdu import Trace
from cardboot.card import connect_card
from cardboot.card.iccid import read_iccid
from cardboot.provision.dump import dump_card, to_layout
from cardboot.transport.virtual import VirtualTransport


def _card(vcard, trace):
    t = VirtualTransport(vcard)
    t.connect()
    return connect_card(t, trace=trace)


def test_uicc_reads_iccid_by_sfi_in_one_apdu():
    trace = Trace(keep=True)
    card = _card(vsim.load_card("uicc"), trace)
    before = trace.count
    assert read_iccid(card) == "8949449999000000028"
    assert [e.name for e in trace.entries[before:]] == ["READ BINARY SFI 02"]
    assert trace.entries[-1].header == bytes.fromhex("00B08200")
    assert card.read_records((0x3F00, 0x2F00))  # the next SELECT goes by path and finds EF.DIR


def test_card_without_the_sfi_gets_the_select():
    text = open("profiles/cards/uicc.toml").read().replace("sfi = 2 ", "# no sfi ")
    vcard = vsim.card_from_profile(vsim.parse_profile(text))
    trace = Trace(keep=True)
    card = _card(vcard, trace)
    before = trace.count
    assert read_iccid(card) == "8949449999000000028"
    names = [e.name for e in trace.entries[before:]]
    assert names[0] == "READ BINARY SFI 02" and trace.entries[before].sw == 0x6A82
    assert names[1:] == ["SELECT 3F00/2FE2", "READ BINARY"]


def test_sim_reads_iccid_with_select():
    trace = Trace(keep=True)
    card = _card(vsim.load_card("sim"), trace)
    before = trace.count
    assert read_iccid(card) == "8949449999000000002"
    assert "READ BINARY SFI 02" not in [e.name for e in trace.entries[before:]]


def test_dump_keeps_the_sfi():
    t = VirtualTransport(vsim.load_card("uicc"))
    t.connect()
    twin = vsim.parse_profile(to_layout(dump_card(connect_card(t), "x")))
    assert twin.mf.children[0x2FE2].sfi == 2
