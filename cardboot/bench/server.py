"""Benchmark: the bootstrap server against nginx, side by side in one run on loopback (issue 17).

The anchor is nginx serving the server's own ``/.well-known/host-meta`` bytes over TLS with the same
certificate (2 worker processes). wrk, a C load generator, drives nginx, the server's static endpoint with
1 and 2 workers, and the device endpoints with HTTP Basic (proven once per connection) over keep-alive
connections. wrk cannot present a client certificate; ab can, over HTTP/1.0 keep-alive (which the server
honours, ``server/run.py``) and with a new TLS handshake per request — what a device does when it
bootstraps — against nginx verifying the same client certificate the same way. A generator's ceiling is its rate against nginx in the same run; a
row is a measure of the server only when that ceiling is at least 5x the row's rate (``generator_bound``
says when it is not: the figure is then a floor)."""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from .nginx import static_nginx
from ..outfile import write_private
from .ab import run_ab
from .wrk import lua_script, run_wrk

RPC = "/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data"
JSON_HEADERS = {"Content-Type": "application/yang-data+json", "Accept": "application/yang-data+json"}
SERIAL = "BENCH1"


@dataclass
class ServerBenchResult:
    endpoint: str
    target: str  # nginx, or cardboot with its worker count
    generator: str
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    ratio_to_nginx: float
    ratio_to_static: float  # to the server's static endpoint driven by the same generator and workers
    generator_bound: bool = False  # the generator's ceiling was under 5x this rate: a floor, not a measure
    refused: int = 0  # 503 busy answers (Basic: the bounded scrypt queue while 100 connections prove themselves)

    def as_dict(self) -> dict:
        return asdict(self)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(db: str, pki: Path, port: int, workers: int):
    cli = [sys.executable, "-m", "cardboot.cli.main", "server", "run"]
    proc = subprocess.Popen([*cli, "--db", db, "--cert", str(pki / "server.pem"), "--key", str(pki / "server-key.pem"),
                             "--client-ca", str(pki / "ca.pem"), "--owner-cert", str(pki / "owner.pem"),
                             "--owner-key", str(pki / "owner-key.pem"), "--voucher-signer-cert",
                             str(pki / "voucher-signer.pem"), "--voucher-signer-key", str(pki / "voucher-signer-key.pem"),
                             "--port", str(port), "--workers", str(workers),
                             # the load generator is one client address opening 100 connections
                             "--max-connections-per-client", "1024"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        import httpx

        ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
        deadline = time.monotonic() + 40
        while True:
            try:
                httpx.get(f"https://127.0.0.1:{port}/.well-known/host-meta", verify=ctx, timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {proc.stderr.read().decode()[-300:]}") from None
                time.sleep(0.1)
        time.sleep(1.0 if workers > 1 else 0)  # the other workers finish starting
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bench_server(seconds: float = 5.0, connections: int = 100) -> list[ServerBenchResult]:
    from ..bootstrap.builder import build_message, encode_message
    from ..bootstrap.template import load_bootstrap, load_toml, resolve_template
    from ..server.app import HOST_META
    from ..server.pki import init_pki

    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        pki = work / "pki"
        init_pki(pki, [SERIAL])
        db = f"sqlite:///{work / 'server.sqlite'}"
        variables = load_toml(resolve_template("dm-bootstrap").parent.parent / "vars" / "example.toml", "vars")
        msg_file = work / "m.wbxml"
        msg_file.write_bytes(encode_message(build_message(load_bootstrap("dm-bootstrap", variables), "tnds-wbxml")))
        code = base64.b16encode(os.urandom(8)).decode()
        subprocess.run([sys.executable, "-m", "cardboot.cli.main", "server", "add-device", "--db", db, "--serial",
                        SERIAL, "--message", str(msg_file), "--activation-code-env", "BENCH_CODE"],
                       check=True, capture_output=True, env={**os.environ, "BENCH_CODE": code})
        basic = {"Authorization": "Basic " + base64.b64encode(f"{SERIAL}:{code}".encode()).decode()}
        # the credential and the device key go in 0600 files (in a 0700 directory), never on a command line
        scripts = {"get": work / "get.lua", "unsigned": work / "unsigned.lua", "signed": work / "signed.lua"}
        write_private(scripts["get"], lua_script("GET", headers=basic), what="wrk script")
        for name, body in (("unsigned", {}), ("signed", {"signed-data-preferred": [None]})):
            write_private(scripts[name], lua_script("POST", json.dumps({"ietf-sztp-bootstrap-server:input": body})
                                                    .encode(), {**JSON_HEADERS, **basic}), what="wrk script")
        client_pem = work / "device.pem"  # ab -E: certificate then key
        write_private(client_pem, (pki / f"device-{SERIAL}.pem").read_bytes()
                      + (pki / f"device-{SERIAL}-key.pem").read_bytes(), what="ab client certificate")
        rows: list[ServerBenchResult] = []

        def row(endpoint, target, generator, requests, rate, p50, p99, static, refused=0):
            rows.append(ServerBenchResult(endpoint, target, generator, requests, round(rate, 1), p50, p99, 0.0,
                                          round(rate / static, 2) if static else 1.0, refused=refused))
            return rate

        def wrk_row(endpoint, target, url, static=None, **kw):
            run = run_wrk(url, connections=connections, seconds=seconds, **kw)
            ok = run.requests - run.non_2xx  # answered requests only; 503 busy ones are counted apart
            return row(endpoint, target, "wrk", ok, ok / run.seconds, run.p50_ms, run.p99_ms, static, run.non_2xx)

        def ab_row(endpoint, target, url, static=None, keep_alive=False, pem=None):
            run = run_ab(url, client_pem=pem or client_pem, connections=connections, seconds=seconds,
                         keep_alive=keep_alive)
            return row(endpoint, target, "ab -k" if keep_alive else "ab", run.requests, run.per_second, run.p50_ms,
                       run.p99_ms, static)

        nginx_port = _free_port()
        with static_nginx(work / "nginx", nginx_port, pki / "server.pem", pki / "server-key.pem",
                          "/.well-known/host-meta", HOST_META, "application/xrd+xml", workers=2,
                          client_ca=pki / "ca.pem"):
            nginx_url = f"https://127.0.0.1:{nginx_port}/.well-known/host-meta"
            wrk_row("host-meta (static)", "nginx, 2 workers", nginx_url)
            ab_row("host-meta (static), certificate", "nginx, 2 workers", nginx_url, keep_alive=True)
            ab_row("host-meta (static), certificate, new TLS each, ECDSA P-256", "nginx, 2 workers", nginx_url)
        for workers in (1, 2):
            port = _free_port()
            base = f"https://127.0.0.1:{port}"
            with _server(db, pki, port, workers):
                target = f"cardboot, {workers} worker{'s' if workers > 1 else ''}"
                static = wrk_row("host-meta (static)", target, base + "/.well-known/host-meta")
                if workers == 1:
                    continue
                wrk_row("5.5.7 GET Bootstrap.xml, Basic", target, base + "/OMA/DM/Bootstrap.xml", static, script=scripts["get"],
                        allow_non_2xx=True)
                wrk_row("get-bootstrapping-data unsigned, Basic", target, base + RPC, static, script=scripts["unsigned"],
                        allow_non_2xx=True)
                wrk_row("get-bootstrapping-data signed, Basic", target, base + RPC, static, script=scripts["signed"],
                        allow_non_2xx=True)
                kept = ab_row("host-meta (static), certificate", target, base + "/.well-known/host-meta", keep_alive=True)
                ab_row("5.5.7 GET Bootstrap.xml, certificate", target, base + "/OMA/DM/Bootstrap.xml", kept,
                       keep_alive=True)
                handshakes = ab_row("host-meta (static), certificate, new TLS each, ECDSA P-256", target,
                                    base + "/.well-known/host-meta")
                ab_row("5.5.7 GET Bootstrap.xml, certificate, new TLS each, ECDSA P-256", target,
                       base + "/OMA/DM/Bootstrap.xml", handshakes)
        # the same first contact with RSA 2048 keys everywhere (server, CA, device), against nginx with them
        rsa_pki = work / "pki-rsa"
        init_pki(rsa_pki, [SERIAL], key_type="rsa")
        rsa_pem = work / "device-rsa.pem"
        write_private(rsa_pem, (rsa_pki / f"device-{SERIAL}.pem").read_bytes()
                      + (rsa_pki / f"device-{SERIAL}-key.pem").read_bytes(), what="ab client certificate")
        nginx_port = _free_port()
        with static_nginx(work / "nginx-rsa", nginx_port, rsa_pki / "server.pem", rsa_pki / "server-key.pem",
                          "/.well-known/host-meta", HOST_META, "application/xrd+xml", workers=2,
                          client_ca=rsa_pki / "ca.pem"):
            ab_row("host-meta (static), certificate, new TLS each, RSA 2048", "nginx, 2 workers",
                   f"https://127.0.0.1:{nginx_port}/.well-known/host-meta", pem=rsa_pem)
        port = _free_port()
        base = f"https://127.0.0.1:{port}"
        with _server(db, rsa_pki, port, 2):
            handshakes = ab_row("host-meta (static), certificate, new TLS each, RSA 2048", "cardboot, 2 workers",
                                base + "/.well-known/host-meta", pem=rsa_pem)
            ab_row("5.5.7 GET Bootstrap.xml, certificate, new TLS each, RSA 2048", "cardboot, 2 workers",
                   base + "/OMA/DM/Bootstrap.xml", handshakes, pem=rsa_pem)

        def ceiling_key(r):  # each generator's ceiling, per key type for the new-TLS rows
            return r.generator, "RSA" in r.endpoint

        nginx = {ceiling_key(r): r.per_second for r in rows if r.target.startswith("nginx")}
        for r in rows:
            r.ratio_to_nginx = round(r.per_second / nginx[ceiling_key(r)], 3)
            r.generator_bound = not r.target.startswith("nginx") and nginx[ceiling_key(r)] < 5 * r.per_second
        return rows
