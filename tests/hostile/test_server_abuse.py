"""Issue 19, items 5-8: the real bootstrap server over TLS on loopback, attacked the way the issue found
it weak — every loop bounded in count and time, traffic only to 127.0.0.0/8. Attackers use their own
loopback source addresses (127.0.0.2...) so that per-address limits can be seen apart from the device's.

- half-sent request headers: closed after the header timeout; one address holds at most N connections,
  counted from accept; a TLS handshake that does not finish is closed after the handshake timeout, and a
  server out of file descriptors' worth of silent connections still serves devices (issue 32 item 9);
- oversized request headers (one long field, many fields, a field that never ends): 431 and closed;
- HTTP Basic guessing: 429 + Retry-After after 5 failures, a certificate device stays fast meanwhile, an
  unknown serial costs what a known one costs, a keep-alive connection pays scrypt once;
- report-progress: only registered devices, bounded per device;
- malformed RPC input that gave 500: 400.
"""

import json
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.helpers import JSON, RPC, XML, cli, free_port

HEADER_TIMEOUT = 1.0
HANDSHAKE_TIMEOUT = 1.0
PER_CLIENT = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile-server")
    db = f"sqlite:///{d / 'server.sqlite'}"
    pki = d / "pki"
    assert cli("server", "init-pki", str(pki), "--device", "SN1", "--device", "SN9").returncode == 0
    for args in (["--serial", "SN1", "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml"],
                 *[["--serial", sn, "--template", "dmacc-only", "--vars", "profiles/vars/example.toml",
                    "--activation-code-env", "CODE2"] for sn in ("SN2", "SN4", "SN5")]):
        # SN2 is guessed at, SN4 timed, SN5 used over keep-alive: each test's failures stay its own
        assert cli("server", "add-device", "--db", db, *args, env={"CODE2": "activation-2"}).returncode == 0
    info = _start(d, pki, db, "--header-timeout", str(HEADER_TIMEOUT), "--handshake-timeout", str(HANDSHAKE_TIMEOUT),
                  "--max-connections-per-client", str(PER_CLIENT))
    yield info
    out, err = _stop(info)
    assert b"activation-2" not in out + err and b"Traceback" not in err, err[-2000:]


def _start(d, pki, db, *options, preexec_fn=None) -> dict:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cardboot.cli.main", "server", "run", "--db", db,
                             "--cert", str(pki / "server.pem"), "--key", str(pki / "server-key.pem"),
                             "--client-ca", str(pki / "ca.pem"), "--port", str(port), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec_fn)
    info = {"base": f"https://127.0.0.1:{port}", "port": port, "pki": pki, "db": db, "dir": d, "proc": proc}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            device(info).get("/.well-known/host-meta")
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    return info


def _stop(info) -> tuple[bytes, bytes]:
    info["proc"].terminate()
    return info["proc"].communicate(timeout=30)


def device(server, name: str | None = None, source: str = "127.0.0.1") -> httpx.Client:
    ctx = ssl.create_default_context(cafile=str(server["pki"] / "ca.pem"))
    if name:
        ctx.load_cert_chain(server["pki"] / f"device-{name}.pem", server["pki"] / f"device-{name}-key.pem")
    return httpx.Client(base_url=server["base"], verify=ctx, timeout=10,
                        transport=httpx.HTTPTransport(local_address=source, verify=ctx))


