"""Provision end to end on the in-process virtual cards: write → read → verify, PINs, pulled cards,
torn and lying writes, sizes, APDU economy."""

import pytest

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.errors import (CardRemovedError, MessageTooBigError, PinRetryGuardError, SecurityError,
                             VerifyMismatchError, WrongPinError)
from cardboot.provision.access import Secrets
from cardboot.provision.read import read_stored
from cardboot.provision.write import erase_stored, write_stored
from cardboot.secret import Secret
from vsim.faults import FaultPlan

VARS = "profiles/vars/example.toml"
MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", VARS), "tnds-wbxml"))
SMALL = encode_message(build_message(load_bootstrap("dmacc-only", VARS), "tnds-wbxml"))
ALL = ["uicc", "sim", "uicc-private", "sim-private"]


def secrets(profile, **kw):
    return Secrets(pin=Secret("1234"), adm=Secret("88888888"), force=profile.startswith("sim"), **kw)


def bootstrap_ef(vcard):
    return vcard.mf.children[0x7F50].children[0x5300]


def read_back(card, profile):
    stored = read_stored(card, secrets(profile))
    return stored


@pytest.mark.parametrize("profile", ALL)
def test_write_read_verify_and_replace_with_a_shorter_message(make_card, profile):
    vcard, _, card, trace = make_card(profile)
    result = write_stored(card, MESSAGE, secrets(profile))
    assert result.verified and result.written == len(MESSAGE) and result.previous == 0
    assert bytes(bootstrap_ef(vcard).data[: len(MESSAGE)]) == MESSAGE
    stored = read_back(card, profile)
    assert stored.data == MESSAGE and not stored.findings and stored.loaded.message.header.source.startswith("https")
    # a shorter message: the old tail must become FF again
    result = write_stored(card, SMALL, secrets(profile))
    assert result.previous == len(MESSAGE) and result.padded == len(MESSAGE) - len(SMALL)
    assert bytes(bootstrap_ef(vcard).data) == SMALL + b"\xff" * (4096 - len(SMALL))
    assert read_back(card, profile).data == SMALL
    erase_stored(card, secrets(profile))
    assert set(bootstrap_ef(vcard).data) == {0xFF} and read_back(card, profile).empty


@pytest.mark.parametrize("profile", ["uicc", "sim"])
def test_no_select_is_repeated_within_a_write(make_card, profile):
    _, _, card, trace = make_card(profile)
    start = trace.count
    write_stored(card, MESSAGE, secrets(profile))
    selects = [(e.header[0], e.command_hex()) for e in trace.entries[start:] if e.name.startswith("SELECT")]
    assert len(selects) == len(set(selects)), selects


def test_private_object_needs_the_pin_and_counts_down(make_card):
    vcard, _, card, trace = make_card("uicc-private")
    with pytest.raises(SecurityError, match="needs PIN1"):
        read_stored(card, Secrets())
    with pytest.raises(WrongPinError) as e:
        read_stored(card, Secrets(pin=Secret("0000")))
    assert e.value.retries_left == 2 and vcard.pins[1].retries == 2
    assert read_stored(card, Secrets(pin=Secret("1234"))).empty  # the right PIN resets the counter
    assert vcard.pins[1].retries == 3


def test_guard_refuses_when_retries_are_low(make_card):
    vcard, _, card, trace = make_card("uicc-private")
    vcard.pins[1].retries = 1
    start = trace.count
    with pytest.raises(PinRetryGuardError):
        write_stored(card, MESSAGE, Secrets(pin=Secret("1234"), adm=Secret("88888888")))
    assert not any(e.secret for e in trace.entries[start:])  # no VERIFY with a value was sent
    assert vcard.pins[1].retries == 1


def test_update_needs_adm(make_card):
    _, _, card, _ = make_card("uicc")
    with pytest.raises(SecurityError, match="needs ADM1"):
        write_stored(card, MESSAGE, Secrets())


def test_message_too_big_names_both_sizes(make_card):
    _, _, card, _ = make_card("uicc")
    with pytest.raises(MessageTooBigError, match="message of 5000 bytes does not fit EF DM_Bootstrap 7FFF/5300 \\(4096 bytes\\)"):
        write_stored(card, b"\x02" * 5000, secrets("uicc"))


@pytest.mark.parametrize("profile", ["uicc", "sim"])
def test_card_pulled_at_every_apdu_of_a_write_never_verifies(make_card, profile):
    vcard, transport, card, trace = make_card(profile)
    total = write_stored(card, MESSAGE, secrets(profile)).apdus + 4  # margin for the old-message read
    erase_stored(card, secrets(profile))
    from cardboot.card import connect_card

    for i in range(total):
        transport.connect()
        card = connect_card(transport, family=vcard.profile.family)
        vcard.fault = FaultPlan(drop_after=vcard.apdu_count + i)
        try:
            result = write_stored(card, MESSAGE, secrets(profile))
        except CardRemovedError:
            pass
        else:  # the drop came after the read-back (at most the channel close met it): verified is true
            assert result.verified and bytes(bootstrap_ef(vcard).data[: len(MESSAGE)]) == MESSAGE
        vcard.fault = None
        transport.connect()
        card = connect_card(transport, family=vcard.profile.family)
        assert write_stored(card, MESSAGE, secrets(profile)).verified  # the next write succeeds
        assert bytes(bootstrap_ef(vcard).data[: len(MESSAGE)]) == MESSAGE
        erase_stored(card, secrets(profile))


def test_torn_write_then_a_clean_one(make_card):
    vcard, transport, card, trace = make_card("uicc")
    write_stored(card, SMALL, secrets("uicc"))
    transport.connect()
    from cardboot.card import connect_card

    card = connect_card(transport, family="uicc")


    class TearSecondUpdate(FaultPlan):
        updates = 0

        def before(self, c, index, apdu):
            if apdu[1] == 0xD6:
                self.updates += 1
                if self.updates == 2:
                    self.tear_at, self.tear_keep = index, 10
            return super().before(c, index, apdu)

    vcard.fault = TearSecondUpdate()
    with pytest.raises(CardRemovedError):
        write_stored(card, MESSAGE, secrets("uicc"))
    assert "tear" in vcard.fault.fired[0]
    vcard.fault = None
    transport.connect()
    card = connect_card(transport, family="uicc")
    stored = read_back(card, "uicc")
    assert stored.data != MESSAGE  # what is there is not the message
    assert write_stored(card, MESSAGE, secrets("uicc")).verified


def test_lying_card_is_caught_by_the_read_back(make_card):
    vcard, _, card, _ = make_card("uicc")

    class ShortWrite:
        """Applies only the first 100 bytes of each UPDATE BINARY but answers 9000."""

        def before(self, c, index, apdu):
            if apdu[1] == 0xD6 and len(apdu) > 105:
                from cardboot.apdu.command import CommandApdu

                cmd = CommandApdu.from_bytes(apdu)
                c.handle(CommandApdu(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data[:100]))
                return b"\x90\x00"
            return None

    vcard.fault = ShortWrite()
    with pytest.raises(VerifyMismatchError, match="byte 100"):
        write_stored(card, MESSAGE, secrets("uicc"))
