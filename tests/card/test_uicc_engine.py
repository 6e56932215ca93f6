"""The UICC engine against the in-process virtual UICC (TS 102 221; OMA DM Bootstrap D.3)."""

import pytest

from cardboot.card import UiccCard, open_application, read_applications
from cardboot.card.path import CURRENT_ADF, MF
from cardboot.card.uicc import channel_cla
from cardboot.errors import (CardFileNotFoundError, PinBlockedError, PinRetryGuardError, SecurityStatusError,
                             StatusWordError, UsageError, VerifyMismatchError, WrongPinError)
from cardboot.secret import Secret

DM_BOOTSTRAP = (MF, 0x7F50, 0x5300)


def names(trace, start=0):
    return [e.name for e in trace.entries[start:]]


def test_detection_costs_no_extra_apdu(make_card):
    vcard, transport, card, trace = make_card("uicc")
    assert isinstance(card, UiccCard)
    from cardboot.card import connect_card

    fresh_trace_card = connect_card(transport, trace=trace)
    n = trace.count
    read_applications(fresh_trace_card)
    # detection's SELECT 2F00 is reused: reading EF.DIR only adds the READ RECORDs
    assert names(trace, n) == ["READ RECORD", "READ RECORD"]


def test_channel_cla_encoding():
    assert [channel_cla(n) for n in (0, 1, 3, 4, 5, 19)] == [0x00, 0x01, 0x03, 0x40, 0x41, 0x4F]
    with pytest.raises(UsageError):
        channel_cla(20)


def test_efdir_and_pkcs15_adf_on_a_logical_channel(uicc):
    _, _, card, trace = uicc
    apps = read_applications(card)
    assert [a.kind for a in apps] == ["USIM", "PKCS#15"]
    assert apps[1].path == (MF, 0x7F50) and apps[1].label == "PKCS#15 DM"
    session = open_application(card, apps=apps)
    assert session.files.number == 1 and session.root == (CURRENT_ADF,)
    info = session.files.select(session.path(0x5031))
    assert info.fid == 0x5031 and info.size == 32 and str(info.access["read"]) == "ALW"
    assert session.files.read_binary()[:8] == bytes.fromhex("A706300404025207")
    # paths from the MF inside the application's DF are rebased onto the ADF
    assert session.path((MF, 0x7F50, 0x5207)) == (CURRENT_ADF, 0x5207)
    session.close()
    assert 1 not in card.channels


def test_select_cache_never_reselects(uicc):
    _, _, card, trace = uicc
    card.select((MF, 0x7F50, 0x5300))
    n = trace.count
    card.select((MF, 0x7F50, 0x5300))
    card.select("3F00/7F50/5300")
    assert trace.count == n
    card.select((MF, 0x7F50, 0x5031))  # sibling: one SELECT by FID (plus GET RESPONSE under T=0)
    assert names(trace, n)[0] == "SELECT 5031"


def test_select_path_from_mf_is_one_apdu(uicc):
    _, _, card, trace = uicc
    card.select((MF,))
    n = trace.count
    card.select((MF, 0x7F50, 0x5031))
    assert trace.entries[n].command_hex().startswith("00 A4 08 04 04 7F505031")


def test_file_not_found_names_the_path(uicc):
    _, _, card, _ = uicc
    with pytest.raises(CardFileNotFoundError, match="3F00/7F50/5999"):
        card.select((MF, 0x7F50, 0x5999))


