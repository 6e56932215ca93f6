"""Shared fixtures: in-process virtual cards wired to the engine."""

from __future__ import annotations

import glob
import os
import csv
import shutil
import subprocess
import tempfile

import pytest

from cardboot.apdu import Trace
from tests.helpers import HEADER, free_port, row


@pytest.fixture
def make_card(vsim_card_factory):
    """(virtual card, transport, engine card, trace) for a built-in profile, from the vsim plugin's
    factory — the way a project using the plugin would write it."""

    def make(profile: str, t0: bool = False, family: str | None = None):
        v = vsim_card_factory(profile, t0=t0)
        trace = Trace()
        card = v.connect(family=family or v.card.profile.family, trace=trace)
        return v.card, v.transport, card, trace

    return make


@pytest.fixture(params=[False, True], ids=["T=1", "T=0"])
def uicc(request, make_card):
    return make_card("uicc", t0=request.param)


@pytest.fixture(params=[False, True], ids=["T=1", "T=0"])
def sim(request, make_card):
    return make_card("sim", t0=request.param)


@pytest.fixture
def make_csv(tmp_path):
    """Write a batch CSV of ``n`` cards (tests/helpers.row) and return its path."""
    def make(n: int, *, extra_rows=(), header=HEADER, name="cards.csv") -> str:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for i in range(n):
                w.writerow(row(i))
            for r in extra_rows:
                w.writerow(r)
        return str(path)

    return make


@pytest.fixture(scope="session")
def pg_url():
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("starting a PostgreSQL cluster needs root (to run it as the postgres user)")
    bindir = os.path.dirname(bins[-1])
    data = tempfile.mkdtemp(prefix="cardboot-pg-")
    shutil.chown(data, "postgres", "postgres")
    port = free_port()
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


