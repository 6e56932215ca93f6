"""bench personalize's in-process parts (light: a few cards' worth of APDUs): init costs at least its
spec minimum, the idempotent rerun only reads, a dump of each layout finds its files."""

from cardboot.bench.personalize import DUMPED, bench_dump, bench_init


def test_init_rows_are_consistent():
    rows = bench_init()
    assert [(r.card, r.layout) for r in rows] == [("blank-uicc", "uicc"), ("blank-sim", "sim")]
    for r in rows:
        assert r.minimum <= r.apdus and 0 < r.again_apdus < r.apdus
        assert r.s_115200 < r.s_9600 and r.wire_bytes_9600 > 0


def test_dump_rows_cover_every_layout():
    rows = bench_dump()
    assert [r.layout for r in rows] == list(DUMPED)
    assert all(r.files >= 5 and r.apdus > r.files and r.s_9600 > 0 for r in rows)
