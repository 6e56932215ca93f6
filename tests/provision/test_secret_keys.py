"""A secret goes only to the key it belongs to (issue 25): the PIN is PIN1 / CHV1's value (or the key the
object's authId names), the ADM is ADM1's. For every key reference of TS 102 221 9.5.1 (table 9.3) in an
OR and in an AND with ADM1 as EF DM_Bootstrap's UPDATE rule — an EF.ARR record given as raw hex — and
every combination of secrets given, no VERIFY reaches a key whose value was not given, and a rule no given
secret meets is refused before any VERIFY.

The bug this pins down was seen on a real UICC whose DM_Bootstrap rule was `AM 02 -> A0 {A4 83 01 81 95 01
08, A4 83 01 0A 95 01 08}`: `write --pin-env P --adm-env A` sent P to key 81 ("wrong PIN2-APPL1").
"""

from __future__ import annotations

from pathlib import Path

import pytest

import vsim
from cardboot.apdu import Trace
from cardboot.card import connect_card
from cardboot.errors import CardbootError, SecurityError
from cardboot.provision.access import Secrets
from cardboot.provision.read import read_stored
from cardboot.provision.write import erase_stored, write_stored
from cardboot.secret import Secret
from cardboot.transport.virtual import VirtualTransport

ROOT = Path(__file__).resolve().parents[2]
# TS 102 221 table 9.3: PIN Appl 1-8, ADM1-5, universal PIN, second PIN Appl 1-8, ADM6-10
KEY_REFS = [*range(0x01, 0x09), *range(0x0A, 0x0F), 0x11, *range(0x81, 0x89), *range(0x8A, 0x8F)]
PIN, ADM = "1234", "88888888"  # usim-arr's PIN1 and ADM1
# usim-arr's record 2 of the PKCS#15 ADF's EF.ARR (DM_Bootstrap, SE00): READ PIN1, UPDATE/ACTIVATE/DEACTIVATE ADM1
RECORD_2 = '"80 01 01 A4 06 83 01 01 95 01 08  80 01 1A A4 06 83 01 0A 95 01 08",'
MESSAGE = bytes.fromhex("02 00 00 6A 00 01 02 03") + b"\x01\x01"  # any bytes: the access path is under test


def layout_with_update_rule(tmp_path, template: int, ref: int) -> Path:
    """usim-arr with DM_Bootstrap's UPDATE rule = template (A0 OR / AF AND) of key ``ref`` and ADM1."""
    rule = f"80 01 02 {template:02X} 10 A4 06 83 01 {ref:02X} 95 01 08 A4 06 83 01 0A 95 01 08"
    text = (ROOT / "profiles/cards/usim-arr.toml").read_text()
    assert RECORD_2 in text
    text = text.replace(RECORD_2, f'"80 01 01 A4 06 83 01 01 95 01 08  {rule}",')
    path = tmp_path / f"rule-{template:02X}-{ref:02X}.toml"
    path.write_text(text)
    return path


def run(layout: Path, secrets: Secrets, action):
    vcard = vsim.load_card(layout)
    sent: list[bytes] = []
    transport = VirtualTransport(vcard, after=sent.append)
    transport.connect()
    card = connect_card(transport, trace=Trace(keep=False))
    try:
        outcome = action(card, secrets)
    except CardbootError as e:
        outcome = e
    verified = [apdu[3] for apdu in sent if apdu[1] == 0x20 and len(apdu) > 5]  # VERIFY with a value
    return outcome, verified, vcard


COMBINATIONS = {
    "none": Secrets(),
    "pin": Secrets(pin=Secret(PIN)),
    "adm": Secrets(adm=Secret(ADM)),
    "both": Secrets(pin=Secret(PIN), adm=Secret(ADM)),
}


@pytest.mark.parametrize("ref", KEY_REFS, ids=lambda r: f"{r:02X}")
@pytest.mark.parametrize("template", [0xA0, 0xAF], ids=["OR", "AND"])
@pytest.mark.parametrize("given", list(COMBINATIONS))
def test_no_verify_to_a_key_whose_value_was_not_given(tmp_path, template, ref, given):
    secrets = COMBINATIONS[given]
    layout = layout_with_update_rule(tmp_path, template, ref)
    outcome, verified, vcard = run(layout, secrets, lambda card, s: write_stored(card, MESSAGE, s))
    allowed = ({0x01} if secrets.pin else set()) | ({0x0A} if secrets.adm else set())
    assert set(verified) <= allowed, f"VERIFY sent to {[f'{v:02X}' for v in verified]}"
    for pin in vcard.pins.values():  # no try spent anywhere
        assert pin.retries == pin.max_retries
    # writing needs PIN1 (the private object is read back, D.3.4) and the UPDATE rule
    meetable = secrets.pin is not None and (
        (template == 0xA0 and (secrets.adm is not None or ref == 0x01 or ref == 0x0A))
        or (template == 0xAF and secrets.adm is not None and ref in (0x01, 0x0A)))
    if meetable and secrets.adm is not None and ref != 0x01:
        # ADM1 is what meets the rule (vsim enforces ADM1 for UPDATE): verified
        assert not isinstance(outcome, Exception) and outcome.verified
    elif not meetable:
        assert isinstance(outcome, SecurityError) and verified == []
        assert PIN not in str(outcome) and ADM not in str(outcome)


def test_the_real_card_rule_picks_adm1_and_names_the_key_it_would_need(tmp_path):
    """OR {PIN2-APPL1 (81), ADM1} with PIN and ADM given: ADM1 is chosen; with only the PIN given the
    write is refused naming 81, and no VERIFY PIN2-APPL1 is sent (its counter stays at the top)."""
    layout = layout_with_update_rule(tmp_path, 0xA0, 0x81)
    outcome, verified, _ = run(layout, COMBINATIONS["both"], lambda card, s: write_stored(card, MESSAGE, s))
    assert outcome.verified and verified == [0x01, 0x0A]
    outcome, verified, _ = run(layout, COMBINATIONS["both"], lambda card, s: erase_stored(card, s))
    assert 0x81 not in verified
    outcome, verified, _ = run(layout, COMBINATIONS["pin"], lambda card, s: write_stored(card, MESSAGE, s))
    assert isinstance(outcome, SecurityError) and verified == []
    assert "needs ADM1" in str(outcome) or "81" in str(outcome)


def test_the_pin_also_goes_to_the_key_the_authid_names(tmp_path):
    """D.3.4: the DODF's authId names the AODF PIN; its pinReference is the key the PIN value is for."""
    text = (ROOT / "profiles/cards/usim-arr.toml").read_text()
    layout = tmp_path / "authid.toml"
    layout.write_text(text)
    outcome, verified, _ = run(layout, COMBINATIONS["pin"], lambda card, s: read_stored(card, s))
    assert verified == [0x01]
