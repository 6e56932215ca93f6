"""wrk (the C HTTP load generator, Debian package ``wrk``) as a subprocess: its command line, a Lua script for
requests with a method, body and headers, and the parser of its ``--latency`` report."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
_LATENCY = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([0-9.]+)(us|ms|s|m)\s*$", re.M)
_RATE = re.compile(r"^Requests/sec:\s+([0-9.]+)\s*$", re.M)
_TOTAL = re.compile(r"^\s*(\d+) requests in ([0-9.]+)(us|ms|s|m),", re.M)
_NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses:\s+(\d+)\s*$", re.M)
_ERRORS = re.compile(r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$", re.M)


class WrkError(RuntimeError):
    """wrk is missing, failed, or reported answers that were not 2xx."""


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def parse_wrk(text: str) -> WrkRun:
    """The figures of one ``wrk --latency`` report (wrk 4.x layout)."""
    rate, total = _RATE.search(text), _TOTAL.search(text)
    latency = {m.group(1): float(m.group(2)) * _UNITS[m.group(3)] for m in _LATENCY.finditer(text)}
    if not rate or not total or set(latency) != {"50", "99"}:
        raise WrkError(f"wrk report not understood: {text.strip()[-300:]!r}")
    non_2xx = _NON_2XX.search(text)
    errors = _ERRORS.search(text)
    return WrkRun(int(total.group(1)), float(total.group(2)) * _UNITS[total.group(3)] / 1000, float(rate.group(1)), round(latency["50"], 2), round(latency["99"], 2),
                  int(non_2xx.group(1)) if non_2xx else 0, sum(int(x) for x in errors.groups()) if errors else 0)


def lua_script(method: str, body: bytes = b"", headers: dict[str, str] | None = None) -> str:
    """A wrk script that sends every request with this method, body and headers."""
    lines = [f'wrk.method = "{method}"']
    if body:
        if b"]==]" in body:
            raise ValueError("body cannot be quoted for Lua")
        lines.append(f"wrk.body = [==[{body.decode()}]==]")
    for name, value in (headers or {}).items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    return "\n".join(lines) + "\n"


def run_wrk(url: str, *, connections: int, seconds: float, threads: int = 2, script: Path | None = None,
            allow_non_2xx: bool = False) -> WrkRun:
    """One wrk run; no socket may fail, and every answer must be 2xx unless ``allow_non_2xx``. Headers go in
    the ``script`` (:func:`lua_script`), never on the command line, where any user can read them."""
    exe = shutil.which("wrk")
    if exe is None:
        raise WrkError("wrk not found (Debian package wrk; scripts/install.sh installs it)")
    cmd = [exe, "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s"]
    if script is not None:
        cmd += ["-s", str(script)]
    proc = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise WrkError(f"wrk exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-300:]}")
    run = parse_wrk(proc.stdout)
    if (run.non_2xx and not allow_non_2xx) or run.socket_errors:
        raise WrkError(f"{url}: {run.non_2xx} answers not 2xx, {run.socket_errors} socket errors")
    return run