def tls_socket(server, source: str) -> ssl.SSLSocket:
    ctx = ssl.create_default_context(cafile=str(server["pki"] / "ca.pem"))
    raw = socket.create_connection(("127.0.0.1", server["port"]), timeout=10, source_address=(source, 0))
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def test_half_sent_headers_are_closed_and_one_address_is_capped(server):
    attackers = []
    try:
        for _ in range(PER_CLIENT):
            s = tls_socket(server, "127.0.0.2")
            s.sendall(b"GET /OMA/DM/Boot")  # half a request line, then silence
            attackers.append(s)
        # past the cap: closed at accept, before the handshake
        refused = 0
        for _ in range(4):
            try:
                tls_socket(server, "127.0.0.2").close()
            except (ssl.SSLError, ConnectionError):
                refused += 1
        assert refused == 4
        # meanwhile a device from its own address is served
        t0 = time.monotonic()
        assert device(server, "SN1").get("/OMA/DM/Bootstrap.xml").status_code == 200
        assert time.monotonic() - t0 < 3
        # the half-sent ones are closed by the server after the header timeout
        closed = 0
        for s in attackers[:PER_CLIENT]:
            s.settimeout(HEADER_TIMEOUT + 5)
            try:
                closed += s.recv(100) == b""
            except (ssl.SSLError, ConnectionError):
                closed += 1
        assert closed == PER_CLIENT
    finally:
        for s in attackers:
            s.close()


