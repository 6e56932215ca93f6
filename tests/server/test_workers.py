"""`cardboot server run --workers 2` (issue 17): two server processes share the port and the SQLite store
(WAL), SIGHUP replaces the workers, both answer, report-progress from both lands in the one store, SIGTERM stops them all."""

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import JSON, RPC, cli, free_port


def cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


def children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"resource_tracker" not in cmdline(entry):
                out.add(int(entry.name))  # workers, not multiprocessing's resource tracker
    return out


def test_two_workers_share_port_and_store(tmp_path):
    db = f"sqlite:///{tmp_path / 'server.sqlite'}"
    pki = tmp_path / "pki"
    assert cli("server", "init-pki", str(pki), "--device", "SN1").returncode == 0
    assert cli("server", "add-device", "--db", db, "--serial", "SN1", "--template", "dm-bootstrap",
               "--vars", "profiles/vars/example.toml").returncode == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cardboot.cli.main", "server", "run", "--db", db, "--cert",
                             str(pki / "server.pem"), "--key", str(pki / "server-key.pem"), "--client-ca",
                             str(pki / "ca.pem"), "--port", str(port), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
        ctx.load_cert_chain(pki / "device-SN1.pem", pki / "device-SN1-key.pem")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            try:
                httpx.get(f"https://127.0.0.1:{port}/.well-known/host-meta", verify=ctx, timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.communicate()[1][-2000:]
                time.sleep(0.2)
        workers = children(proc.pid)
        assert len(workers) >= 2  # the supervisor's workers
        os.kill(proc.pid, signal.SIGHUP)  # graceful reload: new workers replace the old ones one by one
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and (children(proc.pid) & workers or len(children(proc.pid)) < 2):
            time.sleep(0.2)
        assert not children(proc.pid) & workers and len(children(proc.pid)) >= 2
        body = json.dumps({"ietf-sztp-bootstrap-server:input": {"progress-type": "bootstrap-initiated"}})
        for _ in range(20):  # fresh connections: the kernel spreads them over the workers
            with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=ctx, timeout=10) as c:
                assert c.get("/OMA/DM/Bootstrap.xml").status_code == 200
                r = c.post(RPC + "report-progress", content=body, headers={"content-type": JSON, "accept": JSON})
                assert r.status_code == 204
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert not children(proc.pid)
    reports = json.loads(cli("server", "reports", "--db", db, "--device", "SN1").stdout)
    assert len(reports) == 20  # every worker wrote into the one WAL store, none lost to "database is locked"
