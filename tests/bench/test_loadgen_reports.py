"""The load generators' reports, parsed from real output: wrk 4.1.0 and ab 2.3 (Debian 12 packages) against
nginx 1.22.1 on this project's machine (tests/data/loadgen/), plus the failure lines they print."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.bench.ab import AbError, parse_ab
from cardboot.bench.nginx import nginx_config
from cardboot.bench.wrk import WrkError, lua_script, parse_wrk
from tests.helpers import free_port

DATA = Path(__file__).parent.parent / "data" / "loadgen"


def test_wrk_report():
    run = parse_wrk((DATA / "wrk-4.1.0-nginx.txt").read_text())
    assert (run.requests, run.seconds, run.per_second, run.p50_ms, run.p99_ms) == (253919, 3.01, 84468.59, 1.08, 5.34)
    assert (run.non_2xx, run.socket_errors) == (0, 0)


def test_wrk_failure_lines_and_units():
    text = ("  Latency Distribution\n     50%  369.00us\n     75%    1.00ms\n     90%    2.00ms\n     99%    1.46s\n"
            "  1200 requests in 2.00s, 1.00MB read\n  Socket errors: connect 0, read 3, write 0, timeout 2\n"
            "  Non-2xx or 3xx responses: 40\nRequests/sec:    600.00\n")
    run = parse_wrk(text)
    assert (run.p50_ms, run.p99_ms, run.non_2xx, run.socket_errors) == (0.37, 1460.0, 40, 5)


def test_ab_report():
    run = parse_ab((DATA / "ab-2.3-nginx-cert.txt").read_text())
    assert (run.requests, run.per_second, run.p50_ms, run.p99_ms) == (1743, 1732.28, 55.0, 94.0)
    assert (run.failed, run.non_2xx, run.keep_alive) == (0, 0, 0)


@given(st.text(max_size=400))
def test_parsers_reject_noise_with_their_error(text):
    for parse, error in ((parse_wrk, WrkError), (parse_ab, AbError)):
        try:
            parse(text)
        except error:
            pass


def test_lua_script_and_nginx_config():
    script = lua_script("POST", b'{"a": "b"}', {"Accept": "application/yang-data+json"})
    assert script == ('wrk.method = "POST"\nwrk.body = [==[{"a": "b"}]==]\n'
                      'wrk.headers["Accept"] = "application/yang-data+json"\n')
    with pytest.raises(ValueError):
        lua_script("POST", b"x]==]y")
    conf = nginx_config(Path("/r"), 4433, Path("/c.pem"), Path("/k.pem"), "/x", Path("/r/body"), "text/plain", 2,
                        Path("/ca.pem"))
    assert "listen 127.0.0.1:4433 ssl;" in conf and "ssl_verify_client optional;" in conf
    assert "location = /x { default_type text/plain; alias /r/body; }" in conf and "worker_processes 2;" in conf


def test_wrk_and_ab_against_nginx(tmp_path):
    """The wiring end to end with tools we did not write: nginx serves the bytes over TLS, verifying a client
    certificate; wrk and ab (with the certificate) each get only 2xx answers. One second each, no figures
    asserted: the rates belong to `cardboot bench server`."""
    from cardboot.bench.ab import run_ab
    from cardboot.bench.nginx import static_nginx
    from cardboot.bench.wrk import run_wrk
    from cardboot.server.pki import init_pki

    init_pki(tmp_path / "pki", ["SN1"])
    pki = tmp_path / "pki"
    pem = tmp_path / "device.pem"
    pem.write_bytes((pki / "device-SN1.pem").read_bytes() + (pki / "device-SN1-key.pem").read_bytes())
    port = free_port()
    with static_nginx(tmp_path / "nginx", port, pki / "server.pem", pki / "server-key.pem", "/hm", b"<XRD/>",
                      "application/xrd+xml", workers=1, client_ca=pki / "ca.pem"):
        url = f"https://127.0.0.1:{port}/hm"
        run = run_wrk(url, connections=4, seconds=1, threads=1)
        assert run.requests > 0 and run.non_2xx == 0
        run = run_ab(url, client_pem=pem, connections=4, seconds=1, keep_alive=True)
        assert run.requests > 0 and run.keep_alive == run.requests
        with pytest.raises(WrkError, match="not 2xx"):
            run_wrk(f"https://127.0.0.1:{port}/missing", connections=2, seconds=1, threads=1)
    assert not (tmp_path / "nginx" / "nginx.pid").exists()  # stopped by PID, removed its pid file
