"""Benchmark: the bootstrap server under 100 concurrent TLS connections on loopback (a ``cardboot server
run`` process, SQLite store): requests/s and p50/p99 latency for the 5.5.7 GET, get-bootstrapping-data
unsigned and signed, next to ``/.well-known/host-meta`` (a static answer: the ceiling of the same stack)
measured in the same run."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class ServerBenchResult:
    endpoint: str
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    ratio_to_ceiling: float

    def as_dict(self) -> dict:
        return asdict(self)


async def _load(base: str, ctx: ssl.SSLContext, make_request, total: int, concurrency: int) -> tuple[float, list[float]]:
    import httpx

    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, verify=ctx, limits=limits, timeout=30) as client:
        await asyncio.gather(*[make_request(client) for _ in range(concurrency)])  # warm the connections
        queue = iter(range(total))

        async def worker():
            for _ in queue:
                t0 = time.perf_counter()
                r = await make_request(client)
                latencies.append(time.perf_counter() - t0)
                if r.status_code not in (200, 204):
                    raise RuntimeError(f"server answered {r.status_code}: {r.text[:200]}")

        t0 = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        return time.perf_counter() - t0, latencies


def bench_server(total: int = 2000, concurrency: int = 100) -> list[ServerBenchResult]:
    from ..bootstrap.builder import build_message, encode_message
    from ..bootstrap.template import load_bootstrap, load_toml, resolve_template
    from ..server.pki import init_pki

    with tempfile.TemporaryDirectory() as d:
        pki = Path(d, "pki")
        init_pki(pki, ["BENCH1"])
        db = f"sqlite:///{Path(d, 'server.sqlite')}"
        variables = load_toml(resolve_template("dm-bootstrap").parent.parent / "vars" / "example.toml", "vars")
        msg_file = Path(d, "m.wbxml")
        msg_file.write_bytes(encode_message(build_message(load_bootstrap("dm-bootstrap", variables), "tnds-wbxml")))
        cli = [sys.executable, "-m", "cardboot.cli.main", "server"]
        subprocess.run([*cli, "add-device", "--db", db, "--serial", "BENCH1", "--message", str(msg_file)],
                       check=True, capture_output=True)
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        proc = subprocess.Popen([*cli, "run", "--db", db, "--cert", str(pki / "server.pem"), "--key",
                                 str(pki / "server-key.pem"), "--client-ca", str(pki / "ca.pem"), "--owner-cert",
                                 str(pki / "owner.pem"), "--owner-key", str(pki / "owner-key.pem"),
                                 "--voucher-signer-cert", str(pki / "voucher-signer.pem"), "--voucher-signer-key",
                                 str(pki / "voucher-signer-key.pem"), "--port", str(port),
                                 # the load generator is one client address opening 100 connections
                                 "--max-connections-per-client", "256"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
            ctx.load_cert_chain(pki / "device-BENCH1.pem", pki / "device-BENCH1-key.pem")
            base = f"https://127.0.0.1:{port}"
            import httpx

            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(base + "/.well-known/host-meta", verify=ctx, timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            rpc = "/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data"
            headers = {"content-type": "application/yang-data+json", "accept": "application/yang-data+json"}
            unsigned = json.dumps({"ietf-sztp-bootstrap-server:input": {}}).encode()
            signed = json.dumps({"ietf-sztp-bootstrap-server:input": {"signed-data-preferred": [None]}}).encode()
            endpoints = [
                ("host-meta (ceiling)", lambda c: c.get("/.well-known/host-meta")),
                ("5.5.7 GET Bootstrap.xml", lambda c: c.get("/OMA/DM/Bootstrap.xml")),
                ("get-bootstrapping-data unsigned", lambda c: c.post(rpc, content=unsigned, headers=headers)),
                ("get-bootstrapping-data signed", lambda c: c.post(rpc, content=signed, headers=headers)),
            ]
            results = []
            ceiling = None
            for name, make in endpoints:
                seconds, lat = asyncio.run(_load(base, ctx, make, total, concurrency))
                lat.sort()
                rps = total / seconds
                ceiling = ceiling or rps
                results.append(ServerBenchResult(name, total, round(rps, 1), round(lat[len(lat) // 2] * 1000, 1),
                                                 round(lat[int(len(lat) * 0.99) - 1] * 1000, 1), round(rps / ceiling, 2)))
            return results
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

