"""A device's switch-on with a card (5.5.6; DM-BOOT-C-007..C-010, C-013): the card's bootstrap applied,
a power cycle changing nothing, the servers of an erased or swapped card removed and never those from
elsewhere, policy and a rejected card skipping the card, and the state file checked whole."""

from __future__ import annotations

import json
import os
import stat

import pytest

from cardboot.bootstrap.syncml import Command, Item, Message, SyncHdr
from cardboot.bootstrap.builder import encode_message
from cardboot.device.boot import (CardBootstrap, DeviceState, POLICY_DISABLED, apply_elsewhere, load_state,
                                  save_state, state_from_json, state_to_json, switch_on)
from cardboot.device.tree import to_json
from cardboot.errors import DecodeError
from tests.device.test_apply import INTERNET, TNDS, leaf, node, operator_x
from cardboot.bootstrap.tnds import MgmtTree
from tests.helpers import cli

PROFILES = os.path.join(os.path.dirname(__file__), "..", "..", "profiles", "vars", "example.toml")


def msg(*objects) -> Message:
    item = Item(target="./Inbox", format="xml", type=TNDS, data=MgmtTree(list(objects)))
    return Message(SyncHdr("IMEI:1", "https://dm.example.com/"), [Command("Add", "1", [item])])


def account(name, server_id):
    return node(name, leaf("AppID", "w7"), leaf("ServerID", server_id),
                node("AppAddr", node("1", leaf("Addr", f"https://{server_id}/"), leaf("AddrType", "URI"))),
                ddf="org.openmobilealliance/1.0/w7")


def card(iccid, message):
    return CardBootstrap(iccid, "test", message, encode_message(message) if message else b"")


def tree_of(state):
    return json.dumps(to_json(state.tree), sort_keys=True)


OPX = msg(operator_x(), INTERNET)


def test_the_cards_bootstrap_is_applied_at_switch_on_and_a_power_cycle_changes_nothing():
    state = DeviceState()
    first = switch_on(state, card("8949", OPX))
    assert first.outcome == "applied" and first.added == ["./DMAcc/OperatorX", "./ConnMO/Internet"]
    assert state.tree.get("./DMAcc/OperatorX/ServerID").value == "opx"
    before = tree_of(state)
    again = switch_on(state, card("8949", OPX))
    assert again.outcome == "unchanged" and not again.added and not again.removed
    assert tree_of(state) == before and state.switch_ons == 2


def test_an_erased_card_removes_its_servers_and_nothing_from_elsewhere():
    state = DeviceState()
    apply_elsewhere(state, msg(account("Factory", "factory.example")), "factory")
    switch_on(state, card("8949", OPX))
    erased = switch_on(state, card("8949", None))
    assert erased.outcome == "no-bootstrap"
    assert erased.removed == ["./DMAcc/OperatorX", "./ConnMO/Internet"]
    assert any("opx" in n and "DM-BOOT-C-013" in n for n in erased.notes)
    assert state.tree.get("./DMAcc/OperatorX") is None and state.tree.get("./ConnMO/Internet") is None
    assert state.tree.get("./DMAcc/Factory/ServerID").value == "factory.example"
    assert erased.kept == ["./DMAcc/Factory"] and state.from_card is None


def test_a_swapped_card_replaces_the_servers_of_the_one_before():
    state = DeviceState()
    switch_on(state, card("8949-A", OPX))
    swapped = switch_on(state, card("8949-B", msg(account("OperatorY", "opy"))))
    assert swapped.outcome == "applied" and "replaces card 8949-A" in swapped.reason
    assert swapped.added == ["./DMAcc/OperatorY"]
    assert swapped.removed == ["./DMAcc/OperatorX", "./ConnMO/Internet"]
    assert state.from_card.iccid == "8949-B" and state.from_card.servers == ["opy"]


