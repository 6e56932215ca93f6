"""The batch CSV is checked whole (row and column named); the ledger's states, claims and resume."""

import pytest

from cardboot.batch.ledger import CLAIMED, FAILED, VERIFIED, WRITTEN, Ledger
from cardboot.batch.rows import CsvError, load_batch
from tests.helpers import HEADER, PLANTED, iccid, row


def test_good_csv(make_csv):
    batch = load_batch(make_csv(3), "dm-bootstrap")
    assert [r.iccid for r in batch.rows] == [iccid(0), iccid(1), iccid(2)]
    assert batch.rows[0].row == 2 and batch.rows[0].message[0] == 0x02
    assert PLANTED not in repr(batch.rows[0]) and PLANTED not in batch.rows[0].digest


@pytest.mark.parametrize("mutate, row_no, column, reason", [
    (lambda m: m(2, header=HEADER + ["colour"]), 1, "colour", "unknown column"),
    (lambda m: m(2, header=[h for h in HEADER if h != "apn"]), 1, "apn", "missing column"),
    (lambda m: m(2, extra_rows=[row(0)]), 4, "iccid", "duplicate key"),
    (lambda m: m(1, extra_rows=[row(5, iccid="12AB")]), 3, "iccid", "not an ICCID"),
    (lambda m: m(1, extra_rows=[row(5, server_name="")]), 3, "server_name", "empty value"),
    (lambda m: m(1, extra_rows=[row(5)[:4]]), 3, None, "4 fields"),
    (lambda m: m(1, extra_rows=[row(5, server_id="a/b")]), 3, None, "not a single URI segment"),
])
def test_bad_csvs_name_row_and_column(make_csv, mutate, row_no, column, reason):
    with pytest.raises(CsvError) as e:
        load_batch(mutate(make_csv), "dm-bootstrap")
    probs = e.value.problems
    assert any(reason in p[2] and (row_no is None or p[0] == row_no) and (column is None or p[1] == column)
               for p in probs), probs
    assert PLANTED not in str(e.value) and all(PLANTED not in line for line in e.value.lines())


def test_encoding_quoting_and_garbage(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(HEADER).encode() + b"\n" + "caf\xe9".encode("latin-1") + b"\n")
    with pytest.raises(CsvError, match="row 2: not UTF-8"):
        load_batch(latin, "dm-bootstrap")
    quoted = tmp_path / "q.csv"
    quoted.write_text(",".join(HEADER) + '\n"8949449999000000001,"oops\n')
    with pytest.raises(CsvError, match="bad CSV|fields"):
        load_batch(quoted, "dm-bootstrap")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\xff" * (5 * 1024 * 1024))  # 10 MB
    with pytest.raises(CsvError, match="limit"):
        load_batch(garbage, "dm-bootstrap")
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(CsvError, match="empty"):
        load_batch(empty, "dm-bootstrap")


def test_ledger_states_claims_and_leases(make_csv, tmp_path):
    batch = load_batch(make_csv(3), "dm-bootstrap")
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    assert ledger.add_batch("b", "dm-bootstrap", batch.rows) == (3, 0)
    assert ledger.add_batch("b", "dm-bootstrap", batch.rows) == (0, 3)  # joining again adds nothing
    a = ledger.claim("b", iccid(0), "st1", "r1")
    assert a.previous_state == "pending" and a.attempts == 1
    assert ledger.claim("b", iccid(0), "st2", "r2") is None  # held by st1 (lease running)
    again = ledger.claim("b", iccid(0), "st1", "r1")  # st1 after a crash: its own claim comes back
    assert again.previous_state == CLAIMED and again.attempts == 2
    ledger.mark("b", iccid(0), WRITTEN)
    ledger.mark("b", iccid(0), VERIFIED, apdus=30, seconds=0.05)
    assert ledger.claim("b", iccid(0), "st1", "r1") is None  # verified cards are never claimed again
    for _ in range(3):
        ledger.claim("b", iccid(1), "st1", "r1")
        ledger.mark("b", iccid(1), FAILED, reason="wrong ADM1: 2 tries left")
    assert ledger.claim("b", iccid(1), "st1", "r1") is None  # failed too often
    assert ledger.claim("b", "8949449999999999999", "st1", "r1") is None
    counts = ledger.counts("b")
    assert counts == {"pending": 1, "claimed": 0, "initialized": 0, "written": 0, "verified": 1, "failed": 1}
    report = {r["iccid"]: r for r in ledger.report("b")}
    assert report[iccid(1)]["reason"].startswith("wrong ADM1") and report[iccid(0)]["apdus"] == 30


def test_changed_row_is_refused_on_resume(make_csv, tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}")
    ledger.add_batch("b", "dm-bootstrap", load_batch(make_csv(2), "dm-bootstrap").rows)
    changed = make_csv(1, extra_rows=[row(1, server_name="Another")], name="changed.csv")
    with pytest.raises(Exception, match="row 3 .* differs"):
        ledger.add_batch("b", "dm-bootstrap", load_batch(changed, "dm-bootstrap").rows)


def test_bad_ledger_url_is_one_line():
    from cardboot.errors import CardbootError

    with pytest.raises(CardbootError):
        Ledger("nosuchdb://x")
