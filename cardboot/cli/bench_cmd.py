"""``cardboot bench``: benchmarks with a table (README) or JSON."""

from __future__ import annotations

import json

from ..bench.read_bootstrap import bench_read_bootstrap


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="measure APDU counts and host overhead")
    p.add_argument("--rounds", type=int, default=200, help="repetitions to average over (default 200)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args) -> int:
    results = bench_read_bootstrap(max(1, args.rounds))
    if args.json:
        print(json.dumps({"read_bootstrap": [r.as_dict() for r in results]}, indent=2))
        return 0
    print("read EF.DIR + ODF + DODF + DM_Bootstrap, in-process virtual cards "
          f"(mean of {results[0].rounds} rounds)")
    header = f"{'card':<5} {'proto':<5} {'APDUs':>5} {'spec min':>8} {'+detect':>7} {'bytes':>6} " \
             f"{'host us/APDU':>12} {'vsim us/APDU':>12} {'ms/card':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.card:<5} {r.protocol:<5} {r.apdus:>5} {r.spec_minimum:>8} {r.detect_apdus:>7} {r.bytes_read:>6} "
              f"{r.host_us_per_apdu:>12} {r.card_us_per_apdu:>12} {r.wall_ms:>8}")
    stages = ", ".join(f"{k} {v}" for k, v in results[-1].stages.items())
    print(f"APDUs per step (UICC T=0): {stages}")
    return 0
