"""EF.DIR records as real cards hold them (pySim's tests/card_sanitizer exports, osmocom/pysim commit
597f1e03: each card's `update_record` lines verbatim), decoded by TS 102 221 13.1 / ISO 7816-4 5.2."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.card.efdir import decode_application, decode_efdir, encode_application
from cardboot.errors import TlvError

# Fairwaves-SIM (card_backup_3b9f96801fc78031a073be21136744220610000001a9_...): the 61 length (1D = 29)
# counts one FF after the label: 2+16 (AID) + 2+8 (label) = 28
FAIRWAVES = bytes.fromhex("611d4f10a0000000871002ffffffff890103000050084d54542d5553494dffffffffffffffffffffffff")
# sysmoISIM-SJA5-S17 (card_backup_3b9f96801f878031e073fe211b674a357530350265f8_...): a 73 discretionary DO
SJA5_USIM = bytes.fromhex("61294f10a0000000871002ffffffff890709000050055553696d31730ea00c80011781025f608203454150")
SJA5_ISIM = bytes.fromhex("61194f10a0000000871004ffffffff890709000050054953696d31ffffffffffffffffffffffffffffffff")
# Wavemobile-SIM (card_backup_3b9f95801fc78031e073f62113674d4516004301008f_...): exact length
WAVEMOBILE = bytes.fromhex("61184f10a0000000871002fff359ff89ffffffff50045553494dffffffffffffffffffffffffffff")


def test_padding_inside_the_template_is_padding_with_a_warning():
    app = decode_application(FAIRWAVES, 1)
    assert app.aid == bytes.fromhex("a0000000871002ffffffff8901030000") and app.label == "MTT-USIM"
    assert app.kind == "USIM" and "counts 1 byte(s) of padding" in app.warning


def test_exact_templates_carry_no_warning():
    usim, isim = decode_efdir([SJA5_USIM, SJA5_ISIM, b"\xff" * len(SJA5_USIM)])
    assert (usim.label, isim.label) == ("USim1", "ISim1") and usim.discretionary is not None
    assert not usim.warning and not isim.warning
    wave = decode_application(WAVEMOBILE, 1)
    assert wave.label == "USIM" and not wave.warning


def test_a_tag_where_padding_ends_is_still_read():
    """00 / FF between objects inside the template (ISO 7816-4 5.2), then the label."""
    rec = bytes.fromhex("611A" "4F07A0000000871002" "FF00" "5005" "5553494D31" "FFFFFFFF") + b"\xff" * 6
    app = decode_application(rec, 3)
    assert app.label == "USIM1" and "counts 10 byte(s)" in app.warning  # FF00, FFFFFFFF and 4 of the tail


def test_a_truncated_template_is_still_an_error():
    with pytest.raises(TlvError, match="EF.DIR record 1"):
        decode_application(bytes.fromhex("611d4f10a0000000871002"), 1)


@given(st.binary(min_size=5, max_size=16), st.text(max_size=12), st.integers(0, 8), st.sampled_from([0x00, 0xFF]))
def test_padding_never_changes_what_is_read(aid, label, pad, byte):
    rec = encode_application(aid, label)
    body = rec[2:] + bytes([byte]) * pad
    padded = bytes([0x61, len(body)]) + body
    plain, read = decode_application(rec, 1), decode_application(padded, 1)
    assert (read.aid, read.label) == (plain.aid, plain.label)
    assert bool(read.warning) == (pad > 0)
