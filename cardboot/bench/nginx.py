"""nginx (Debian package ``nginx-light``) serving one static file over TLS on loopback: the physical anchor
the bootstrap server is measured against, with the same certificate and the same bytes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path


class NginxError(RuntimeError):
    """nginx is missing or did not start."""


def nginx_config(root: Path, port: int, cert: Path, key: Path, path: str, body_file: Path, content_type: str,
                 workers: int, client_ca: Path | None = None) -> str:
    """A self-contained configuration: everything under ``root``, one TLS server, one location."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # the files live in a 0700 temporary directory
    temp = "".join(f"  {kind}_temp_path {root / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"worker_processes {workers};\ndaemon off;\npid {root / 'nginx.pid'};\n"
            f"error_log {root / 'error.log'} warn;\n{user}events {{ worker_connections 4096; }}\n"
            f"http {{\n  access_log off;\n{temp}  keepalive_requests 1000000;\n"
            f"  server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n"
            + (f"    ssl_client_certificate {client_ca};\n    ssl_verify_client optional;\n" if client_ca else "")
            + f"    location = {path} {{ default_type {content_type}; alias {body_file}; }}\n  }}\n}}\n")


@contextmanager
def static_nginx(root: Path, port: int, cert: Path, key: Path, path: str, body: bytes, content_type: str,
                 workers: int = 2, client_ca: Path | None = None):
    """Run nginx serving ``body`` at ``https://127.0.0.1:port{path}`` until the block ends (stopped by PID)."""
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if exe is None:
        raise NginxError("nginx not found (Debian package nginx-light; scripts/install.sh installs it)")
    root.mkdir(parents=True, exist_ok=True)
    root, cert, key = root.resolve(), cert.resolve(), key.resolve()  # nginx reads paths against its prefix
    client_ca = client_ca.resolve() if client_ca else None
    body_file = root / "body"
    body_file.write_bytes(body)
    conf = root / "nginx.conf"
    conf.write_text(nginx_config(root, port, cert, key, path, body_file, content_type, workers, client_ca))
    proc = subprocess.Popen([exe, "-e", str(root / "error.log"), "-p", str(root), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not (root / "nginx.pid").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise NginxError(f"nginx did not start: {(proc.stderr.read() or b'').decode()[-300:]}")
            time.sleep(0.05)
        yield
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
