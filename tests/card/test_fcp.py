"""FCP decoding (ETSI TS 102 221 11.1.1.3) with vectors built from the spec's tag list."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.card.access_rule import Always, ArrReference, Key, Unknown
from cardboot.card.fcp import decode_fcp
from cardboot.errors import DecodeError, TlvError

# EF.DIR as a typical USIM reports it: linear fixed, 4 records of 38 bytes (82 05 42 21 0026 04),
# FID 2F00, activated (8A 05), referenced security attributes (8B EF.ARR 2F06 record 1), size 152, SFI 1E.
EF_DIR_FCP = bytes.fromhex("621A 8205 4221002604 8302 2F00 8A01 05 8B03 2F0601 8002 0098 8801 F0")

# An ADF with AID, expanded security attributes (AB) and the PIN status template (C6):
# PS_DO 90 01 C0 → first two key references enabled (01 PIN1 and 81 second PIN), 0A ADM1 disabled.
ADF_FCP = bytes.fromhex(
    "62 3A"
    "82 02 7821"
    "83 02 7F50"
    "84 0C A000000063504B43532D3135"
    "8A 01 05"
    "AB 0B 80017F A40683010A950108"
    "C6 0F 900 1C0 95 0108 830101 830181 83010A".replace(" ", "")
    + "81 02 2000".replace(" ", "")
)
# Fix the length bytes computed above
_ADF_BODY = ADF_FCP[2:]
ADF_FCP = bytes([0x62, len(_ADF_BODY)]) + _ADF_BODY

# A transparent EF with compact attributes (8C): AM 03 → update (b2), read (b1): SC 0A (key), 00 (always)
EF_COMPACT = bytes.fromhex("6214 8202 4121 8302 5300 8A01 05 8C03 030A00 8002 1000 8800")


def test_linear_ef_dir():
    info = decode_fcp(EF_DIR_FCP)
    assert info.kind == "EF" and info.fid == 0x2F00
    assert info.structure == "linear" and info.record_size == 0x26 and info.record_count == 4
    assert info.size == 0x98 and info.sfi == 0x1E and info.lifecycle == "activated"
    assert not info.access.resolved and info.access.arr == ArrReference(0x2F06, 1)
    assert info.describe().endswith("EF.ARR 2F06 record 1")


def test_adf_with_pin_status_template():
    info = decode_fcp(ADF_FCP)
    assert info.kind == "ADF" and info.aid == bytes.fromhex("A000000063504B43532D3135")
    assert [(p.key_ref, p.name, p.enabled) for p in info.pins] == [
        (0x01, "PIN1", True), (0x81, "PIN2-APPL1", True), (0x0A, "ADM1", False)]
    assert str(info.access["delete"]) == "ADM1" and str(info.access["create-ef"]) == "ADM1"
    assert info.size == 0x2000


def test_compact_attributes_and_no_sfi():
    info = decode_fcp(EF_COMPACT)
    assert info.structure == "transparent" and info.size == 4096
    assert info.access["update"] == Unknown(b"\x0a", "security condition byte: the key is implicit")
    assert info.access["read"] == Always() and list(info.access) == ["update", "read"]
    assert info.sfi is None  # 88 00: SFI not supported


def test_expanded_attributes_always_never_and_or():
    body = bytes.fromhex("800101 9000 800102 9700 800118 A007 A405 830101 9500")
    fcp_body = bytes.fromhex("82024121 83026F07") + bytes([0xAB, len(body)]) + body + bytes.fromhex("80020009")
    info = decode_fcp(bytes([0x62, len(fcp_body)]) + fcp_body)
    assert str(info.access["read"]) == "ALW" and str(info.access["update"]) == "NEV"
    assert info.access["activate"] == Key(0x01, False, "PIN1") == info.access["deactivate"]


def test_sfi_defaults_to_fid_low_bits():
    info = decode_fcp(bytes.fromhex("620C 82024121 83026F07 80020009"))
    assert info.sfi == 0x07


@pytest.mark.parametrize(
    "hexdata, reason",
    [
        ("6F03 830101", "not an FCP template"),
        ("6204 83023F00", "file descriptor (82) missing"),
        ("6207 820142 8302 3F", "announces"),
        ("6208 820141 83033F0000", "file identifier (83) of 3 bytes"),
        ("6206 8201 47 830100", "unknown EF structure"),
        ("6209 8203 422100 8302 2F00", "record file descriptor"),
        ("6209 82017883027F10C600", "PS_DO"),
    ],
)
def test_malformed(hexdata, reason):
    with pytest.raises(TlvError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        decode_fcp(bytes.fromhex(hexdata), where="SELECT 3F00")


@given(st.binary(max_size=120))
def test_fuzz_random_bytes(data):
    try:
        decode_fcp(data)
    except DecodeError:
        pass


@given(st.binary(max_size=80))
def test_fuzz_inside_an_fcp_template(body):
    try:
        decode_fcp(bytes([0x62, len(body)]) + body)
    except DecodeError:
        pass
