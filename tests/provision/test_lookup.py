"""Locating EF DM_Bootstrap (OMA DM Bootstrap D.2.5 / D.3.5) on the virtual cards, and the rule that
picks the bootstrap entry from a DODF."""

import pytest

from cardboot.card.efdir import decode_application, encode_application
from cardboot.card.path import CURRENT_ADF, MF
from cardboot.errors import TlvError
from cardboot.pkcs15 import DataObject, Pkcs15Path
from cardboot.provision.lookup import locate_bootstrap, read_bootstrap
from cardboot.pkcs15.bootstrap_rule import BootstrapRule


@pytest.mark.parametrize("profile, path, stages", [
    ("uicc", (CURRENT_ADF, 0x5300), {"EF.DIR": 3, "select PKCS#15": 2, "ODF": 2, "DODF": 2, "DM_Bootstrap": 1}),
    ("sim", (MF, 0x7F50, 0x5300), {"EF.DIR": 3, "select PKCS#15": 1, "ODF": 3, "DODF": 3, "DM_Bootstrap": 2}),
])
def test_public_bootstrap(make_card, profile, path, stages):
    _, _, card, trace = make_card(profile)
    loc = locate_bootstrap(card)
    assert loc.path == path and loc.size == 4096 and loc.pin is None and loc.pin_reference is None
    assert loc.apdus == stages
    assert {e.stage for e in trace} == set(stages)  # every APDU ran under a named step
    assert "public" in loc.read_rule and "read ALW" in loc.read_rule
    assert read_bootstrap(loc) == b"\xff" * 4096
    loc.session.close()


@pytest.mark.parametrize("profile, pin_label, card_read", [("uicc-private", "PIN1", "PIN1"),
                                                           ("sim-private", "CHV1", "CHV1")])
def test_private_bootstrap_names_the_pin(make_card, profile, pin_label, card_read):
    _, _, card, _ = make_card(profile)
    loc = locate_bootstrap(card)
    assert loc.data_object.private and loc.pin.label == pin_label and loc.pin_reference == 0x01
    assert "AODF" in loc.apdus
    assert f"authId 01 -> {pin_label} (reference 01)" in loc.read_rule and f"read {card_read}" in loc.read_rule
    loc.session.close()


def _obj(label=None, app=None, oid=None, path=b"\x53\x00"):
    return DataObject(label=label, application_name=app, application_oid=oid,
                      path=Pkcs15Path(path) if path else None)


def test_rule_prefers_oid_then_names_and_ignores_objects_without_path():
    others = [_obj("other"), _obj("DM_Bootstrap", path=None)]
    by_name = _obj("dm bootstrap")
    by_oid = _obj("x", oid="2.23.43.7")
    assert BootstrapRule().choose(others + [by_name]) is by_name  # case, space and underscore do not matter
    assert BootstrapRule(oid="2.23.43.7").choose([by_name, by_oid]) is by_oid
    assert BootstrapRule(names=("MyBoot",)).choose([by_name, _obj(app="myboot")]).application_name == "myboot"
    assert BootstrapRule().choose(others) is None


def test_efdir_template_round_trip_and_discretionary_data():
    rec = encode_application(bytes.fromhex("A000000063504B43532D3135"), "PKCS#15", (MF, 0x7F50), 40)
    app = decode_application(rec, 1)
    assert app.label == "PKCS#15" and app.path == (MF, 0x7F50) and app.is_pkcs15
    with73 = bytes.fromhex("6114 4F0CA000000063504B43532D3135 7304 01020304") + b"\xff" * 4
    app = decode_application(with73, 2)
    assert app.discretionary == bytes.fromhex("01020304")
    assert decode_application(b"\xff" * 20, 3) is None
    with pytest.raises(TlvError, match="EF.DIR record 4"):
        decode_application(bytes.fromhex("6203 4F0101"), 4)
