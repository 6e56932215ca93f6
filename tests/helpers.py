"""Helpers the tests share (plain functions and constants; fixtures live in the conftest files)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

import pytest


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cli(*args, env=None, timeout=120):
    """``cardboot ARGS`` in a child process."""
    return subprocess.run([sys.executable, "-m", "cardboot.cli.main", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


# --- the batch CSV -------------------------------------------------------------------------------------
HEADER = ["iccid", "imei", "server_id", "server_name", "server_url", "server_secret", "server_nonce", "client_name",
          "client_secret", "client_nonce", "conn_name", "apn", "bootstrap_url"]
PLANTED = "pl4nted-S3CRET"


def iccid(i: int) -> str:
    return f"8949449999{i:09d}"


def row(i: int, **over) -> list[str]:
    values = dict(iccid=iccid(i), imei=f"4901542032{i:05d}", server_id="com.example.dm", server_name="Example DM",
                  server_url="https://dm.example.com/dm", server_secret=f"{PLANTED}-{i}", server_nonce="MTIz",
                  client_name=f"dev{i}", client_secret=f"cs{i}", client_nonce="NDU2", conn_name="Internet",
                  apn="internet", bootstrap_url="https://boot.example.com/dm")
    values.update(over)
    return [values[h] for h in HEADER]


# --- OpenSC ----------------------------------------------------------------------------------------------
needs_opensc = pytest.mark.skipif(shutil.which("pkcs15-tool") is None, reason="OpenSC not installed")


def pkcs15_tool(env, reader_index: str, *args) -> str:
    out = subprocess.run(["pkcs15-tool", "--reader", reader_index, *args], capture_output=True, text=True,
                         env=env, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def reader_index(env, reader: str) -> str:
    out = subprocess.run(["opensc-tool", "--list-readers"], capture_output=True, text=True, env=env, timeout=30)
    return next(line.split()[0] for line in out.stdout.splitlines() if reader in line)


# --- the bootstrap server ----------------------------------------------------------------------------------
def start_server(db: str, pki, port: int, *extra: str, capture: bool = False) -> subprocess.Popen:
    """``cardboot server run`` on loopback with the test PKI's server certificate and client CA (plus
    ``extra`` options), returned once it answers /.well-known/host-meta; ``capture`` keeps its output for
    the test to read (it must then communicate() with it)."""
    import ssl
    import time
    import urllib.request

    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "cardboot.cli.main", "server", "run", "--db", db,
                             "--cert", str(pki / "server.pem"), "--key", str(pki / "server-key.pem"),
                             "--client-ca", str(pki / "ca.pem"), "--port", str(port), *extra],
                            stdout=out, stderr=out)
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/.well-known/host-meta", context=ctx, timeout=1)
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    proc.communicate(timeout=30)
    raise RuntimeError(f"server run on port {port} did not answer within 30 s")


RPC = "/restconf/operations/ietf-sztp-bootstrap-server:"
JSON = "application/yang-data+json"
XML = "application/yang-data+xml"