def test_a_changed_message_on_the_same_card_is_applied_again_in_place():
    state = DeviceState()
    switch_on(state, card("8949", OPX))
    changed = switch_on(state, card("8949", msg(operator_x())))
    assert changed.outcome == "applied" and changed.replaced == ["./DMAcc/OperatorX"]
    assert changed.removed == ["./ConnMO/Internet"] and not changed.added
    assert not changed.notes or all("DM-BOOT-C-013" not in n for n in changed.notes)  # opx is still on the card


@pytest.mark.parametrize("how", ["policy", "rejected", "no card"])
def test_policy_a_rejected_card_and_no_card_change_nothing(how):
    state = DeviceState()
    switch_on(state, card("8949", OPX))
    before = tree_of(state)
    event = switch_on(state, None if how != "rejected" else card("8949", None),
                      policy=POLICY_DISABLED if how == "policy" else None, reject_card=how == "rejected")
    assert event.outcome == {"policy": "skipped-policy", "rejected": "skipped-rejected", "no card": "no-card"}[how]
    assert tree_of(state) == before and state.from_card.iccid == "8949"
    if how != "no card":
        assert "DM-BOOT-C-009" in event.reason


def test_the_state_file_round_trips_and_is_private(tmp_path):
    state = DeviceState()
    apply_elsewhere(state, msg(account("Factory", "factory.example")), "https")
    switch_on(state, card("8949", OPX))
    path = str(tmp_path / "device.json")
    save_state(path, state)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    back = load_state(path)
    assert tree_of(back) == tree_of(state) and back.from_card == state.from_card and back.switch_ons == 1
    assert load_state(str(tmp_path / "new.json")).switch_ons == 0


@pytest.mark.parametrize("doc,says", [
    ([], "not a cardboot device state"),
    ({"format": "other"}, "not a cardboot device state"),
    ({"format": "cardboot-device", "version": 2}, "version 2"),
    ({"format": "cardboot-device", "version": 1, "switch_ons": -1}, "switch_ons"),
    ({"format": "cardboot-device", "version": 1, "switch_ons": True}, "switch_ons"),
    ({"format": "cardboot-device", "version": 1, "switch_ons": 1, "log": {}}, "log"),
    ({"format": "cardboot-device", "version": 1, "switch_ons": 1, "from_card": []}, "from_card"),
    ({"format": "cardboot-device", "version": 1, "switch_ons": 1,
      "from_card": {"iccid": "1", "digest": "x", "switch_on": 1, "servers": [1], "nodes": []}}, "servers"),
    ({"format": "cardboot-device", "version": 1, "switch_ons": 1, "tree": "x"}, "a node must be a JSON object"),
])
def test_a_broken_state_file_is_refused_whole_with_what_is_wrong(doc, says):
    with pytest.raises(DecodeError, match=says):
        state_from_json(doc, "device.json")


def test_state_json_is_what_state_from_json_reads():
    state = DeviceState()
    switch_on(state, card("8949", OPX))
    assert state_from_json(json.loads(state_to_json(state))).from_card == state.from_card


# --- the command, on a virtual card ---------------------------------------------------------------------

def boot(tmp_path, *args, env=None):
    return cli("device", "boot", "--state", str(tmp_path / "device.json"), *args, env=env)


def test_device_boot_on_a_virtual_card_through_its_life(tmp_path):
    card_state = f"uicc:{tmp_path / 'card.json'}"
    adm = {"CB_ADM": "88888888"}
    assert cli("write", "--vsim", card_state, "--template", "dm-bootstrap", "--vars", PROFILES,
               "--adm-env", "CB_ADM", env=adm).returncode == 0
    first = boot(tmp_path, "--vsim", card_state)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[:4] == ["switch-on 1: card 8949449999000000028: bootstrap applied",
                                             "  added    ./DMAcc/com.example.dm", "  added    ./ConnMO/Internet",
                                             "  added    ./DMSettings/BootCfg"]
    second = boot(tmp_path, "--vsim", card_state, "--json")
    assert json.loads(second.stdout)["outcome"] == "unchanged"
    policy = boot(tmp_path, "--vsim", card_state, "--policy", "no-smartcard-bootstrap")
    assert policy.stdout.startswith("switch-on 3: card not read: smartcard bootstrap disabled")
    assert cli("erase", "--vsim", card_state, "--adm-env", "CB_ADM", env=adm).returncode == 0
    erased = boot(tmp_path, "--vsim", card_state)
    assert erased.returncode == 0
    assert "  removed  ./DMAcc/com.example.dm" in erased.stdout.splitlines()
    saved = json.loads((tmp_path / "device.json").read_text())
    assert saved["switch_ons"] == 4 and saved["from_card"] is None
    assert [e["outcome"] for e in saved["log"]] == ["applied", "unchanged", "skipped-policy", "no-bootstrap"]
    again = boot(tmp_path, "--vsim", card_state, "--factory-tree", str(tmp_path / "device.json"))
    assert again.returncode == 2 and "--factory-tree is for a new device" in again.stderr


