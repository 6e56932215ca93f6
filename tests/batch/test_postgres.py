"""Two stations sharing one PostgreSQL ledger never claim the same card (claims use FOR UPDATE SKIP
LOCKED). The test starts its own PostgreSQL cluster from Debian's postgresql package and stops it."""

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

from cardboot.batch.ledger import Ledger
from cardboot.batch.rows import load_batch
from tests.batch.conftest import make_csv  # noqa: F401


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def pg_url():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("starting a PostgreSQL cluster needs root (to run it as the postgres user)")
    bindir = os.path.dirname(bins[-1])
    data = tempfile.mkdtemp(prefix="cardboot-pg-")
    shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    run = lambda *a: subprocess.run(["runuser", "-u", "postgres", "--", *a], check=True, capture_output=True,  # noqa: E731
                                    text=True, timeout=120)
    run(f"{bindir}/initdb", "-D", f"{data}/db", "-A", "trust", "-U", "postgres")
    run(f"{bindir}/pg_ctl", "-D", f"{data}/db", "-w", "-l", f"{data}/log",
        "-o", f"-k {data} -p {port} -c listen_addresses=''", "start")
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={data}&port={port}"
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{bindir}/pg_ctl", "-D", f"{data}/db", "-m", "fast",
                        "-w", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(data, ignore_errors=True)


CLAIMER = """
import json, random, sys
from cardboot.batch.ledger import Ledger
url, station, keys = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
random.seed(station)
random.shuffle(keys)
ledger = Ledger(url)
got = [k for k in keys if ledger.claim("shared", k, station, "r") is not None]
print(json.dumps(got))
"""


def test_two_stations_never_claim_the_same_card(pg_url, make_csv):  # noqa: F811
    batch = load_batch(make_csv(40), "dm-bootstrap")
    ledger = Ledger(pg_url)
    ledger.add_batch("shared", "dm-bootstrap", batch.rows)
    keys = json.dumps([r.iccid for r in batch.rows])
    procs = [subprocess.Popen([sys.executable, "-c", CLAIMER, pg_url, station, keys], stdout=subprocess.PIPE,
                              text=True) for station in ("A", "B")]
    got = [set(json.loads(p.communicate(timeout=120)[0])) for p in procs]
    assert not (got[0] & got[1])
    assert got[0] | got[1] == {r.iccid for r in batch.rows}
    counts = ledger.counts("shared")
    assert counts["claimed"] == 40


def test_the_same_runner_code_on_postgresql(pg_url, make_csv):  # noqa: F811
    import vsim
    from cardboot.batch.runner import BatchRunner, RunOptions
    from cardboot.batch.slots import VirtualSlot
    from cardboot.secret import Secret

    batch = load_batch(make_csv(6, name="pg.csv"), "dm-bootstrap")
    ledger = Ledger(pg_url)
    ledger.add_batch("pgrun", "dm-bootstrap", batch.rows)
    cards = [vsim.load_card("uicc", iccid=r.iccid) for r in batch.rows]
    BatchRunner(batch, ledger, [VirtualSlot("a", cards[:3]), VirtualSlot("b", cards[3:])],
                RunOptions("pgrun", adm=Secret("88888888"))).run()
    assert ledger.counts("pgrun")["verified"] == 6
