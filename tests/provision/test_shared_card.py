"""Several processes on one virtual card's state file take turns as they would at a real card (issue 25):
each session holds the state file's lock, so no retry-counter change and no written byte is lost, and a
process that cannot get the card in time says the card is busy (exit 3), never a broken state file.

Measured before the lock (benches.md): 4 concurrent writes on one state file all failed with "cannot write
card state ...: No such file or directory"; 3 writes + 1 wrong-PIN read lost the counter decrement in 1 of
10 rounds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import vsim
from vsim.state import StateKeeper, dump_state

ROOT = Path(__file__).resolve().parents[2]
ENV = {"T_ADM": "88888888", "T_WRONG": "9999"}


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cardboot.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **ENV}, cwd=ROOT)


def files_of(state: Path) -> dict:
    card = vsim.load_card("uicc")
    keeper = StateKeeper(card, state)
    keeper.acquire(10)
    try:
        return dump_state(card)
    finally:
        keeper.release()


@pytest.mark.parametrize("round_", range(3))
def test_writers_an_inspect_and_a_wrong_pin_take_turns(tmp_path, round_):
    state = tmp_path / "card.json"
    before = files_of(state)  # the layout's content (no state file yet)
    spec = f"uicc:{state}"
    writers = [start("write", "--vsim", spec, "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
                     "--adm-env", "T_ADM", "--wait", "30", "--json") for _ in range(4)]
    others = [start("inspect", "--vsim", spec, "--wait", "30"),
              # EF.IMSI (found by --scan) has READ PIN1: dump VERIFYs the wrong value once (3 -> 2 tries), exit 4
              start("dump", "--vsim", spec, "--scan", "--pin-env", "T_WRONG", "--out", str(tmp_path / "d.toml"),
                    "--wait", "30")]
    results = [(p.wait(120), p.stdout.read(), p.stderr.read()) for p in writers + others]
    for code, out, err in results[:4]:
        assert code == 0 and json.loads(out)["status"] == "verified", err
    assert results[4][0] == 0, results[4][2]
    assert results[5][0] == 4 and "wrong PIN1" in results[5][2], results[5][2]
    assert "Traceback" not in "".join(r[2] for r in results)
    after = files_of(state)
    assert after["pins"]["01"]["retries"] == 2  # exactly one try spent, none lost
    assert after["pins"]["0A"]["retries"] == before["pins"]["0A"]["retries"]
    changed = {p for p in before["files"] if before["files"][p] != after["files"][p]}
    assert changed == {"3F00/7F50/5300"}  # only EF DM_Bootstrap
    assert not list(tmp_path.glob(".card.json.*"))  # no temporary left behind


def test_a_card_held_longer_than_the_wait_is_busy_not_a_hang(tmp_path):
    state = tmp_path / "card.json"
    holder = StateKeeper(vsim.load_card("uicc"), state)
    holder.acquire(0)
    try:
        p = start("inspect", "--vsim", f"uicc:{state}", "--wait", "0.5")
        code = p.wait(30)
        err = p.stderr.read()
    finally:
        holder.release()
    assert code == 3 and "held by another process" in err and "nothing was sent" in err and "Traceback" not in err
    p = start("inspect", "--vsim", f"uicc:{state}", "--wait", "0.5")
    assert p.wait(30) == 0  # free again


def test_a_killed_holder_leaves_no_lock_and_no_secret_behind(tmp_path):
    """SIGKILL while holding the card: the kernel drops an fcntl lock with its process (a pid file would
    stay); the next session gets the card at once. The lock file holds nothing and is 0600."""
    import signal
    import time

    state = tmp_path / "card.json"
    code = ("import sys, time, vsim\nfrom vsim.state import StateKeeper\n"
            f"k = StateKeeper(vsim.load_card('uicc'), {str(state)!r}); k.acquire(0)\n"
            "print('held', flush=True); time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert holder.stdout.readline().strip() == "held"
    busy = start("inspect", "--vsim", f"uicc:{state}", "--wait", "0.2")
    assert busy.wait(30) == 3
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    started = time.monotonic()
    again = start("inspect", "--vsim", f"uicc:{state}", "--wait", "5")
    assert again.wait(30) == 0 and time.monotonic() - started < 5
    lock = tmp_path / "card.json.lock"
    assert lock.read_bytes() == b"" and lock.stat().st_mode & 0o077 == 0


def test_wait_zero_means_not_at_all_and_nonsense_is_a_usage_error(tmp_path):
    state = tmp_path / "card.json"
    holder = StateKeeper(vsim.load_card("uicc"), state)
    holder.acquire(0)
    try:
        import time

        started = time.monotonic()
        p = start("inspect", "--vsim", f"uicc:{state}", "--wait", "0")
        assert p.wait(30) == 3 and time.monotonic() - started < 3  # 0 was read as the 5 s default
    finally:
        holder.release()
    for bad in ("-1", "soon", "99999"):
        p = start("inspect", "--vsim", "uicc", "--wait", bad)
        assert p.wait(30) == 2 and "Traceback" not in p.stderr.read()
