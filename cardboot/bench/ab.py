"""ApacheBench (``ab``, Debian package apache2-utils) as a subprocess: the one packaged C load generator that
presents a TLS client certificate (``-E``). It speaks HTTP/1.0: with ``-k`` it asks for keep-alive (a run
where the server did not keep the connections is refused, not reported), without it every request is a
new TLS handshake with the certificate — what a device does when it bootstraps."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_FIELD = {name: re.compile(rf"^{re.escape(name)}:\s+([0-9.]+)", re.M)
          for name in ("Complete requests", "Failed requests", "Non-2xx responses", "Requests per second",
                       "Time taken for tests", "Keep-Alive requests")}
_PERCENT = re.compile(r"^\s*(50|99)%\s+(\d+)", re.M)


class AbError(RuntimeError):
    """ab is missing, failed, or counted failed or non-2xx requests."""


@dataclass(frozen=True)
class AbRun:
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    failed: int
    non_2xx: int
    keep_alive: int


def parse_ab(text: str) -> AbRun:
    """The figures of one ``ab`` report (ab 2.3): percentiles are whole milliseconds."""
    found = {name: m.group(1) for name, rx in _FIELD.items() if (m := rx.search(text))}
    percent = {m.group(1): float(m.group(2)) for m in _PERCENT.finditer(text)}
    if {"Complete requests", "Requests per second"} - set(found) or set(percent) != {"50", "99"}:
        raise AbError(f"ab report not understood: {text.strip()[-300:]!r}")
    return AbRun(int(found["Complete requests"]), float(found["Requests per second"]), percent["50"], percent["99"],
                 int(found.get("Failed requests", 0)), int(found.get("Non-2xx responses", 0)),
                 int(found.get("Keep-Alive requests", 0)))


def run_ab(url: str, *, client_pem: Path, connections: int, seconds: float, keep_alive: bool = False) -> AbRun:
    """One ab run presenting ``client_pem`` (certificate then key); every answer must be 2xx."""
    exe = shutil.which("ab")
    if exe is None:
        raise AbError("ab not found (Debian package apache2-utils; scripts/install.sh installs it)")
    cmd = [exe, "-q", "-c", str(connections), "-t", str(max(1, round(seconds))), "-n", "10000000", "-E", str(client_pem)]
    proc = subprocess.run([*cmd, *(["-k"] if keep_alive else []), url], capture_output=True, text=True,
                          timeout=seconds + 60)
    if proc.returncode != 0:
        raise AbError(f"ab exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-300:]}")
    run = parse_ab(proc.stdout)
    if run.failed or run.non_2xx:
        raise AbError(f"{url}: {run.failed} failed, {run.non_2xx} answers not 2xx")
    if keep_alive and run.keep_alive < 0.99 * run.requests:
        raise AbError(f"{url}: only {run.keep_alive} of {run.requests} requests kept alive")
    return run
