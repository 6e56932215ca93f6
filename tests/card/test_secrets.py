"""A planted PIN never appears in the APDU trace, in log output or in exception text."""

import logging
import pickle

import pytest

from cardboot.errors import CardbootError
from cardboot.secret import Secret

PLANTED = "9876"
PLANTED_FORMS = ("9876", "39383736", "39 38 37 36", "3938373")


def leaks(text: str) -> bool:
    t = text.upper().replace(" ", "")
    return any(form.replace(" ", "") in t for form in PLANTED_FORMS)


@pytest.mark.parametrize("profile, ref", [("uicc", 0x01), ("sim", 0x01), ("uicc", 0x0A)])
def test_planted_pin_never_leaks(make_card, profile, ref, caplog):
    caplog.set_level(logging.DEBUG, logger="cardboot")
    _, _, card, trace = make_card(profile, t0=True)
    errors = []
    for _ in range(2):
        try:
            card.verify_pin(ref, Secret(PLANTED))
        except CardbootError as e:
            errors.append(e)
    assert errors, "a wrong PIN must raise"
    verifies = [e for e in trace if e.name.startswith("VERIFY") and e.data_len]
    assert verifies and all(e.data is None and "****" in e.command_hex() for e in verifies)
    text = "\n".join(str(e) for e in trace) + "\n".join(str(e.as_dict()) for e in trace)
    assert not leaks(text)
    assert "****" in caplog.text and not leaks(caplog.text)
    for e in errors:
        assert not leaks(str(e)) and not leaks(repr(e))


def test_secret_type_masks_and_refuses_pickling():
    s = Secret(PLANTED)
    assert str(s) == repr(s).replace("Secret(", "").rstrip(")") == "****"
    assert f"{s}" == "****" and f"{s:>10}" == "****"
    with pytest.raises(TypeError):
        pickle.dumps(s)
    assert s.reveal() == PLANTED.encode()
