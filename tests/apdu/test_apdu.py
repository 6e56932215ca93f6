"""APDU encoding (ISO/IEC 7816-3 12.1), status words (TS 102 221 10.2, TS 51.011 9.4) and the T=0
procedure handled in one place (61xx, 9Fxx, 6Cxx)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.apdu import ApduExchange, CardFamily, CommandApdu, ResponseApdu, Trace, sw_meaning
from cardboot.apdu.status import is_success
from cardboot.errors import ApduFormatError, CardFileNotFoundError, SecurityStatusError, StatusWordError
from cardboot.transport.base import Transport


class Scripted(Transport):
    """A transport that answers from a script and records what it was sent."""

    def __init__(self, answers):
        self.answers = [bytes.fromhex(a) for a in answers]
        self.sent = []

    def connect(self): ...
    def disconnect(self): ...
    def reset(self): return b"\x3b\x00"
    @property
    def atr(self): return b"\x3b\x00"

    def transmit(self, apdu):
        self.sent.append(apdu.hex().upper())
        return self.answers.pop(0)


@pytest.mark.parametrize(
    "cmd, expected, case",
    [
        (CommandApdu(0x00, 0x70, 0x80, 0x01), "00708001", 1),
        (CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256), "00B0000000", 2),
        (CommandApdu(0xA0, 0xA4, 0x00, 0x00, b"\x7f\x20"), "A0A40000027F20", 3),
        (CommandApdu(0x01, 0xA4, 0x04, 0x04, bytes.fromhex("A000000063"), le=256), "01A4040405A00000006300", 4),
    ],
)
def test_cases_encode_and_parse(cmd, expected, case):
    assert cmd.to_bytes().hex().upper() == expected
    assert cmd.case == case
    back = CommandApdu.from_bytes(cmd.to_bytes())
    assert (back.header, back.data, back.le) == (cmd.header, cmd.data, cmd.le)


def test_bad_apdus_are_typed():
    with pytest.raises(ApduFormatError):
        CommandApdu(0x00, 0xD6, 0, 0, bytes(256))
    with pytest.raises(ApduFormatError):
        CommandApdu.from_bytes(b"\x00\xa4")
    with pytest.raises(ApduFormatError):
        CommandApdu.from_bytes(bytes.fromhex("00A4000005 3F00"))
    with pytest.raises(ApduFormatError):
        ResponseApdu.from_bytes(b"\x90")


@given(st.binary(max_size=270))
def test_fuzz_parse_command(raw):
    try:
        cmd = CommandApdu.from_bytes(raw)
    except ApduFormatError:
        return
    assert cmd.to_bytes() == raw or raw[4:5] == b"\x00"


def test_status_meanings_from_both_tables():
    assert "file" in sw_meaning(0x6A82, CardFamily.UICC).lower()
    assert "retries" in sw_meaning(0x63C2, CardFamily.UICC).lower() or "2" in sw_meaning(0x63C2, CardFamily.UICC)
    assert "not found" in sw_meaning(0x9404, CardFamily.SIM).lower() or "file" in sw_meaning(0x9404, CardFamily.SIM).lower()
    assert is_success(0x9000, CardFamily.SIM) and not is_success(0x9804, CardFamily.SIM)


def test_61xx_get_response_uses_command_cla():
    t = Scripted(["6110", "00112233445566778899AABBCCDDEEFF 9000"])
    ex = ApduExchange(t, CardFamily.UICC)
    resp = ex.send(CommandApdu(0x41, 0xA4, 0x00, 0x04, b"\x2f\x00", le=256))
    assert t.sent[1] == "41C0000010"
    assert len(resp.data) == 16 and resp.sw == 0x9000


def test_61xx_chains_until_done():
    t = Scripted(["6102", "AABB 6101", "CC 9000"])
    resp = ApduExchange(t, CardFamily.UICC).send(CommandApdu(0, 0xF2, 0, 0, le=256))
    assert resp.data == bytes.fromhex("AABBCC")


def test_6cxx_resends_with_le():
    t = Scripted(["6C04", "01020304 9000"])
    resp = ApduExchange(t, CardFamily.UICC).send(CommandApdu(0, 0xB0, 0, 0, le=256))
    assert t.sent == ["00B0000000", "00B0000004"] and resp.data == bytes(range(1, 5))


def test_9fxx_sim_fetches_or_not():
    t = Scripted(["9F0F", "00" * 15 + "9000", "9F17"])
    ex = ApduExchange(t, CardFamily.SIM)
    resp = ex.send(CommandApdu(0xA0, 0xA4, 0, 0, b"\x2f\xe2"))
    assert t.sent[1] == "A0C000000F" and len(resp.data) == 15
    resp = ex.send(CommandApdu(0xA0, 0xA4, 0, 0, b"\x7f\x20"), fetch_response=False)
    assert resp.sw == 0x9F17 and len(t.sent) == 3
    assert ex.count == 3


@pytest.mark.parametrize(
    "family, sw, error",
    [
        (CardFamily.UICC, "6A82", CardFileNotFoundError),
        (CardFamily.SIM, "9404", CardFileNotFoundError),
        (CardFamily.UICC, "6982", SecurityStatusError),
        (CardFamily.SIM, "9804", SecurityStatusError),
        (CardFamily.UICC, "6D00", StatusWordError),
    ],
)
def test_errors_name_command_sw_and_meaning(family, sw, error):
    t = Scripted([sw])
    with pytest.raises(error) as e:
        ApduExchange(t, family).send(CommandApdu(0, 0xA4, 0, 0, b"\x01\x02", name="SELECT 0102"))
    text = str(e.value)
    assert "SELECT 0102" in text and sw in text and e.value.meaning in text


def test_trace_records_each_exchange():
    trace = Trace()
    t = Scripted(["6102", "AABB 9000"])
    ApduExchange(t, CardFamily.UICC, trace).send(CommandApdu(0, 0xF2, 0, 0, le=256, name="STATUS"))
    assert [e.name for e in trace] == ["STATUS", "GET RESPONSE"]
    assert trace.entries[1].as_dict()["response"] == "AABB"
