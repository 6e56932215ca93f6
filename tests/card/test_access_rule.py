"""Access rules decoded from bytes cardboot did not encode: EF.ARR records from real-cards.md and pySim's
test vector, the OR/AND/NOT templates of ISO/IEC 7816-4:2013 table 33, FCP 8B references (TS 102 221
9.2.5 and its annex G example), SIM access nibbles (TS 51.011 9.3)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.card.access_rule import (
    ALWAYS, NEVER, AllOf, AnyOf, ArrReference, Key, Not, RuleNotSatisfiable, Unknown, decode_arr_reference,
    decode_compact, decode_expanded, keys_to_present, satisfied_by, sim_nibble)
from cardboot.errors import DecodeError, TlvError

PIN1 = Key(0x01, False, "PIN1")
ADM1 = Key(0x0A, True, "ADM1")
ADM2 = Key(0x0B, True, "ADM2")


def _ANY(key):
    return True

# real-cards.md, "Example EF.ARR record (2 rules), padded with FF to the record length"
EXAMPLE_RECORD = bytes.fromhex("8001019000" "800102A40683010A950108") + b"\xff" * 10
# real-cards.md: pySim's test vector for EF.ARR (pySim/ts_102_221.py, EF_ARR)
PYSIM_RECORD = bytes.fromhex("800101a40683010a950108800106900080016097008401d4a40683010a950108")
# pySim commit b060833e ("ts_102_221: Handle nested security condition data objects"): UPDATE, ACTIVATE,
# DEACTIVATE under an OR template of ADM1 and ADM2; READ always
PYSIM_OR_RECORD = bytes.fromhex("80011A" "A010" "A40683010A950108" "A40683010B950108" "800101" "9000")


def test_example_record_read_always_update_adm1():
    rules = decode_expanded(EXAMPLE_RECORD)
    assert rules["read"] == ALWAYS and rules["update"] == ADM1
    assert rules.text() == "read ALW update ADM1"
    assert rules.as_json()["update"] == {"key": "ADM1", "reference": 0x0A, "adm": True}


def test_pysim_vector():
    rules = decode_expanded(PYSIM_RECORD)
    assert rules["read"] == ADM1
    assert rules["write"] == ALWAYS and rules["update"] == ALWAYS
    assert rules["delete"] == NEVER and rules["terminate"] == NEVER
    assert rules["command D4"] == ADM1  # AM_DO 84: a command header (INS D4)


def test_or_template_from_pysim():
    rules = decode_expanded(PYSIM_OR_RECORD)
    assert rules["update"] == AnyOf((ADM1, ADM2)) == rules["activate"]
    assert str(rules["update"]) == "(ADM1 or ADM2)"
    assert rules["read"] == ALWAYS


def test_pin1_or_adm1_picks_what_the_secrets_meet():
    rule = decode_expanded(bytes.fromhex("800102" "A010" "A406830101950108" "A40683010A950108"))["update"]
    assert rule == AnyOf((PIN1, ADM1))
    assert keys_to_present(rule, lambda k: k.adm) == [ADM1]
    assert keys_to_present(rule, lambda k: not k.adm) == [PIN1]
    assert keys_to_present(rule, lambda k: False) == [PIN1]  # caller reports PIN1 missing


def test_several_sc_dos_after_one_am_are_an_or():
    """TS 102 221 9.2.4: more than one SC_DO after an AM_DO — either one satisfies the rule."""
    rule = decode_expanded(bytes.fromhex("800102" "A406830101950108" "A40683010A950108"))["update"]
    assert rule == AnyOf((PIN1, ADM1))


def test_and_and_not_templates_by_the_standard():
    """ISO/IEC 7816-4:2013 table 33: AF is AND, A7 is NOT (one popular tool swaps them)."""
    rules = decode_expanded(bytes.fromhex("800102" "AF10" "A406830101950108" "A40683010A950108"
                                          "800101" "A708" "A406830101950108"))
    assert rules["update"] == AllOf((PIN1, ADM1))
    assert keys_to_present(rules["update"], _ANY) == [PIN1, ADM1]
    assert rules["read"] == Not(PIN1)
    with pytest.raises(RuleNotSatisfiable):
        keys_to_present(rules["read"], _ANY)


def test_unknown_conditions_are_kept_raw():
    rules = decode_expanded(bytes.fromhex("800101" "B403830101" "800102" "9E0190"))
    assert isinstance(rules["read"], Unknown) and rules["read"].raw == bytes.fromhex("B403830101")
    assert rules["update"] == Unknown(b"\x90", "security condition byte: the key is implicit")
    with pytest.raises(RuleNotSatisfiable, match="does not interpret"):
        keys_to_present(rules["read"], _ANY)


def test_never_is_refused_and_always_needs_nothing():
    with pytest.raises(RuleNotSatisfiable, match="NEV"):
        keys_to_present(NEVER, _ANY)
    assert keys_to_present(ALWAYS, lambda k: False) == []
    assert satisfied_by(AnyOf((PIN1, ADM1)), [ADM1]) and not satisfied_by(AllOf((PIN1, ADM1)), [ADM1])


def test_compact_format():
    # AM 03: UPDATE (b2) then READ (b1); SC 00 always, FF never
    rules = decode_compact(bytes.fromhex("0300FF"))
    assert rules["update"] == ALWAYS and rules["read"] == NEVER
    # b8 set: b7-b4 proprietary, the SC bytes of b3-b1 still count
    rules = decode_compact(bytes.fromhex("8B" "00" "11" "00"))  # bits b4 (proprietary), b2, b1
    assert list(rules) == ["update", "read"] and rules["read"] == ALWAYS
    with pytest.raises(TlvError, match="announced"):
        decode_compact(bytes.fromhex("0300"))


def test_arr_reference_forms():
    assert decode_arr_reference(bytes.fromhex("2F0601")) == ArrReference(0x2F06, 1)
    # TS 102 221 annex G: record 2 for SE 01 and record 11 for SE 00
    ref = decode_arr_reference(bytes.fromhex("6F06" "0102" "000B"))
    assert ref.record is None and ref.record_for(0) == 11 and ref.record_for(1) == 2
    assert ref.record_for(5) is None
    assert str(ref) == "EF.ARR 6F06 records SE01: 2, SE00: 11"
    with pytest.raises(TlvError, match="8B"):
        decode_arr_reference(bytes.fromhex("2F06"))


@pytest.mark.parametrize("nibble, rule", [
    (0x0, ALWAYS), (0xF, NEVER), (0x1, Key(1, False, "CHV1")), (0x2, Key(2, False, "CHV2")),
    (0x4, Key(4, True, "ADM-level4")), (0x9, Key(9, True, "ADM-level9")), (0xA, Key(0x0A, True, "ADM1")),
    (0xE, Key(0x0E, True, "ADM5")),
])
def test_sim_nibbles(nibble, rule):
    """TS 51.011 9.3: 4..E are ADM (administrative), never a PIN."""
    assert sim_nibble(nibble) == rule


def test_malformed_records_name_the_problem():
    with pytest.raises(TlvError, match="before any access mode"):
        decode_expanded(bytes.fromhex("9000"))
    with pytest.raises(TlvError, match="access mode byte"):
        decode_expanded(bytes.fromhex("80020101 9000"))
    with pytest.raises(TlvError, match="announces"):
        decode_expanded(bytes.fromhex("800101A406830101"))


@given(st.binary(max_size=64))
def test_fuzz_expanded_and_compact(data):
    for decode in (decode_expanded, decode_compact):
        try:
            decode(data)
        except DecodeError:
            pass