@pytest.mark.parametrize("offset, length", [(0, 256), (0, 257), (255, 2), (200, 600), (3840, 256), (0, 4096)])
def test_read_write_across_256_byte_boundaries(uicc, offset, length):
    vcard, _, card, trace = uicc
    card.verify_pin(0x0A, Secret("88888888"))
    payload = bytes((offset + i) * 7 & 0xFF for i in range(length))
    card.select(DM_BOOTSTRAP)
    n = trace.count
    card.update_binary(offset, payload)
    updates = [e for e in trace.entries[n:] if e.name == "UPDATE BINARY"]
    assert len(updates) == -(-length // 255)
    n = trace.count
    assert card.read_binary(offset, length) == payload
    reads = [e for e in trace.entries[n:] if e.name == "READ BINARY"]
    assert len(reads) == -(-length // 256)
    assert bytes(vcard.mf.children[0x7F50].children[0x5300].data[offset : offset + length]) == payload


def test_whole_file_read_uses_ceil_size_over_256(uicc):
    _, _, card, trace = uicc
    card.select(DM_BOOTSTRAP)
    n = trace.count
    assert card.read_binary() == b"\xff" * 4096
    assert names(trace, n) == ["READ BINARY"] * 16


def test_write_without_adm_is_refused(uicc):
    _, _, card, _ = uicc
    with pytest.raises(SecurityStatusError, match="6982"):
        card.write_file(DM_BOOTSTRAP, b"\x01\x02")


def test_verified_write_detects_a_card_that_lies(uicc):
    vcard, _, card, _ = uicc
    card.verify_pin(0x0A, Secret("88888888"))
    card.write_file(DM_BOOTSTRAP, b"hello")  # read back and compared

    class FlipOnRead:
        def before(self, c, index, apdu):
            if apdu[1] == 0xB0:
                return b"hellO\x90\x00"
            return None

    vcard.fault = FlipOnRead()
    with pytest.raises(VerifyMismatchError, match="byte 4"):
        card.write_file(DM_BOOTSTRAP, b"hello")


def test_channels_are_independent_and_limited(uicc):
    _, _, card, _ = uicc
    ch = [card.open_channel() for _ in range(3)]
    assert [c.number for c in ch] == [1, 2, 3]
    with pytest.raises(StatusWordError, match="6A81"):
        card.open_channel()
    ch[0].select((MF, 0x2FE2))
    ch[1].select((MF, 0x7F50, 0x5031))
    assert ch[0].read_binary()[:2] == bytes.fromhex("9894")
    assert ch[1].read_binary()[:2] == bytes.fromhex("A706")
    card.close_channel(ch[1])
    assert card.open_channel().number == 2


def test_pin_counts_down_guard_refuses_then_force_blocks(uicc):
    _, _, card, trace = uicc
    assert card.pin_retries(0x01) == 3
    with pytest.raises(WrongPinError) as e:
        card.verify_pin(0x01, Secret("0000"))
    assert e.value.retries_left == 2
    with pytest.raises(WrongPinError):
        card.verify_pin(0x01, Secret("0000"))
    assert card.pin_retries(0x01) == 1
    n = trace.count
    with pytest.raises(PinRetryGuardError, match="only 1 try left"):
        card.verify_pin(0x01, Secret("0000"))
    assert all(not e.secret for e in trace.entries[n:])  # no VERIFY with data was sent
    with pytest.raises(PinBlockedError):
        card.verify_pin(0x01, Secret("0000"), force=True)
    n = trace.count
    with pytest.raises(PinBlockedError):
        card.verify_pin(0x01, Secret("1234"), force=True)
    assert all(not e.secret for e in trace.entries[n:])  # a blocked PIN is never tried


def test_right_pin_after_a_wrong_one(uicc):
    _, _, card, _ = uicc
    with pytest.raises(WrongPinError):
        card.verify_pin(0x01, Secret("0000"))
    card.verify_pin(0x01, Secret("1234"))
    assert card.pin_retries(0x01) == -1  # verified: VERIFY without data answers 9000


def test_pin_value_checks_never_echo_the_value():
    from cardboot.card.pin import pin_block

    with pytest.raises(UsageError) as e:
        pin_block(Secret("123456789"), "PIN1")
    assert "123456789" not in str(e.value)
    assert pin_block(Secret("1234"), "PIN1") == b"1234\xff\xff\xff\xff"
    assert pin_block(Secret("3838383838383838"), "ADM1") == b"88888888"
