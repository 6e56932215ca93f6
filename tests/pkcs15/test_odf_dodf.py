"""EF(ODF) and EF(DODF) (PKCS#15 6.1, 6.7) vectors, round trips and fuzzing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.errors import Asn1Error, DecodeError
from cardboot.pkcs15 import DataObject, Pkcs15Path, decode_dodf, decode_odf, encode_dodf, encode_odf

# [7] DODF at 5207 and [8] AODF at 5010 with index 0 / length 64, then FF padding
ODF = \
    bytes.fromhex("A706300404025207" "A80C300A04025010020100800140") + b"\xff" * 8

# opaqueDO label "DM_Bootstrap", flags private+modifiable (03 02 06 C0), authId 01,
# applicationName "OMA DM Bootstrap", [1] { Path 5300 }
DODF_ENTRY = bytes.fromhex(
    "3033" "3015" "0C0C444D5F426F6F747374726170" "030206C0" "040101"
    "3012" "0C104F4D4120444D20426F6F747374726170"
    "A106" "300404025300"
)


def test_odf_vector():
    entries = decode_odf(ODF)
    assert [(e.kind, e.path.path.hex().upper()) for e in entries] == [("DODF", "5207"), ("AODF", "5010")]
    assert entries[1].path.index == 0 and entries[1].path.length == 64
    assert encode_odf(entries) == ODF.rstrip(b"\xff")


def test_odf_unknown_tag_kept():
    data = bytes.fromhex("A9 03 020101 A706300404025207".replace(" ", ""))
    entries = decode_odf(data)
    assert entries[0].kind == "[9]" and entries[0].path is None
    assert encode_odf(entries) == data


def test_dodf_vector():
    [obj] = decode_dodf(DODF_ENTRY + b"\x00" * 5)
    assert obj == DataObject("DM_Bootstrap", True, True, b"\x01", "OMA DM Bootstrap", None,
                             Pkcs15Path(b"\x53\x00"), flags_present=True)
    assert obj.needs_pin
    assert encode_dodf([obj]) == DODF_ENTRY


@pytest.mark.parametrize(
    "data, reason",
    [
        (bytes.fromhex("A706300404025207A7"), "truncated"),
        (bytes.fromhex("3706300404025207"), "not a context-specific"),
        (bytes.fromhex("A7083006040252070500"), "unexpected tag 05"),
    ],
)
def test_odf_errors(data, reason):
    with pytest.raises(Asn1Error, match=reason) as e:
        decode_odf(data)
    assert "EF(ODF)" in str(e.value) and e.value.offset is not None


labels = st.one_of(st.none(), st.text(max_size=20))
paths = st.builds(Pkcs15Path, st.binary(min_size=2, max_size=8).filter(lambda b: len(b) % 2 == 0),
                  st.one_of(st.none(), st.integers(0, 5000)), st.one_of(st.none(), st.integers(0, 5000)))
objects = st.builds(
    DataObject, label=labels, private=st.booleans(), modifiable=st.booleans(),
    auth_id=st.one_of(st.none(), st.binary(min_size=1, max_size=4)), application_name=labels,
    application_oid=st.one_of(st.none(), st.just("2.23.43.1.7")), path=paths,
    form=st.sampled_from(["opaque", "external", "oid"]), oid=st.just("1.2.3.4"))


@given(st.lists(objects, min_size=1, max_size=3))
def test_dodf_round_trip(objs):
    objs = [o if o.form == "oid" else DataObject(**{**o.__dict__, "oid": None}) for o in objs]
    back = decode_dodf(encode_dodf(objs))
    norm = [DataObject(**{**o.__dict__, "flags_present": o.private or o.modifiable}) for o in objs]
    assert back == norm


@given(st.binary(max_size=120))
def test_fuzz_dodf_and_odf(data):
    for decode in (decode_dodf, decode_odf):
        try:
            decode(data)
        except DecodeError:
            pass
