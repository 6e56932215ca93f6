"""The WSP push PDU and its SMS, byte for byte: the layout Kannel's Client Provisioning push uses
(push-and-cp.md: ``01 06 <len> 1F 2D B6 91 8s 92 <40 hex> 00``, here with the DM content type C2 and
X-Wap-Application-Id AF 87), uintvars as WSP 8.1.2 gives them, UDHs with the port and concatenation IEs;
reassembly in any order, duplicates, missing and conflicting segments; bad input of every kind is a
typed error (and a fuzz test says so for random bytes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.errors import DecodeError
from cardboot.push import sec
from cardboot.push.delivery import build_push
from cardboot.push.sms import SmsError, deliver_tpdu, parse_tpdu, reassemble, split_push, submit_tpdu
from cardboot.push.wsp import PushPdu, WspError, decode_push, read_uintvar, uintvar

MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", "profiles/vars/example.toml"), "tnds-wbxml"))


@pytest.mark.parametrize("n, raw", [(0, "00"), (0x7F, "7F"), (0x80, "8100"), (0x3FFF, "FF7F"), (0x4000, "818000"),
                                    (0xFFFFFFFF, "8FFFFFFF7F")])
def test_uintvar(n, raw):
    assert uintvar(n) == bytes.fromhex(raw)
    assert read_uintvar(bytes.fromhex(raw), 0) == (n, len(raw) // 2)


def test_bad_uintvars():
    with pytest.raises(WspError, match="longer than 5 octets"):
        read_uintvar(b"\x81\x81\x81\x81\x81\x01", 0)
    with pytest.raises(WspError, match="past the end"):
        read_uintvar(b"\x81", 0)


def test_push_pdu_layout_byte_for_byte():
    mac = "0123456789ABCDEF0123456789ABCDEF01234567"
    pdu = PushPdu(0x42, b"\x02\x00\x00\x6a", tid=1, sec=0, mac=mac).encode()
    expected = bytes.fromhex("0106") + bytes([2 + 45 + 2]) + bytes.fromhex("1F2D") + bytes.fromhex("C29180") + \
        b"\x92" + mac.encode() + b"\x00" + bytes.fromhex("AF87") + b"\x02\x00\x00\x6a"
    assert pdu == expected
    back = decode_push(pdu)
    assert (back.content_type, back.sec, back.mac, back.app_id, back.body) == (0x42, 0, mac, 7, b"\x02\x00\x00\x6a")


def test_single_and_concatenated_sms():
    short = PushPdu(0x42, b"x" * 50).encode()
    [ud] = split_push(short)
    assert ud[:7] == bytes.fromhex("06 0504 0B84 23F0".replace(" ", ""))
    built = build_push(MESSAGE, sec.NETWPIN, imsi="001010123456789")
    assert len(built.deliver) == len(built.submit) == -(-len(built.pdu) // 128)
    first = built.user_data[0]
    assert first[:9] == bytes.fromhex("0B 0504 0B84 23F0 0003".replace(" ", ""))  # UDHL 11, ports, concat IE
    assert (first[9], first[10], first[11]) == (0, len(built.deliver), 1)  # reference, total, sequence
    assert all(len(ud) <= 140 for ud in built.user_data)
    assert built.deliver[0][0] == 0x44 and built.submit[0][0] == 0x41
    assert parse_tpdu(built.submit[1]).seq == 2 and parse_tpdu(built.deliver[2]).kind == "deliver"


def test_reassembly_any_order_duplicates_missing_conflicts():
    built = build_push(MESSAGE, sec.NETWPIN, imsi="001010123456789")
    parts = [(f"s{i}", t) for i, t in enumerate(built.deliver)]
    back = reassemble(parts[::-1] + parts[2:3])
    assert back.pdu == built.pdu and back.duplicates == [3]
    with pytest.raises(SmsError, match="segment\\(s\\) 2 of"):
        reassemble(parts[:1] + parts[2:])
    clash = bytearray(parts[1][1])
    clash[-1] ^= 1
    with pytest.raises(SmsError, match="segment 2 given twice with different content"):
        reassemble(parts + [("x", bytes(clash))])
    other = build_push(MESSAGE, sec.NETWPIN, imsi="001010123456789", reference=9)
    with pytest.raises(SmsError, match="different messages"):
        reassemble(parts + [("y", other.deliver[0])])
    with pytest.raises(SmsError, match="more than a push can take"):
        reassemble(parts * 60)


@pytest.mark.parametrize("raw, reason", [
    ("0106051F03C29580", "unknown well-known parameter 0x15"),
    ("010602FF00", "unknown well-known content type 0x7F"),
    ("0105", "too short"),
    ("01040100AA", "not Push"),
    ("01068FFFFFFFFF7F00", "uintvar longer than 5 octets"),
    ("0106209999", "does not fit"),
    ("0106041F03C291", "content type of 3 bytes runs past"),
    ("0106041F02C29100", "SEC parameter without a short-integer value"),
    ("01060403C29184", "SEC value 4 is none of"),
])
def test_bad_wsp_is_a_typed_error(raw, reason):
    with pytest.raises(WspError, match=reason):
        decode_push(bytes.fromhex(raw))


def test_bad_sms_is_a_typed_error():
    ud = split_push(PushPdu(0x42, b"x" * 10).encode())[0]
    good = deliver_tpdu(ud)
    with pytest.raises(SmsError, match="user data length"):
        parse_tpdu(good + b"\x00")
    with pytest.raises(SmsError, match="not 8-bit data"):
        parse_tpdu(good[:10] + b"\x00" + good[11:])  # DCS (after MTI, 8-byte OA, PID) 00: GSM 7-bit
    with pytest.raises(SmsError, match="no user data header"):
        parse_tpdu(bytes([good[0] & ~0x40]) + good[1:])
    with pytest.raises(SmsError, match="not the WAP push port"):
        reassemble([("x", submit_tpdu(bytes.fromhex("060504 0B85 23F0".replace(" ", "")) + b"x", "+4917"))])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_escape_typed_errors(data):
    for fn in (decode_push, parse_tpdu):
        try:
            fn(data)
        except DecodeError:
            pass


def test_cp_push_has_kannels_layout():
    """push-and-cp.md: Kannel's CP push is `01 06 <uintvar> 1F 2D B6 91 8s 92 <40 hex> 00` then the body."""
    from cardboot.cp.document import from_xml
    from cardboot.cp.wbxml import encode as encode_cp
    from cardboot.push.wsp import CP_WBXML
    from cardboot.secret import Secret

    body = encode_cp(from_xml(open("tests/data/cp/w7-napdef-proxy.xml", "rb").read()))
    built = build_push(body, sec.USERPIN, pin=Secret("1234"), content_type=CP_WBXML, tid=1)
    assert built.pdu[:7] == bytes.fromhex("01 06 2F 1F 2D B6 91".replace(" ", "")) and built.pdu[7] == 0x81
    assert built.pdu[8] == 0x92 and built.pdu[9:49] == built.mac.encode() and built.pdu[49] == 0x00
    assert built.pdu[50:] == body
