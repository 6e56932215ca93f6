"""Issue 19, item 3: files that may hold secrets are 0600, temporary files are unpredictable and in the
target's folder, a symlink planted at the old predictable name is not followed, /dev/null and FIFOs are
written in place (never replaced by a regular file), a killed run's temporary state files are removed on
the next start, and unwritable paths are one-line usage errors."""

import os
import stat
import threading

import pytest

from cardboot.cli.main import main
from cardboot.outfile import remove_stale_temporaries, write_private

BUILD = ["message", "build", "--vars", "profiles/vars/example.toml"]


def mode(p):
    return stat.S_IMODE(os.stat(p).st_mode)


def test_message_build_out_is_0600_and_ignores_a_planted_symlink(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "umask", os.umask)  # whatever the umask, the file is 0600
    old = os.umask(0o022)
    try:
        victim = tmp_path / "victim"
        victim.write_text("do not touch")
        out = tmp_path / "m.wbxml"
        os.symlink(victim, tmp_path / "m.wbxml.tmp")  # the name the old code wrote through
        assert main([*BUILD, "--out", str(out)]) == 0
        assert mode(out) == 0o600 and out.read_bytes()[:1] in (b"\x02", b"\x03")
        assert victim.read_text() == "do not touch"
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".m.wbxml.")]
    finally:
        os.umask(old)


def test_read_out_is_0600(tmp_path, monkeypatch):
    monkeypatch.setenv("T_ADM", "88888888")
    state = f"uicc:{tmp_path / 'card.json'}"
    assert main(["write", "--vsim", state, "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
                 "--adm-env", "T_ADM"]) == 0
    assert mode(tmp_path / "card.json") == 0o600
    for fmt in ("wbxml", "xml"):
        out = tmp_path / f"m.{fmt}"
        assert main(["read", "--vsim", state, "--out", str(out), "--format", fmt]) == 0
        assert mode(out) == 0o600


def test_dev_null_stays_a_device(tmp_path):
    before = os.stat("/dev/null")
    assert main([*BUILD, "--out", "/dev/null"]) == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    try:
        import time

        time.sleep(0.1)
        assert main([*BUILD, "--out", str(fifo)]) == 0
    finally:
        reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got and len(got[0]) > 1000


def test_a_fifo_nobody_reads_is_an_error_not_a_hang(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main([*BUILD, "--out", str(fifo)]) == 2
    assert "cannot write message" in capsys.readouterr().err


@pytest.mark.parametrize("where, reason", [("/nonexistent/dir/x", "does not exist"), ("/tmp", "is a directory")])
def test_unwritable_outputs_are_usage_errors(where, reason, capsys):
    assert main([*BUILD, "--out", where]) == 2
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_state_file_in_a_missing_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("T_ADM", "88888888")
    code = main(["write", "--vsim", f"uicc:{tmp_path / 'no' / 'card.json'}", "--template", "dm-bootstrap",
                 "--vars", "profiles/vars/example.toml", "--adm-env", "T_ADM"])
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_stale_temporary_state_files_are_removed_on_the_next_start(tmp_path, monkeypatch):
    state = tmp_path / "card.json"
    stale = tmp_path / ".card.json.k2j3h4g5.tmp"
    stale.write_text('{"pins": {"0A": {"value": "3838383838383838"}}}')
    os.chmod(stale, 0o600)
    older = tmp_path / ".card.json.ab_cd123"  # the name an older cardboot left
    older.write_text("{}")
    other = tmp_path / ".other.json.abcdefgh.tmp"
    other.write_text("not ours")
    assert main(["inspect", "--vsim", f"uicc:{state}"]) == 0
    assert not stale.exists() and not older.exists() and other.exists()
    assert remove_stale_temporaries(state) == []


def test_write_private_replaces_atomically_and_keeps_0600(tmp_path):
    target = tmp_path / "x"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_private(target, b"new")
    assert target.read_bytes() == b"new" and mode(target) == 0o600


def test_server_store_is_0600(tmp_path):
    from cardboot.server.store import DeviceStore

    db = tmp_path / "devices.sqlite"
    DeviceStore(f"sqlite:///{db}")
    assert mode(db) == 0o600
