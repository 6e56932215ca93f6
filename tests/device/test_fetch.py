"""Fetch as a device does (5.5.7) against `cardboot server run` on loopback: client certificate and HTTP
Basic, TLS verified against the test PKI's CA (and refused against another), 404 reported as "no bootstrap
for this device", the body decoded and validated; and through `device fetch --discover`."""

from __future__ import annotations


import pytest

from cardboot.device.fetch import FetchError, NoBootstrapError, fetch
from cardboot.errors import SecurityError
from cardboot.secret import Secret
from tests.helpers import cli, free_port, start_server
from tests.server.test_server_e2e import MESSAGE


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("fetch")
    db = f"sqlite:///{d / 's.sqlite'}"
    pki = d / "pki"
    assert cli("server", "init-pki", str(pki), "--device", "SN1", "--device", "SN9").returncode == 0
    assert cli("server", "add-device", "--db", db, "--serial", "SN1", "--template", "dm-bootstrap", "--vars",
               "profiles/vars/example.toml").returncode == 0
    assert cli("server", "add-device", "--db", db, "--serial", "SN2", "--template", "dmacc-only", "--vars",
               "profiles/vars/example.toml", "--activation-code-env", "C", env={"C": "act-2"}).returncode == 0
    assert cli("server", "add-device", "--db", db, "--serial", "SN9", "--redirect",
               "https://other.example.com").returncode == 0
    port = free_port()
    proc = start_server(db, pki, port)
    url = f"https://127.0.0.1:{port}/OMA/DM/Bootstrap.xml"
    yield {"url": url, "pki": pki}
    proc.terminate()
    proc.wait(30)


def test_certificate_and_basic(server):
    pki = server["pki"]
    got = fetch(server["url"], ca=str(pki / "ca.pem"), cert=str(pki / "device-SN1.pem"),
                key=str(pki / "device-SN1-key.pem"))
    assert got.data == MESSAGE and got.findings == [] and got.content_type == "application/vnd.syncml.dm+wbxml"
    got = fetch(server["url"], ca=str(pki / "ca.pem"), basic=Secret("SN2:act-2"))
    assert got.data[0] == 0x02 and not got.findings
    with pytest.raises(SecurityError):
        fetch(server["url"], ca=str(pki / "ca.pem"), basic=Secret("SN2:wrong"))
    with pytest.raises(NoBootstrapError, match="no bootstrap for this device"):
        fetch(server["url"], ca=str(pki / "ca.pem"), cert=str(pki / "device-SN9.pem"),
              key=str(pki / "device-SN9-key.pem"))


def test_tls_is_verified(server, tmp_path):
    other = tmp_path / "other"
    assert cli("server", "init-pki", str(other)).returncode == 0
    with pytest.raises(FetchError, match="certificate does not verify"):
        fetch(server["url"], ca=str(other / "ca.pem"), basic=Secret("SN2:act-2"))
    with pytest.raises(Exception, match="https:// only"):
        fetch(server["url"].replace("https", "http"))


def test_cli_fetch_writes_0600_and_never_prints_the_code(server, tmp_path):
    pki = server["pki"]
    out = tmp_path / "m.wbxml"
    r = cli("device", "fetch", "--url", server["url"], "--ca", str(pki / "ca.pem"), "--basic-env", "B", "--out",
            str(out), env={"B": "SN2:act-2"})
    assert r.returncode == 0 and r.stdout.startswith("fetched:") and "act-2" not in r.stdout + r.stderr
    assert (out.stat().st_mode & 0o777) == 0o600
    r = cli("device", "fetch", "--url", server["url"], "--ca", str(pki / "ca.pem"), "--cert",
            str(pki / "device-SN9.pem"), "--key", str(pki / "device-SN9-key.pem"))
    assert r.returncode == 5 and "no bootstrap for this device (404)" in r.stderr


def test_conformance_of_what_the_server_serves(server):
    pki = server["pki"]
    r = cli("conformance", "--server", server["url"], "--ca", str(pki / "ca.pem"), "--cert",
            str(pki / "device-SN1.pem"), "--key", str(pki / "device-SN1-key.pem"))
    assert r.returncode == 0 and "pass DM-BOOT-S-003-M" in r.stdout
