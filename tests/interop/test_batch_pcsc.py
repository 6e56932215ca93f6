"""Batch runs through pcscd + vpcd with 4 virtual readers: 50 cards all verified and reported; a runner
SIGKILLed mid-batch and run again finishes with every card written only as often as needed."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import PLANTED

pytestmark = pytest.mark.pcsc


@pytest.fixture
def no_running_pcscd(vsim_pcscd):
    """The batch starts its own pcscd with 4 slots: the session's pcscd (2 slots) must be stopped first."""
    if not vsim_pcscd.started_here:
        pytest.skip("a system pcscd is running; the 4-reader batch needs to start its own")
    vsim_pcscd.stop()
    yield
    vsim_pcscd.ensure()


def cardboot(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "cardboot.cli.main", *args], capture_output=True, text=True,
                          env={**os.environ, "T_ADM": "88888888", **(env or {})}, **kw)


def test_fifty_cards_over_four_readers(make_csv, tmp_path, no_running_pcscd):  # noqa: F811
    csv_path = make_csv(50)
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    out = cardboot("batch", "run", "--csv", csv_path, "--vsim-slots", "4", "--db", db, "--adm-env", "T_ADM",
                   "--quiet", "--batch", "fifty", timeout=600)
    assert out.returncode == 0, out.stderr
    assert "verified 50" in out.stdout
    report = json.loads(cardboot("batch", "report", "--batch", "fifty", "--db", db, "--format", "json").stdout)
    assert len(report) == 50 and all(r["state"] == "verified" and r["attempts"] == 1 for r in report)
    assert len({r["reader"] for r in report}) == 4
    text = (tmp_path / "ledger.sqlite").read_bytes()
    assert PLANTED.encode() not in text and PLANTED not in out.stdout + out.stderr


def _private_pcscds(owner: int) -> list[int]:
    from vsim.pcscd import private_pcscds

    return [pid for pid, _workdir, who in private_pcscds() if who == owner]


def test_sigkill_then_resume(make_csv, tmp_path, no_running_pcscd):  # noqa: F811
    csv_path = make_csv(40)
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    state = tmp_path / "cards"
    args = ["batch", "run", "--csv", csv_path, "--vsim-slots", "2", "--db", db, "--adm-env", "T_ADM", "--quiet",
            "--batch", "kill", "--vsim-state", str(state)]
    proc = subprocess.Popen([sys.executable, "-m", "cardboot.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "T_ADM": "88888888"})
    import sqlite3

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill once a few cards are through (read the ledger directly: fast)
        try:
            with sqlite3.connect(tmp_path / "ledger.sqlite", timeout=5) as con:
                n = con.execute("select count(*) from cardboot_cards where state='verified'").fetchone()[0]
        except sqlite3.Error:
            n = 0
        if n >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    from vsim.vpcd import wait_for

    # its private pcscd dies with it (PR_SET_PDEATHSIG), not only when the next run notices (issue 19 item 14)
    assert wait_for(lambda: not _private_pcscds(proc.pid), 10), _private_pcscds(proc.pid)

    first = {r["iccid"]: r for r in json.loads(cardboot("batch", "report", "--batch", "kill", "--db", db,
                                                         "--format", "json").stdout)}
    done_before = {i for i, r in first.items() if r["state"] == "verified"}
    assert 3 <= len(done_before) < 40
    out = cardboot(*args, timeout=600)
    assert out.returncode == 0, out.stderr
    final = {r["iccid"]: r for r in json.loads(cardboot("batch", "report", "--batch", "kill", "--db", db,
                                                         "--format", "json").stdout)}
    assert all(r["state"] == "verified" for r in final.values())
    for i in done_before:  # verified in the first run: not touched again
        assert final[i]["attempts"] == first[i]["attempts"] == 1
    for i, r in final.items():  # each card's stored content is its message
        saved = json.loads((state / f"{i}.json").read_text())
        assert not saved["files"]["3F00/7F50/5300"].startswith("FFFF")
