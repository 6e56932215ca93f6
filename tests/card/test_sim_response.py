"""SIM GET RESPONSE decoding (TS 51.011 9.2.1), byte vectors laid out as the spec's tables."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.card.sim_response import decode_sim_response
from cardboot.errors import DecodeError

# DF.GSM: RFU, free 0x1234, FID 7F20, type 02 (DF), RFU×5, GSM data length 0A, characteristics 91
# (b8=1: CHV1 disabled), 0 DFs, 0x11 EFs, 4 codes, RFU, CHV1 83 (initialised, 3 left), UNBLOCK CHV1 8A,
# CHV2 82, UNBLOCK CHV2 8A, RFU.
DF_GSM = bytes.fromhex("0000 1234 7F20 02 0000000000 0A 91 00 11 04 00 83 8A 82 8A 00")

# EF.ICCID: size 10, FID 2FE2, type 04, RFU, READ ALW / UPDATE NEV (0F), INCREASE NEV (FF),
# REHABILITATE/INVALIDATE ADM (AA), status 01 (not invalidated), 02 more bytes, transparent, 00.
EF_ICCID = bytes.fromhex("0000 000A 2FE2 04 00 0F FF AA 01 02 00 00")

# EF.DIR as a linear fixed file of 2 records × 38 bytes, READ ALW, UPDATE ADM1 (A), record length 26.
EF_DIR = bytes.fromhex("0000 004C 2F00 04 00 0A FF AA 01 02 01 26")


def test_df_with_chv_status():
    info = decode_sim_response(DF_GSM)
    assert info.kind == "DF" and info.fid == 0x7F20
    chv1, chv2 = info.pin(1), info.pin(2)
    assert (chv1.name, chv1.enabled, chv1.retries, chv1.unblock_retries) == ("CHV1", False, 3, 10)
    assert (chv2.name, chv2.enabled, chv2.retries, chv2.unblock_retries) == ("CHV2", True, 2, 10)


def test_mf_type():
    mf = bytearray(DF_GSM)
    mf[4:7] = bytes.fromhex("3F0001")
    assert decode_sim_response(bytes(mf)).kind == "MF"


def test_transparent_ef():
    info = decode_sim_response(EF_ICCID)
    assert (info.kind, info.fid, info.structure, info.size) == ("EF", 0x2FE2, "transparent", 10)
    assert str(info.access["read"]) == "ALW" and str(info.access["update"]) == "NEV"
    assert str(info.access["invalidate"]) == "ADM1" and info.lifecycle == "activated"


def test_linear_ef():
    info = decode_sim_response(EF_DIR)
    assert info.structure == "linear" and info.record_size == 38 and info.record_count == 2
    assert str(info.access["update"]) == "ADM1"


def test_df_without_chv_bytes_still_decodes():
    info = decode_sim_response(DF_GSM[:13])
    assert info.kind == "DF" and info.pins == ()


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x00" * 6, "need at least 7"),
        (bytes.fromhex("0000 000A 2FE2 09"), "unknown type of file 09"),
        (EF_ICCID[:12], "need at least 14"),
        (bytes.fromhex("0000 000A 2FE2 04 00 0F FF AA 01 02 07 00"), "unknown EF structure 07"),
        (bytes.fromhex("0000 004C 2F00 04 00 0A FF AA 01 02 01 00"), "without a record length"),
    ],
)
def test_malformed(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode_sim_response(data, where="3F00/2F00")


@given(st.binary(max_size=40))
def test_fuzz(data):
    try:
        decode_sim_response(data)
    except DecodeError:
        pass
