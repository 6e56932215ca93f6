"""vsim answers as the standards say where pySim and OpenSC found it departing (issue 14): no response
data for case 1/3 APDUs under T=1, a wrong Le under T=0 named by 6Cxx (UICC) / 67xx (SIM), READ BINARY
Le=00 answered 9000 with what is left, and the PIN enablement commands TS 102 221 / TS 51.011 define."""

import pytest

import vsim


def card(profile, t0=False):
    c = vsim.load_card(profile, t0=t0)
    c.power_on()
    return c


def send(c, hex_apdu):
    r = c.process(bytes.fromhex(hex_apdu.replace(" ", "")))
    return r[:-2], int.from_bytes(r[-2:], "big")


def test_t1_case_1_and_3_get_no_data():
    c = card("uicc")
    assert send(c, "80 F2 00 00") == (b"", 0x9000)  # STATUS without Le
    assert send(c, "00 70 00 00") == (b"", 0x9000)  # MANAGE CHANNEL open without Le: no number back
    send(c, "00 A4 00 0C 02 2FE2")
    assert send(c, "00 B0 00 00") == (b"", 0x9000)  # READ BINARY without Le
    send(c, "00 A4 00 0C 02 2F00")
    assert send(c, "00 B2 01 04") == (b"", 0x9000)  # READ RECORD without Le
    data, sw = send(c, "00 B2 01 04 00")
    assert sw == 0x9000 and len(data) == 38


def test_read_binary_le_00_returns_the_rest_with_9000():
    c = card("uicc")
    send(c, "00 A4 00 0C 02 2FE2")  # EF.ICCID, 10 bytes
    data, sw = send(c, "00 B0 00 00 00")
    assert sw == 0x9000 and len(data) == 10
    data, sw = send(c, "00 B0 00 00 20")  # an explicit Le past the end: the warning 6282
    assert sw == 0x6282 and len(data) == 10


def test_status_with_a_wrong_le_under_t0():
    c = card("uicc", t0=True)
    data, sw = send(c, "80 F2 00 00 02")
    assert data == b"" and sw >> 8 == 0x6C
    data, sw = send(c, f"80 F2 00 00 {sw & 0xFF:02X}")
    assert sw == 0x9000 and data[0] == 0x62
    s = card("sim")
    data, sw = send(s, "A0 F2 00 00 FF")
    assert data == b"" and sw >> 8 == 0x67
    data, sw = send(s, f"A0 F2 00 00 {sw & 0xFF:02X}")
    assert sw == 0x9000
    assert send(s, "A0 F2 00 00 16")[1] == 0x9000  # a shorter P3: the first bytes (what cardboot reads)


def test_uicc_disable_and_enable_pin():
    c = card("uicc")
    pin = c.pins[0x01]
    assert send(c, "00 26 00 01 08 " + b"9999".hex() + "FFFFFFFF") == (b"", 0x63C2)
    assert send(c, "00 26 00 01 08 " + b"1234".hex() + "FFFFFFFF") == (b"", 0x9000)
    assert not pin.enabled and pin.retries == 3
    assert send(c, "00 20 00 01") == (b"", 0x9000)  # disabled: VERIFY without data says 9000
    assert send(c, "00 26 00 01 08 " + b"1234".hex() + "FFFFFFFF")[1] == 0x6985  # already disabled
    assert send(c, "00 28 00 01 08 " + b"1234".hex() + "FFFFFFFF") == (b"", 0x9000)
    assert pin.enabled
    assert send(c, "00 28 00 7F 08 " + b"1234".hex() + "FFFFFFFF")[1] == 0x6A88


def test_sim_change_disable_enable_chv():
    s = card("sim")
    chv1 = s.pins[0x01]
    assert send(s, "A0 24 00 01 10 " + (b"1234".hex() + "FFFFFFFF") + (b"4321".hex() + "FFFFFFFF")) == (b"", 0x9000)
    assert chv1.value == b"4321"
    assert send(s, "A0 26 00 01 08 " + b"1111".hex() + "FFFFFFFF") == (b"", 0x9804)
    assert send(s, "A0 26 00 01 08 " + b"4321".hex() + "FFFFFFFF") == (b"", 0x9000)
    assert not chv1.enabled
    assert send(s, "A0 26 00 01 08 " + b"4321".hex() + "FFFFFFFF")[1] == 0x9808
    assert send(s, "A0 28 00 01 08 " + b"4321".hex() + "FFFFFFFF") == (b"", 0x9000)
    assert chv1.enabled
    assert send(s, "A0 26 00 02 08 " + b"4321".hex() + "FFFFFFFF")[1] == 0x6B00  # DISABLE is for CHV1 only


@pytest.mark.parametrize("profile", ["usim-arr", "lwm2m", "no-efdir"])
def test_new_layouts_offer_t0_and_t1(profile):
    from cardboot.card.atr import atr_protocols

    assert atr_protocols(vsim.load_card(profile).atr) >= {0, 1}
    assert atr_protocols(vsim.load_card("uicc").atr) == {0}  # its comment now says T=0 only
