"""EF(TokenInfo) (PKCS#15 6.9) and EF(AODF) (6.8) vectors, round trips, fuzzing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.errors import Asn1Error, DecodeError
from cardboot.pkcs15 import Pkcs15Path
from cardboot.pkcs15.aodf import PIN_FLAGS, PIN_TYPES, PinObject, RawAuthObject, decode_aodf, encode_aodf, pin_for
from cardboot.pkcs15.tokeninfo import TOKEN_FLAGS, TokenInfo, decode_tokeninfo, encode_tokeninfo

# SEQUENCE { version 0, serialNumber 0102, manufacturerID "cardboot", [0] "DM bootstrap",
#            tokenflags BIT STRING { loginRequired } }
TOKENINFO = bytes.fromhex("3023 020100 04020102 0C0863617264626F6F74 800C444D20626F6F747374726170 03020640")

# PIN object: label "PIN1", authId 01, pinFlags local+initialized+needs-padding (03 02 02 4C),
# ascii-numeric, min 4, stored 8, max 8, [0] reference 01, padChar FF, path 3F00
AODF = bytes.fromhex(
    "302D 3006 0C0450494E31 3003 040101 A11E 301C 0302024C 0A0101 020104 020108 020108 800101 0401FF"
    " 3004 04023F00")


def test_tokeninfo_vector():
    ti = decode_tokeninfo(TOKENINFO + b"\xff" * 4)
    assert ti == TokenInfo(b"\x01\x02", 0, "cardboot", "DM bootstrap", frozenset({"loginRequired"}))
    assert encode_tokeninfo(ti) == TOKENINFO


def test_tokeninfo_keeps_fields_it_does_not_model():
    extra = bytes.fromhex("1302656E")  # preferredLanguage "en"
    body = TOKENINFO[2:] + extra
    data = bytes([0x30, len(body)]) + body
    ti = decode_tokeninfo(data)
    assert ti.raw_tail == extra and encode_tokeninfo(ti) == data


def test_aodf_vector_and_pin_lookup():
    [pin] = decode_aodf(AODF)
    assert pin == PinObject("PIN1", b"\x01", 1, frozenset({"local", "initialized", "needs-padding"}),
                            "ascii-numeric", 4, 8, 8, b"\xff", Pkcs15Path(b"\x3f\x00"))
    assert encode_aodf([pin]) == AODF
    assert pin_for([pin], b"\x01") is pin and pin_for([pin], b"\x02") is None and pin_for([pin], None) is None


def test_aodf_keeps_other_authentication_objects():
    other = bytes.fromhex("A003020101")  # biometricTemplate-like [0] entry
    objs = decode_aodf(other + AODF)
    assert isinstance(objs[0], RawAuthObject) and encode_aodf(objs) == other + AODF


@pytest.mark.parametrize("data, what", [(b"", "empty"), (bytes.fromhex("3003020100"), "required fields are missing")])
def test_tokeninfo_errors(data, what):
    with pytest.raises(Asn1Error, match=what):
        decode_tokeninfo(data)


tokeninfos = st.builds(TokenInfo, serial=st.binary(min_size=1, max_size=10), version=st.integers(0, 3),
                       manufacturer=st.one_of(st.none(), st.text(max_size=12)),
                       label=st.one_of(st.none(), st.text(max_size=12)),
                       flags=st.frozensets(st.sampled_from(TOKEN_FLAGS)))
pins = st.builds(PinObject, label=st.one_of(st.none(), st.text(max_size=8)), auth_id=st.binary(min_size=1, max_size=4),
                 reference=st.integers(0, 0x8E), flags=st.frozensets(st.sampled_from(PIN_FLAGS)),
                 pin_type=st.sampled_from(PIN_TYPES), min_length=st.integers(0, 16),
                 stored_length=st.integers(0, 16), max_length=st.one_of(st.none(), st.integers(0, 16)),
                 pad_char=st.one_of(st.none(), st.binary(min_size=1, max_size=1)),
                 path=st.one_of(st.none(), st.builds(Pkcs15Path, st.just(b"\x3f\x00\x7f\x50"))),
                 object_flags=st.frozensets(st.sampled_from(("private", "modifiable"))))


@given(tokeninfos)
def test_tokeninfo_round_trip(ti):
    assert decode_tokeninfo(encode_tokeninfo(ti)) == ti


@given(st.lists(pins, min_size=1, max_size=3))
def test_aodf_round_trip(objs):
    assert decode_aodf(encode_aodf(objs)) == objs


@given(st.binary(max_size=100))
def test_fuzz(data):
    for decode in (decode_tokeninfo, decode_aodf):
        try:
            decode(data)
        except DecodeError:
            pass
