"""Careless or hostile input to the server's files and names (issue 32, items 6-8, 15): init-pki is all
or nothing, serials are checked once wherever they enter, a 5,000-digit integer in a tree is a typed error,
and a card stating an EF past offset 7FFF is the card's fault, named."""

from __future__ import annotations

import os

import pytest

from cardboot.card.files import FileAccess  # noqa: F401 - the module under test below
from tests.helpers import cli


@pytest.mark.parametrize("serial", ["SN:1", "../x", "a\nb", "x" * 65, "sp ace", "\x1b[2K", "..", ""])
def test_a_serial_that_cannot_be_one_is_refused_everywhere(tmp_path, serial):
    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    r = cli("server", "add-device", "--db", db, "--serial", serial, "--template", "dm-bootstrap", "--vars",
            "profiles/vars/example.toml")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "\x1b" not in r.stderr and "\nb" not in r.stderr
    r = cli("server", "init-pki", str(tmp_path / "pki"), "--device", serial)
    assert r.returncode == 2 and not (tmp_path / "pki").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_init_pki_into_an_unusable_place_leaves_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("server", "init-pki", str(blocker))
    assert r.returncode == 2 and "not a folder" in r.stderr and blocker.read_text() == "x"
    r = cli("server", "init-pki", str(tmp_path / "no" / "pki"))
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_a_disk_that_fills_half_way_leaves_the_target_as_it_was(tmp_path, monkeypatch):
    from cardboot.errors import UsageError
    from cardboot.server import pki

    real_open, calls = os.open, []

    def full_disk(path, flags, mode=0o777, **kw):
        calls.append(path)
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        return real_open(path, flags, mode, **kw)

    monkeypatch.setattr(pki.os, "open", full_disk)
    with pytest.raises(UsageError, match="No space left on device; nothing was written"):
        pki.init_pki(tmp_path / "new", ["SN-1"])
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "old"
    existing.mkdir()
    (existing / "ca.pem").write_text("the old CA")
    calls.clear()
    with pytest.raises(UsageError):
        pki.init_pki(existing, [])
    assert [p.name for p in existing.iterdir()] == ["ca.pem"] and (existing / "ca.pem").read_text() == "the old CA"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]


def test_init_pki_writes_all_files_with_their_modes(tmp_path):
    r = cli("server", "init-pki", str(tmp_path / "pki"), "--device", "SN-1")
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "pki").iterdir())
    assert names == sorted(["ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "owner.pem", "owner-key.pem",
                            "voucher-signer.pem", "voucher-signer-key.pem", "device-SN-1.pem", "device-SN-1-key.pem"])
    for p in (tmp_path / "pki").iterdir():
        assert p.stat().st_size > 0
        if p.name.endswith("-key.pem"):
            assert p.stat().st_mode & 0o077 == 0


def test_a_huge_integer_in_a_tree_is_a_typed_error(tmp_path):
    tree = tmp_path / "t.json"
    tree.write_text('{"children": {"a": {"value": ' + "9" * 5000 + "}}}")
    m = tmp_path / "m.wbxml"
    assert cli("message", "build", "--vars", "profiles/vars/example.toml", "--out", str(m)).returncode == 0
    r = cli("message", "apply", str(m), "--tree", str(tree))
    assert r.returncode == 5 and "Traceback" not in r.stderr and "not usable JSON" in r.stderr


def test_an_ef_past_7fff_is_the_cards_fault_named(tmp_path):
    text = open("profiles/cards/uicc.toml").read().replace("size = 4096", "size = 40000", 1)
    layout = tmp_path / "big.toml"
    layout.write_text(text)
    assert "size = 40000" in text
    r = cli("write", "--vsim", str(layout), "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
            "--adm-env", "A", env={"A": "88888888"})  # clearing the old tail reads from the EF's end
    assert r.returncode == 3 and "offset 7FFF" in r.stderr and "/5300" in r.stderr.upper(), r.stderr


def test_a_link_planted_at_the_store_or_an_output_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    os.chmod(victim, 0o644)
    link = tmp_path / "devices.sqlite"
    link.symlink_to(victim)
    r = cli("server", "add-device", "--db", f"sqlite:///{link}", "--serial", "SN-1", "--template", "dm-bootstrap",
            "--vars", "profiles/vars/example.toml")
    assert r.returncode == 2 and "symbolic link" in r.stderr
    assert victim.stat().st_mode & 0o777 == 0o644 and victim.read_text() == "keep me"
    out_link = tmp_path / "m.wbxml"
    out_link.symlink_to(victim)
    r = cli("message", "build", "--vars", "profiles/vars/example.toml", "--out", str(out_link))
    assert r.returncode == 2 and "symbolic link" in r.stderr and victim.read_text() == "keep me"
    assert out_link.is_symlink()


def test_readers_take_their_turn_too(tmp_path):
    """Item 13: a read-only inspect beside a write on one state file deleted the write's temporary; with the
    session lock a reader waits, and every write is verified and stays on the card."""
    import subprocess
    import sys

    state = tmp_path / "card.json"
    env = {**os.environ, "A": "88888888"}
    for _ in range(6):
        procs = [subprocess.Popen([sys.executable, "-m", "cardboot.cli.main", *args], env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for args in (["write", "--vsim", f"uicc:{state}", "--template", "dm-bootstrap", "--vars",
                               "profiles/vars/example.toml", "--adm-env", "A", "--wait", "30"],
                              ["inspect", "--vsim", f"uicc:{state}", "--wait", "30"],
                              ["inspect", "--vsim", f"uicc:{state}", "--wait", "30"])]
        assert [p.wait(120) for p in procs] == [0, 0, 0], [p.stderr.read() for p in procs]
        r = cli("read", "--vsim", f"uicc:{state}")
        assert r.returncode == 0 and "empty" not in r.stdout
