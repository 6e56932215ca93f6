"""Shared fixtures: in-process virtual cards wired to the engine."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest

import vsim
from cardboot.apdu import Trace
from cardboot.card import connect_card
from cardboot.transport.virtual import VirtualTransport


def make_card(profile: str, t0: bool = False, family: str | None = None):
    """(virtual card, transport, engine card, trace) for a built-in profile."""
    vcard = vsim.load_card(profile, t0=t0)
    transport = VirtualTransport(vcard, name=f"vsim:{profile}")
    transport.connect()
    trace = Trace()
    card = connect_card(transport, family=family or vcard.profile.family, trace=trace)
    return vcard, transport, card, trace


@pytest.fixture(params=[False, True], ids=["T=1", "T=0"])
def uicc(request):
    return make_card("uicc", t0=request.param)


@pytest.fixture(params=[False, True], ids=["T=1", "T=0"])
def sim(request):
    return make_card("sim", t0=request.param)


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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