def test_a_private_bootstrap_needs_the_pin_and_a_wrong_one_is_not_a_switch_on(tmp_path):
    refused = boot(tmp_path, "--vsim", "uicc-private")
    assert refused.returncode == 4 and "PIN1" in refused.stderr
    assert not (tmp_path / "device.json").exists()


def test_a_broken_state_file_is_a_validation_error_naming_it(tmp_path):
    (tmp_path / "device.json").write_text('{"format": "cardboot-device", "version": 1, "switch_ons": "x"}')
    done = boot(tmp_path, "--vsim", "uicc")
    assert done.returncode == 5 and "device.json" in done.stderr and "switch_ons" in done.stderr
    assert "Traceback" not in done.stderr


# --- conformance from what the device did ---------------------------------------------------------------

def test_the_device_items_pass_only_with_the_switch_on_that_shows_them():
    from cardboot.device.conformance import check_device

    state = DeviceState()
    items = {i.item: i for i in check_device(state, "new")}
    assert {i.status for i in items.values()} == {"n/a"}  # a device never switched on claims nothing
    switch_on(state, card("8949", OPX))
    items = {i.item: i for i in check_device(state, "s")}
    assert items["DM-BOOT-C-010-O"].status == "pass" and "./DMAcc/OperatorX" in items["DM-BOOT-C-010-O"].evidence
    assert items["DM-BOOT-C-013-O"].status == "n/a" and "not exercised" in items["DM-BOOT-C-013-O"].evidence
    switch_on(state, None, policy=POLICY_DISABLED)
    switch_on(state, card("8949", None))
    items = {i.item: i for i in check_device(state, "s")}
    assert items["DM-BOOT-C-013-O"].status == "pass" and "switch-on 3 removed ./DMAcc/OperatorX" in items["DM-BOOT-C-013-O"].evidence
    assert "switch-on 2 policy: card not used, tree unchanged" in items["DM-BOOT-C-009-O"].evidence
    assert items["DM-BOOT-C-014-O"].status == items["DM-BOOT-C-015-O"].status == "n/a"


def test_conformance_device_reads_the_state_device_boot_wrote(tmp_path):
    card_state = f"uicc:{tmp_path / 'card.json'}"
    adm = {"CB_ADM": "88888888"}
    cli("write", "--vsim", card_state, "--template", "dm-bootstrap", "--vars", PROFILES, "--adm-env", "CB_ADM", env=adm)
    boot(tmp_path, "--vsim", card_state)
    cli("erase", "--vsim", card_state, "--adm-env", "CB_ADM", env=adm)
    boot(tmp_path, "--vsim", card_state)
    done = cli("conformance", "--device", str(tmp_path / "device.json"), "--json")
    assert done.returncode == 0, done.stderr
    status = {i["item"]: i["status"] for i in json.loads(done.stdout)["items"]}
    assert status == {"DM-BOOT-C-007-O": "pass", "DM-BOOT-C-008-O": "pass", "DM-BOOT-C-009-O": "pass",
                      "DM-BOOT-C-010-O": "pass", "DM-BOOT-C-013-O": "pass", "DM-BOOT-C-014-O": "n/a",
                      "DM-BOOT-C-015-O": "n/a"}
