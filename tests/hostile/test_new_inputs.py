"""What a careless user or a hostile file does to the inputs added with the device's switch-on, the card's
web server, the MASA hook and the LwM2M bootstrap: everything bounded before it is read whole, one typed
line naming the file, never a traceback; links refused; the LwM2M secret keys out of traces; the MASA
command seeing none of the operator's secrets."""

from __future__ import annotations

import json
import os
import socket
import ssl
import sys
import time

import pytest

from tests.helpers import cli

ADM = {"CB_ADM": "88888888"}


def one_line_error(done, code: int, *words: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, done.stderr
    for w in words:
        assert w in done.stderr, done.stderr


def test_an_endless_lwm2m_file_is_bounded(tmp_path):
    big = tmp_path / "big.lwm2m"
    big.write_bytes(b"\x00\x01\xff\xff" + b"\x00" * (1 << 17))
    one_line_error(cli("lwm2m", "decode", str(big)), 5, "big.lwm2m")
    one_line_error(cli("write", "--vsim", "uicc-lwm2m", "--lwm2m", str(big), "--adm-env", "CB_ADM", env=ADM), 5)


@pytest.mark.parametrize("content", [b"", b"\xff\xff", b"\x00\x01\x00\x05\x00\x00\x00\x00\x05\xc8\x00\xff\x41\x41",
                                     bytes.fromhex("0001000700000000020300"), b"\x00" * 4 + b"\x01"])
def test_broken_lwm2m_files_are_typed_errors(tmp_path, content):
    f = tmp_path / "x.lwm2m"
    f.write_bytes(content)
    one_line_error(cli("lwm2m", "decode", str(f)), 5, "x.lwm2m")


def test_deep_and_wide_lwm2m_tlv_is_refused_by_its_entry_bound():
    from cardboot.errors import DecodeError
    from cardboot.lwm2m import tlv

    many = bytes.fromhex("C100 00".replace(" ", "")) * 20_000  # 20,000 empty resources: past the bound
    with pytest.raises(DecodeError, match="more than 10000 entries"):
        tlv.decode(many)


def test_lwm2m_keys_stay_out_of_the_apdu_trace(tmp_path):
    built = tmp_path / "lw.bin"
    assert cli("lwm2m", "build", "--vars", "profiles/vars/lwm2m-example.toml", "--out", str(built)).returncode == 0
    done = cli("write", "--vsim", f"uicc-lwm2m:{tmp_path / 'c.json'}", "--lwm2m", str(built), "--adm-env", "CB_ADM",
               "--trace", env=ADM)
    assert done.returncode == 0, done.stderr
    key = "000102030405060708090A0B0C0D0E0F"
    assert key not in done.stderr.replace(" ", "").upper() and "88888888" not in done.stderr
    read = cli("read", "--vsim", f"uicc-lwm2m:{tmp_path / 'c.json'}", "--lwm2m", "--trace")
    assert key not in (read.stdout + read.stderr).replace(" ", "").upper()
    raw = cli("read", "--vsim", f"uicc-lwm2m:{tmp_path / 'c.json'}", "--object", "2.23.43.9.1")
    assert raw.returncode == 0 and key not in raw.stdout and "is a holder of secrets" in raw.stdout
    shown = cli("read", "--vsim", f"uicc-lwm2m:{tmp_path / 'c.json'}", "--object", "2.23.43.9.1", "--show-secrets")
    assert key in shown.stdout


@pytest.mark.parametrize("content, words", [
    ("[]", "not a cardboot device state"),
    ('{"format": "cardboot-device", "version": 1, "switch_ons": 1, "tree": ' + "[" * 5000 + "]" * 5000 + "}",
     "device.json"),
    ("\xff\xfe not json", "device.json"),
])
def test_bad_device_state_files(tmp_path, content, words):
    (tmp_path / "device.json").write_bytes(content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content)
    one_line_error(cli("device", "boot", "--vsim", "uicc", "--state", str(tmp_path / "device.json")), 5, words)


def test_a_huge_device_state_is_bounded_and_a_planted_link_refused(tmp_path):
    (tmp_path / "device.json").write_bytes(b" " * (17 << 20))
    one_line_error(cli("device", "boot", "--vsim", "uicc", "--state", str(tmp_path / "device.json")), 5, "device.json")
    target = tmp_path / "elsewhere.json"
    target.write_text("precious")
    link = tmp_path / "linked.json"
    link.symlink_to(target)
    done = cli("device", "boot", "--no-card", "--state", str(link))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert target.read_text() == "precious"


def test_the_masa_command_sees_none_of_the_operators_secrets(tmp_path):
    from cardboot.server.masa import CommandSigner, VoucherSourceError
    from cardboot.server.pki import init_pki

    init_pki(tmp_path / "pki")
    spy = tmp_path / "spy.py"
    spy.write_text("import json, os, sys\nopen(sys.argv[1], 'w').write(json.dumps(dict(os.environ)))\n")
    os.environ["CB_ADM_TEST_SECRET"] = "s3cret-adm"
    try:
        signer = CommandSigner(f"{sys.executable} {spy} {tmp_path / 'env.json'}", (tmp_path / "pki" / "ca.pem").read_bytes())
        with pytest.raises(VoucherSourceError):
            signer.make("SN1", b"0123456789abcdef")  # it prints nothing: no voucher
    finally:
        del os.environ["CB_ADM_TEST_SECRET"]
    seen = json.loads((tmp_path / "env.json").read_text())
    assert set(seen) <= {"PATH", "LANG", "LC_ALL", "CB_VOUCHER_SERIAL", "CB_VOUCHER_NONCE", "CB_VOUCHER_PINNED_CERT"}
    assert seen["CB_VOUCHER_SERIAL"] == "SN1"


def test_an_scws_client_that_never_sends_its_request_is_cut_off(tmp_path):
    import vsim
    from cardboot.server.pki import init_pki
    from vsim.scws import ScwsServer

    init_pki(tmp_path / "pki", [], ("127.0.0.1",))
    server = ScwsServer(vsim.load_card("uicc"), tmp_path / "pki" / "server.pem", tmp_path / "pki" / "server-key.pem",
                        port=0).start()
    try:
        ctx = ssl.create_default_context(cafile=str(tmp_path / "pki" / "ca.pem"))
        silent = ctx.wrap_socket(socket.create_connection(server.address, 5), server_hostname="127.0.0.1")
        silent.settimeout(20)
        start = time.monotonic()
        assert silent.recv(1) == b""  # closed by the server, not held open
        assert time.monotonic() - start < 15
        # and the SCWS still answers others
        done = cli("device", "fetch", "--scws", "--scws-address", f"127.0.0.1:{server.address[1]}", "--ca",
                   str(tmp_path / "pki" / "ca.pem"))
        assert done.returncode == 5 and "no bootstrap on the card (404)" in done.stderr
    finally:
        server.stop()


def test_a_redirect_trust_anchor_that_never_ends_is_bounded(tmp_path):
    big = tmp_path / "anchor.pem"
    big.write_bytes(b"-" * (2 << 20))
    done = cli("server", "add-device", "--db", f"sqlite:///{tmp_path / 's.sqlite'}", "--serial", "SN1", "--redirect",
               "https://a.example:443", "--redirect-trust-anchor", str(big))
    one_line_error(done, 5, "anchor.pem")
