"""WBXML codec (WAP-192-WBXML, OMA-WBXML-1.3) with spec-derived vectors, typed errors and fuzzing."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardboot.errors import WbxmlError, XmlError
from cardboot.wbxml import DMDDF12, NS_DMDDF12, NS_METINF, NS_SYNCML12, SYNCML11, SYNCML12, Element, decode, encode
from cardboot.wbxml.codec import mb_u_int32
from cardboot.wbxml.tables import DMDDF12_PAGE, METINF_PAGE, SYNCML12_PAGE
from cardboot.wbxml.xml import canonical, element_from_xml, parse_xml, to_xml_bytes

# <SyncML><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr><SyncBody><Final/></SyncBody></SyncML> as WBXML 1.2:
# version 02, public id 0x1201 (A4 01), charset 106 (6A), empty string table (00), SyncML|content (6D),
# SyncHdr (6C), VerDTD (71), STR_I "1.2", END, END, SyncBody (6B), Final (12, no content), END, END.
SMALL = bytes.fromhex("02 A4 01 6A 00 6D 6C 71 03 312E32 00 01 01 6B 12 01 01")


def syncml(*children):
    return Element("SyncML", NS_SYNCML12, list(children))


def el(tag, *children, ns=NS_SYNCML12):
    return Element(tag, ns, list(children))


def test_small_vector_both_ways():
    doc = decode(SMALL)
    assert doc.version == 0x02 and doc.language is SYNCML12 and doc.charset == 106
    expected = syncml(el("SyncHdr", el("VerDTD", "1.2")), el("SyncBody", el("Final")))
    assert canonical(doc.root) == canonical(expected)
    assert encode(expected) == SMALL


@pytest.mark.parametrize("value, encoded", [(0, "00"), (0x7F, "7F"), (0x80, "8100"), (0x1201, "A401"),
                                            (0x3FFF, "FF7F"), (0xFFFFFFFF, "8FFFFFFF7F")])
def test_mb_u_int32(value, encoded):
    assert mb_u_int32(value).hex().upper() == encoded


def test_code_page_switch_and_opaque_data():
    tree = syncml(el("SyncBody", el("Add", el("Item", el("Meta", el("Format", "chr", ns=NS_METINF)),
                                              el("Data", "w7")))))
    data = encode(tree)
    # Meta (5A), SWITCH_PAGE 1 (00 01), Format (47), STR_I chr, END, END, SWITCH_PAGE 0, Data (4F) OPAQUE 2 "w7"
    assert bytes.fromhex("5A 00 01 47 03 636872 00 01 01 00 00 4F C3 02 7737 01") in data
    back = decode(data).root
    assert canonical(back) == canonical(tree)


def test_tnds_public_id_is_a_string_table_reference():
    tree = Element("MgmtTree", NS_DMDDF12, [Element("VerDTD", NS_DMDDF12, ["1.2"])])
    data = encode(tree, language=DMDDF12)
    assert data[:4] == bytes.fromhex("02 00 00 6A") and b"-//OMA//DTD-DM-DDF 1.2//EN\x00" in data
    assert data[4 + 1 + 27 : 4 + 1 + 27 + 3] == bytes.fromhex("00 02 60")  # SWITCH_PAGE 2, MgmtTree
    doc = decode(data)
    assert doc.language is DMDDF12 and doc.root.namespace == NS_DMDDF12


@pytest.mark.parametrize("version", [0x01, 0x02, 0x03])
def test_versions_and_string_table(version):
    tree = syncml(el("SyncHdr", el("Target", el("LocURI", "./DMAcc/x")), el("Source", el("LocURI", "./DMAcc/x"))))
    plain = encode(tree, version=version)
    tabled = encode(tree, version=version, string_table=True)
    assert plain[0] == tabled[0] == version
    assert len(tabled) < len(plain) and bytes([0x83]) in tabled  # STR_T used
    assert canonical(decode(tabled).root) == canonical(tree) == canonical(decode(plain).root)


def test_entity_literal_and_str_t_decode():
    # string table "Sync\0" ; body: SyncML, LITERAL_C -> "Sync" , ENTITY 0xE9, END, END
    data = bytes.fromhex("02 A4 01 6A 05 53796E6300 6D 44 00 02 81 69 01 01")
    root = decode(data).root
    inner = root.children[0]
    assert inner.tag == "Sync" and inner.children == ["\u00e9"]


def test_syncml11_language():
    data = encode(Element("SyncML", "SYNCML:SYNCML1.1", [Element("Final", "SYNCML:SYNCML1.1")]))
    assert data[1:3] == bytes.fromhex("9F 53")  # 0x0FD3
    assert decode(data).language is SYNCML11


@pytest.mark.parametrize("data, reason", [
    ("", "truncated: version"),
    ("04 A401 6A 00 6D 01", "not 1.1, 1.2 or 1.3"),
    ("02 A4", "truncated mb_u_int32"),
    ("02 FFFFFFFFFF01 6A 00", "longer than 5 bytes"),
    ("02 A401 6A 05 4142", "string table announces 5 bytes"),
    ("02 A401 6A 00 6D 6C", "not closed"),
    ("02 A401 6A 00 6D 7F 01 01", "unknown tag token 3F on code page 0"),
    ("02 A401 6A 00 00 09 6D 01", "unknown code page 9"),
    ("02 A401 6A 00 6D 83 05 01", "string table reference 5 outside"),
    ("02 A401 6A 00 ED 01 01", "attributes"),
    ("02 A401 6A 00 6D 43 01", "PI, extension or attributes"),
    ("02 A401 6A 00 6D 01 6D 01", "after the root element"),
    ("02 A401 6A 00 01", "END without an open element"),
    ("02 A401 07 00 6D 01", "charset 7 is not supported"),
    ("02 A401 6A 00 6D 03 FF00 01", "not valid utf-8"),
    ("02 A401 6A 00 6D C3 05 4142 01", "opaque data announces 5 bytes"),
    ("02 8F01 6A 00 6D 01", "unknown public identifier"),
    ("02 A401 6A 00 03 4100", "outside the root element"),
])
def test_typed_errors_name_the_offset(data, reason):
    with pytest.raises(WbxmlError, match=reason) as e:
        decode(bytes.fromhex(data), where="EF 5300")
    assert "EF 5300" in str(e.value) and e.value.offset is not None


def test_padding_and_limits():
    assert decode(SMALL + b"\xff" * 30, trailing="padding").end == len(SMALL)
    with pytest.raises(WbxmlError, match="after the root"):
        decode(SMALL + b"\x41", trailing="padding")
    deep = bytes.fromhex("02 A401 6A 00 6D") + b"\x6b" * 100 + b"\x01" * 101
    with pytest.raises(WbxmlError, match="nesting deeper than 64"):
        decode(deep)
    with pytest.raises(WbxmlError, match="exceeds"):
        decode(SMALL, max_size=10)
    with pytest.raises(WbxmlError, match="more than 3 elements"):
        decode(SMALL, max_elements=3)


def test_encoder_refuses_what_wbxml_cannot_say():
    with pytest.raises(WbxmlError, match="no token"):
        encode(syncml(el("Bogus")))
    with pytest.raises(WbxmlError, match="NUL"):
        encode(syncml(el("SyncHdr", el("VerDTD", "a\x00b"))))
    with pytest.raises(WbxmlError, match="namespace"):
        encode(syncml(Element("Foo", "urn:other")))


# --- XML safety ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("xml, reason", [
    ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', "entity"),
    ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aa"><!ENTITY b "&a;&a;&a;">]><a>&b;</a>', "entity"),
    ('<!DOCTYPE a SYSTEM "http://attacker.example/evil.dtd"><a/>', "unknown DTD"),
    ("<a><b></a>", "line"),
    ("", "empty|Document is empty|line"),
])
def test_malicious_or_broken_xml_is_refused(xml, reason):
    with pytest.raises(XmlError, match=reason):
        parse_xml(xml)


def test_syncml_doctype_is_accepted_without_loading_it():
    xml = ('<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/'
           'OMA-TS-SyncML_RepPro_DTD-V1_2.dtd"><SyncML xmlns="SYNCML:SYNCML1.2"><SyncBody><Final/></SyncBody></SyncML>')
    assert element_from_xml(parse_xml(xml)).tag == "SyncML"


def test_xml_round_trip_with_namespaces():
    tree = syncml(el("SyncHdr", el("VerDTD", "1.2")),
                  el("SyncBody", el("Add", el("Item", el("Meta", el("Type", "text/plain", ns=NS_METINF)),
                                                      el("Data", "Ünïcode & <x>"))), el("Final")))
    xml = to_xml_bytes(tree)
    assert b'<Type xmlns="syncml:metinf">text/plain</Type>' in xml
    assert canonical(element_from_xml(parse_xml(xml))) == canonical(tree)


# --- properties -------------------------------------------------------------------------------------------

_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)


def _trees(page, depth=3):
    names = sorted(page.tokens)
    leaf = st.builds(lambda n, t: Element(n, page.namespace, [t] if t else []), st.sampled_from(names), _texts)
    if depth == 0:
        return leaf
    return st.one_of(leaf, st.builds(lambda n, kids: Element(n, page.namespace, kids), st.sampled_from(names),
                                     st.lists(_trees(page, depth - 1), max_size=4)))


@settings(max_examples=150)
@given(st.lists(st.one_of(_trees(SYNCML12_PAGE), _trees(METINF_PAGE, 1), _trees(DMDDF12_PAGE, 2)), max_size=5),
       st.sampled_from([1, 2, 3]), st.booleans(), st.booleans())
def test_random_trees_round_trip(children, version, string_table, opaque):
    tree = Element("SyncML", NS_SYNCML12, children)
    data = encode(tree, version=version, string_table=string_table,
                  opaque_tags=frozenset({"Data"}) if opaque else frozenset())
    assert canonical(decode(data).root) == canonical(tree)


@given(st.binary(max_size=200))
def test_random_bytes_only_raise_wbxml_error(data):
    try:
        decode(data)
    except WbxmlError:
        pass


@given(st.integers(0, len(SMALL) - 1), st.integers(0, 255))
def test_mutated_bytes_only_raise_wbxml_error(pos, value):
    data = bytearray(SMALL)
    data[pos] = value
    try:
        decode(bytes(data))
    except WbxmlError:
        pass
