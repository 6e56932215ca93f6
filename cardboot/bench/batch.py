"""Benchmark: cards per minute of a batch through pcscd + vpcd with 1, 2 and 4 virtual readers in one
run, and the 4-reader / 1-reader ratio. Each card: identify (ICCID), claim, write + verify the 1.6 KB
message, record; then the virtual "operator" swaps the card (stop its vpcd link, wait until pcscd sees
the slot empty, connect the next card, wait until pcscd sees it)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class BatchBenchResult:
    readers: int
    cards: int
    seconds: float
    cards_per_min: float
    ratio_to_one_reader: float

    def as_dict(self) -> dict:
        return asdict(self)


def _csv(path: Path, n: int) -> None:
    import csv

    header = ["iccid", "imei", "server_id", "server_name", "server_url", "server_secret", "server_nonce",
              "client_name", "client_secret", "client_nonce", "conn_name", "apn", "bootstrap_url"]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(n):
            w.writerow([f"8949449999{i:09d}", f"4901542032{i:05d}", "com.example.dm", "Example",
                        "https://dm.example.com/dm", f"s{i}", "MTIz", f"d{i}", f"c{i}", "NDU2", "Internet", "apn",
                        "https://b.example.com/dm"])


def bench_batch(cards_per_reader: int = 6, reader_counts=(1, 2, 4)) -> list[BatchBenchResult]:
    import vsim
    from vsim.pcscd import PcscdService, slot_readers

    from ..batch.ledger import Ledger
    from ..batch.rows import load_batch
    from ..batch.runner import BatchRunner, RunOptions
    from ..batch.slots import FedPcscSlot
    from ..secret import Secret

    service = PcscdService(slots=max(reader_counts))
    results: list[BatchBenchResult] = []
    with tempfile.TemporaryDirectory() as d:
        try:
            names = service.ensure()
            ports = slot_readers(names, service.port)
            for n in reader_counts:
                total = n * cards_per_reader
                csv_path = Path(d, f"b{n}.csv")
                _csv(csv_path, total)
                batch = load_batch(csv_path, "dm-bootstrap")
                ledger = Ledger("sqlite://")
                ledger.add_batch("bench", "dm-bootstrap", batch.rows)
                slots = [FedPcscSlot(ports[p], p, [vsim.load_card("uicc", iccid=r.iccid)
                                                   for r in batch.rows[i::n]])
                         for i, p in enumerate(sorted(ports)[:n])]
                t0 = time.perf_counter()
                BatchRunner(batch, ledger, slots, RunOptions("bench", adm=Secret("88888888"))).run()
                seconds = time.perf_counter() - t0
                for s in slots:
                    s.close()
                if ledger.counts("bench")["verified"] != total:
                    raise RuntimeError(f"batch bench: not all {total} cards verified: {ledger.counts('bench')}")
                rate = total / seconds * 60
                base = results[0].cards_per_min if results else rate
                results.append(BatchBenchResult(n, total, round(seconds, 2), round(rate, 1), round(rate / base, 2)))
        finally:
            service.stop()
    return results
