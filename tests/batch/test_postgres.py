"""Two stations sharing one PostgreSQL ledger never claim the same card (claims use FOR UPDATE SKIP
LOCKED). The test starts its own PostgreSQL cluster from Debian's postgresql package and stops it."""

import json
import subprocess
import sys


from cardboot.batch.ledger import Ledger
from cardboot.batch.rows import load_batch


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
