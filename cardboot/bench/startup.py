"""Benchmark: how long a command takes to start, side by side with a bare interpreter in the same run.

Each command is started ``rounds`` times in a fresh process (the wall time of the whole process, as the
operator feels it), interleaved with ``python -c pass`` so that machine noise hits both alike; the ratio
to the bare interpreter is the figure (issue 17's goal: a card command within 3x). cardboot's modules are
byte-compiled first, as ``scripts/install.sh`` leaves them: otherwise a shell with PYTHONDONTWRITEBYTECODE
set (CI's) would time the compiler, not the start.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass

COMMANDS = {
    "python -c pass (anchor)": [sys.executable, "-c", "pass"],
    "cardboot --version": [sys.executable, "-m", "cardboot.cli.main", "--version"],
    "cardboot inspect --vsim uicc": [sys.executable, "-m", "cardboot.cli.main", "inspect", "--vsim", "uicc"],
    "cardboot message validate": [sys.executable, "-m", "cardboot.cli.main", "message", "validate", "/dev/null"],
}


@dataclass
class StartupResult:
    command: str
    rounds: int
    median_ms: float
    ratio_to_python: float

    def as_dict(self) -> dict:
        return asdict(self)


def _wall_seconds(cmd: list[str], limit: float = 60.0) -> float:
    """A process's wall time. Not ``subprocess.run(timeout=...)``: that polls with growing sleeps and
    rounded every figure up to its steps (32.1, 64.2, 114.5 ms); a blocking wait with a watchdog does not."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watchdog = threading.Timer(limit, proc.kill)
    watchdog.start()
    try:
        proc.wait()
    finally:
        watchdog.cancel()
    return time.perf_counter() - t0


def bench_startup(rounds: int = 10) -> list[StartupResult]:
    import compileall
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for package in ("cardboot", "vsim"):
        compileall.compile_dir(root / package, quiet=2)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, cmd in COMMANDS.items():
            times[name].append(_wall_seconds(cmd))
    anchor = statistics.median(times["python -c pass (anchor)"])
    return [StartupResult(name, rounds, round(statistics.median(t) * 1000, 1), round(statistics.median(t) / anchor, 2))
            for name, t in times.items()]
