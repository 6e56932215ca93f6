"""The Client Provisioning WBXML codec: byte vectors for the header, attribute start / value tokens and
the attribute page switch (APPLICATION is on page 1, NAPDEF on page 0 with the same token 0x55);
round trips; malformed input is a typed error, for random bytes too."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardboot.cp.document import Characteristic, CpDocument, CpError, from_xml, to_xml
from cardboot.cp.wbxml import decode, encode, looks_like_cp
from cardboot.errors import DecodeError

DOC = "tests/data/cp/w7-napdef-proxy.xml"


def test_header_and_tokens_byte_for_byte():
    doc = CpDocument("1.0", [Characteristic("NAPDEF", [("NAPID", "X"), ("NAP-ADDRTYPE", "APN")]),
                             Characteristic("APPLICATION", [("APPID", "w7")])])
    assert encode(doc) == bytes.fromhex(
        "03 0B 6A 00"            # WBXML 1.3, PROV 1.0, UTF-8, no string table
        "C5 46 01"               # wap-provisioningdoc version="1.0"
        "C6 55 01"               # characteristic type="NAPDEF" (page 0)
        "87 11 06 03 58 00 01"   # parm name="NAPID" value="X"
        "87 09 06 89 01"         # parm name="NAP-ADDRTYPE" value=APN (value token 89)
        "01"                     # end characteristic
        "C6 00 01 55 01"         # SWITCH_PAGE 1, type="APPLICATION" (0x55 on page 1)
        "87 36 06 03 77 37 00 01"  # parm name="APPID" (page 1) value="w7"
        "01 01".replace(" ", ""))
    assert decode(encode(doc)) == doc and looks_like_cp(encode(doc))


def test_round_trip_of_a_real_world_shaped_document():
    doc = from_xml(open(DOC, "rb").read())
    for version in (1, 2, 3):
        assert decode(encode(doc, version)) == doc
    assert from_xml(to_xml(doc)) == doc
    assert len(doc.characteristics) == 3 and doc.of_type("APPLICATION")[0].sub("APPAUTH")[1].parm("AAUTHLEVEL") == "CLIENT"


@pytest.mark.parametrize("raw, reason", [
    ("030B6A00C54601C6FF01", "unknown attribute start token FF|unknown attribute value token FF"),
    ("030B6A00C5460108", "token 08 is no PROV tag"),
    ("030B6A00C546", "ends in the middle"),
    ("030C6A00C54601", "public identifier 0x0C is not PROV"),
    ("030B0400C54601", "charset MIBenum 4"),
    ("040B6A00C54601", "version byte 04"),
    ("030B6A00C5460101FF", "1 bytes after the root element"),
    ("030B6A00C546010300", "text inside wap-provisioningdoc"),
    ("030B6A00C6550101", "root element is characteristic"),
    ("030B6A00C546018711060341000101", "parm where a characteristic belongs"),
    ("030B6A00C54601C6000701", "attribute code page 7"),
])
def test_malformed_wbxml(raw, reason):
    with pytest.raises(CpError, match=reason):
        decode(bytes.fromhex(raw))


def test_malformed_xml():
    with pytest.raises(DecodeError, match="root element is 'SyncML'"):
        from_xml(b"<SyncML/>")
    with pytest.raises(DecodeError, match="characteristic without a type"):
        from_xml(b"<wap-provisioningdoc><characteristic/></wap-provisioningdoc>")
    with pytest.raises(DecodeError, match="entity"):
        from_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><wap-provisioningdoc/>')


def test_deep_nesting_is_bounded():
    raw = bytes.fromhex("030B6A00C54601") + bytes.fromhex("C65001") * 40 + b"\x01" * 41
    with pytest.raises(CpError, match="deeper than"):
        decode(raw)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=120))
def test_random_bytes_give_typed_errors(data):
    try:
        decode(bytes.fromhex("030B6A00") + data)
    except DecodeError:
        pass
