"""`cardboot pkcs15 init` as a user runs it: the README's three commands on a blank virtual card with a
state file, a second run that changes nothing, the dry-run plan with secrets masked, and the exit codes
README documents for a conflict (6), a missing secret (4), a bad layout (5) and a SIM's missing files (5)."""

from __future__ import annotations

import json

from tests.helpers import cli

ENV = {"CB_ADM": "88888888"}


def test_blank_card_to_provisioned_with_three_commands(tmp_path):
    card = f"blank-uicc:{tmp_path / 'card.json'}"
    r = cli("pkcs15", "init", "--vsim", card, "--layout", "uicc", "--adm-env", "CB_ADM", env=ENV)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("initialized, every change read back: uicc on vsim blank-uicc")
    r = cli("write", "--vsim", card, "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
            "--adm-env", "CB_ADM", env=ENV)
    assert r.returncode == 0 and r.stdout.startswith("verified: 1600-byte message"), r.stderr
    r = cli("read", "--vsim", card)
    assert r.returncode == 0 and "<SyncML" in r.stdout
    message = tmp_path / "m.wbxml"
    assert cli("message", "build", "--vars", "profiles/vars/example.toml", "--out", str(message)).returncode == 0
    r = cli("verify", "--vsim", card, "--message", str(message))
    assert r.returncode == 0 and r.stdout.startswith("verified: the card holds the same"), r.stdout + r.stderr
    r = cli("pkcs15", "init", "--vsim", card, "--layout", "uicc", "--adm-env", "CB_ADM", "--json", env=ENV)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["status"] == "unchanged" and out["steps"] == [] and out["not_sent"] == []


def test_dry_run_prints_the_plan_and_masks_the_adm_key(tmp_path):
    state = tmp_path / "card.json"
    r = cli("pkcs15", "init", "--vsim", f"blank-uicc:{state}", "--layout", "uicc", "--adm-env", "CB_ADM",
            "--dry-run", env=ENV)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("dry run, nothing changed") and "not sent (11 commands):" in r.stdout
    assert "0020000A08 ****" in r.stdout and "3838383838383838" not in r.stdout + r.stderr
    assert "00E000001D 621B8202412183025031A503C101FF" in r.stdout
    assert not state.exists() or "5031" not in state.read_text()


def test_exit_codes(tmp_path):
    state = tmp_path / "c.json"
    r = cli("pkcs15", "init", "--vsim", f"blank-uicc:{state}", "--layout", "uicc")
    assert r.returncode == 4 and "needs ADM1" in r.stderr and "Traceback" not in r.stderr
    r = cli("pkcs15", "init", "--vsim", "blank-uicc", "--layout", "blank-uicc")
    assert r.returncode == 5 and "no [pkcs15] table" in r.stderr
    r = cli("pkcs15", "init", "--vsim", "usim-arr", "--layout", "uicc", "--adm-env", "CB_ADM", env=ENV)
    assert r.returncode == 6 and "conflicts with the layout" in r.stderr and "READ access" in r.stderr
    layout = tmp_path / "sim-extra.toml"
    layout.write_text(open("profiles/cards/sim.toml").read() + '\n[[pkcs15.data]]\nlabel = "x"\nfid = "5301"\nsize = 8\n')
    r = cli("pkcs15", "init", "--vsim", "blank-sim", "--layout", str(layout), "--adm-env", "CB_ADM",
            "--force-verify", env=ENV)
    assert r.returncode == 5 and "missing: x 3F00/7F50/5301" in r.stdout, r.stdout + r.stderr


def test_dry_run_reads_the_state_file_it_is_given(tmp_path):
    """--dry-run holds the card like any session: a virtual card's state is loaded (under its lock), so the
    plan is made against what the card holds, not against the layout's blank content."""
    state = tmp_path / "card.json"
    assert cli("pkcs15", "init", "--vsim", f"blank-uicc:{state}", "--layout", "uicc", "--adm-env", "CB_ADM",
               env=ENV).returncode == 0
    r = cli("pkcs15", "init", "--vsim", f"blank-uicc:{state}", "--layout", "uicc", "--dry-run", "--json", env=ENV)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["status"] in ("unchanged", "planned") and out["steps"] == [], r.stdout