def test_a_slow_second_request_on_keep_alive_is_closed_too(server):
    s = tls_socket(server, "127.0.0.3")
    try:
        s.sendall(b"GET /.well-known/host-meta HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(5)
        got = b""
        while b"</XRD>" not in got:
            chunk = s.recv(4096)
            assert chunk, got
            got += chunk
        assert got.startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /.well-known/host")  # the next request, never finished
        t0 = time.monotonic()
        s.settimeout(HEADER_TIMEOUT + 6)
        assert s.recv(100) == b""
        assert time.monotonic() - t0 < HEADER_TIMEOUT + 5.5
    finally:
        s.close()


def _answer_then_close(s: ssl.SSLSocket) -> bytes:
    s.settimeout(10)
    got = b""
    try:
        while chunk := s.recv(4096):
            got += chunk
    except (ssl.SSLError, ConnectionError):
        pass
    return got


@pytest.mark.parametrize("request_bytes", [
    b"GET /.well-known/host-meta HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n",
    b"GET /.well-known/host-meta HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 0123456789\r\n" * 1000 + b"\r\n",
    b"GET /" + b"p" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /.well-known/host-meta HTTP/1.1\r\nHost: x\r\nX-Endless: " + b"b" * 40_000,  # never ends
], ids=["one-long-field", "many-fields", "long-target", "unterminated-field"])
def test_oversized_request_headers_get_431_and_are_closed(server, request_bytes):
    s = tls_socket(server, "127.0.0.5")
    try:
        try:
            s.sendall(request_bytes)
        except (ssl.SSLError, ConnectionError):
            pass  # the server may close before the last bytes are sent
        got = _answer_then_close(s)
    finally:
        s.close()
    assert got.startswith(b"HTTP/1.1 431 "), got[:200]
    assert device(server, "SN1").get("/.well-known/host-meta").status_code == 200


def test_basic_guessing_is_limited_and_says_when_to_retry(server):
    c = device(server, source="127.0.0.4")
    codes = [c.get("/OMA/DM/Bootstrap.xml", auth=("SN2", f"guess-{i}")).status_code for i in range(8)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3
    r = c.get("/OMA/DM/Bootstrap.xml", auth=("SN2", "activation-2"))
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60  # from there even the right code waits
    # the device itself, from its own address, is not locked out by the stranger's failures (issue 32 item 11)
    assert device(server, source="127.0.0.6").get("/OMA/DM/Bootstrap.xml", auth=("SN2", "activation-2")).status_code == 200
    # per address: many serials from one address
    c5 = device(server, source="127.0.0.5")
    statuses = [c5.get("/OMA/DM/Bootstrap.xml", auth=(f"NOPE{i}", "x")).status_code for i in range(22)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429]


def test_a_certificate_device_stays_fast_while_others_guess(server):
    stop = time.monotonic() + 4
    counts = []

    def guesser(k):
        c = device(server, source=f"127.0.1.{k}")
        n = 0
        while time.monotonic() < stop and n < 200:
            c.get("/OMA/DM/Bootstrap.xml", auth=(f"SN-{k}-{n}", "guess"))
            n += 1
        counts.append(n)

    threads = [threading.Thread(target=guesser, args=(k,)) for k in range(1, 9)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    latencies = []
    c = device(server, "SN1")
    while time.monotonic() < stop - 0.5 and len(latencies) < 40:
        t0 = time.monotonic()
        assert c.get("/OMA/DM/Bootstrap.xml").status_code == 200
        latencies.append(time.monotonic() - t0)
    for t in threads:
        t.join(30)
    assert sum(counts) > 8 and latencies
    assert statistics.median(latencies) < 0.5, latencies  # was a 4.4 s median with 100 guessers


def test_unknown_serials_cost_what_known_ones_cost(server):
    c = device(server, source="127.0.0.6")

    def timed(user):
        t0 = time.perf_counter()
        assert c.get("/OMA/DM/Bootstrap.xml", auth=(user, "wrong")).status_code == 401
        return time.perf_counter() - t0

    known = [timed("SN4") for _ in range(3)]
    unknown = [timed(f"NOBODY-{i}") for i in range(3)]
    assert statistics.median(unknown) > 0.3 * statistics.median(known), (known, unknown)


def test_keep_alive_pays_scrypt_once(server):
    c = device(server, source="127.0.0.7")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        assert c.get("/OMA/DM/Bootstrap.xml", auth=("SN5", "activation-2")).status_code == 200
        times.append(time.perf_counter() - t0)
    assert statistics.median(times[1:]) < times[0] / 3, times


def test_report_progress_only_from_registered_devices_and_bounded(server):
    import sqlite3

    big = "x" * 60_000
    body = {"ietf-sztp-bootstrap-server:input": {"progress-type": "bootstrap-initiated", "message": big}}
    raw = json.dumps(body).encode()
    headers = {"content-type": JSON, "accept": JSON}
    r = device(server, "SN9").post(RPC + "report-progress", content=raw, headers=headers)
    assert r.status_code == 404  # a CA-issued certificate, but nobody registered SN9
    c = device(server, "SN1")
    for _ in range(60):
        assert c.post(RPC + "report-progress", content=raw, headers=headers).status_code == 204
    con = sqlite3.connect(server["dir"] / "server.sqlite")
    rows = con.execute("select count(*), max(length(message)) from cardboot_progress where serial='SN1'").fetchone()
    none = con.execute("select count(*) from cardboot_progress where serial='SN9'").fetchone()[0]
    con.close()
    assert rows[0] == 50 and rows[1] <= 2048 + 20 and none == 0
    assert (server["dir"] / "server.sqlite").stat().st_size < 2_000_000


@pytest.mark.parametrize("ctype, body", [
    (JSON, '{"ietf-sztp-bootstrap-server:input": ' + "[" * 3000 + "]" * 3000 + "}"),
    (JSON, '{"ietf-sztp-bootstrap-server:input": {"progress-type": ' + "9" * 5000 + "}}"),
    (JSON, '{"ietf-sztp-bootstrap-server:input": {"progress-type": ["bootstrap-initiated"]}}'),
    (JSON, '{"ietf-sztp-bootstrap-server:input": {"progress-type": {"a": 1}}}'),
    (XML, '<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server">'
          "<progress-type>bootstrap-initiated</progress-type><progress-type>bootstrap-error</progress-type></input>"),
])
def test_malformed_rpc_input_is_400_not_500(server, ctype, body):
    r = device(server, "SN1").post(RPC + "report-progress", content=body.encode(),
                                   headers={"content-type": ctype, "accept": JSON})
    assert r.status_code == 400, r.text
    assert "ietf-restconf:errors" in r.text


def test_a_connection_pipelining_past_the_bound_is_closed(server):
    """Issue 32 item 10: 2,000 requests in one write held a cycle each (~2.4 KB); past MAX_PIPELINED the
    connection is closed, having been answered at most the requests before the bound."""
    from cardboot.server.run import MAX_PIPELINED

    s = tls_socket(server, "127.0.0.9")
    one = b"GET /.well-known/host-meta HTTP/1.1\r\nHost: x\r\n\r\n"
    try:
        try:
            s.sendall(one * 2000)
        except (ssl.SSLError, ConnectionError):
            pass
        got = _answer_then_close(s)
    finally:
        s.close()
    assert got.count(b"HTTP/1.1 200") <= MAX_PIPELINED + 1
    t0 = time.monotonic()
    assert device(server, "SN1").get("/OMA/DM/Bootstrap.xml").status_code == 200
    assert time.monotonic() - t0 < 3
    # a few pipelined requests, as a client that does pipeline sends them, are all answered
    s = tls_socket(server, "127.0.0.10")
    try:
        s.sendall(one * 3 + b"GET /.well-known/host-meta HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        got = _answer_then_close(s)
    finally:
        s.close()
    assert got.count(b"HTTP/1.1 200") == 4


def _silent(server, source: str, count: int) -> list[socket.socket]:
    """TCP connections that never send a byte: a TLS handshake that never starts."""
    held = []
    for _ in range(count):
        held.append(socket.create_connection(("127.0.0.1", server["port"]), timeout=10, source_address=(source, 0)))
    return held


def _closed_by_server(s: socket.socket, within: float) -> bool:
    s.settimeout(within)
    try:
        return s.recv(1) == b""
    except ConnectionError:
        return True
    except TimeoutError:
        return False


def test_silent_connections_are_capped_from_accept_and_their_handshake_is_bounded(server):
    """Issue 32 item 9: the cap counts a connection from accept, not from the end of its TLS handshake,
    and a handshake that does not finish is closed after --handshake-timeout (asyncio's own wait: 60 s)."""
    held = _silent(server, "127.0.0.11", PER_CLIENT + 40)
    try:
        t0 = time.monotonic()
        assert device(server, "SN1").get("/OMA/DM/Bootstrap.xml").status_code == 200
        assert time.monotonic() - t0 < 3
        # every connection past the cap is closed at once, the first PER_CLIENT only by the handshake timer
        assert sum(_closed_by_server(s, 0.3) for s in held[PER_CLIENT:]) == 40
        assert not any(_closed_by_server(s, 0.01) for s in held[:PER_CLIENT])
        assert all(_closed_by_server(s, HANDSHAKE_TIMEOUT + 3) for s in held[:PER_CLIENT])
        assert time.monotonic() - t0 < HANDSHAKE_TIMEOUT + 3
        # the address's slots are given back: a full handshake and a request from it go through again
        s = tls_socket(server, "127.0.0.11")
        s.sendall(b"GET /.well-known/host-meta HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert _answer_then_close(s).startswith(b"HTTP/1.1 200")
        s.close()
    finally:
        for s in held:
            s.close()


def _few_descriptors():
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def test_a_flood_of_silent_connections_past_the_descriptor_limit_locks_no_device_out(server):
    """Issue 32 item 9 as found: 1,100 silent connections against a server with Debian's default limit of
    1,024 descriptors locked every device out for about 60 s. Here the same at a quarter of the scale: a
    server limited to 256 descriptors, 300 silent connections from one address."""
    info = _start(server["dir"], server["pki"], server["db"], preexec_fn=_few_descriptors)
    held = []
    try:
        held = _silent(info, "127.0.0.12", 300)
        for _ in range(3):
            t0 = time.monotonic()
            assert device(info, "SN1").get("/OMA/DM/Bootstrap.xml").status_code == 200
            assert time.monotonic() - t0 < 3
    finally:
        for s in held:
            s.close()
        out, err = _stop(info)
    assert b"Traceback" not in err, err[-2000:]
