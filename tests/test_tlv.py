"""BER-TLV (ISO/IEC 7816-4 5.2) vectors, errors and fuzzing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot import tlv
from cardboot.errors import TlvError


def test_short_and_long_lengths():
    assert tlv.encode(0x80, b"\x01") == bytes.fromhex("800101")
    assert tlv.encode(0x53, bytes(200))[:3] == bytes.fromhex("5381C8")
    assert tlv.encode(0x53, bytes(300))[:4] == bytes.fromhex("53 82 01 2C")
    [t] = tlv.parse(bytes.fromhex("5381C8") + bytes(200))
    assert t.tag == 0x53 and len(t.value) == 200 and t.value_offset == 3


def test_multibyte_tag_and_children_offsets():
    data = bytes.fromhex("9F1F 02 ABCD 62 04 83 02 3F00")
    items = tlv.parse(data)
    assert items[0].tag == 0x9F1F and items[0].value == b"\xab\xcd"
    fcp = items[1]
    assert fcp.constructed
    [fid] = fcp.children()
    assert fid.tag == 0x83 and fid.offset == 7 and fid.value == bytes.fromhex("3F00")


def test_repeated_tags_are_kept():  # C6 repeats 83: the reason pytlv does not fit
    items = tlv.parse(bytes.fromhex("830101 830181 83010A"))
    assert [t.value for t in tlv.find_all(items, 0x83)] == [b"\x01", b"\x81", b"\x0a"]


def test_padding_ends_the_list():
    assert [t.tag for t in tlv.parse(bytes.fromhex("8001 01 FFFF FF"), padding=True)] == [0x80]
    assert [t.tag for t in tlv.parse(bytes.fromhex("8001 01 00 8101 02 FFFF"), padding=True)] == [0x80, 0x81]


@pytest.mark.parametrize(
    "hexdata, reason",
    [
        ("80", "truncated length"),
        ("8005 0102", "announces 5 bytes but only 2 follow"),
        ("8080", "indefinite length"),
        ("8084 01020304", "too long"),
        ("9F", "truncated multi-byte tag"),
        ("9F8181818101 00", "tag longer than 4 bytes"),
    ],
)
def test_malformed_is_typed_and_located(hexdata, reason):
    with pytest.raises(TlvError) as e:
        tlv.parse(bytes.fromhex(hexdata), what="FCP", where="EF 5031")
    assert reason in str(e.value)
    assert "FCP" in str(e.value) and "EF 5031" in str(e.value)
    assert e.value.offset is not None


def test_nesting_depth_is_bounded():
    data = b""
    for _ in range(40):
        data = tlv.encode(0xA0, data)
    node = tlv.parse(data)[0]
    with pytest.raises(TlvError, match="nesting"):
        while True:
            node = node.children()[0]


@given(st.binary(max_size=300))
def test_fuzz_parse_only_raises_tlv_error(data):
    try:
        items = tlv.parse(data, padding=True)
    except TlvError:
        return
    for t in items:
        assert data[t.value_offset : t.value_offset + len(t.value)] == t.value


@given(st.lists(st.tuples(st.sampled_from([0x80, 0x83, 0x9F1F, 0x5F2D]), st.binary(max_size=400)), max_size=5))
def test_round_trip(items):
    data = tlv.encode_many(items)
    assert [(t.tag, t.value) for t in tlv.parse(data)] == items
