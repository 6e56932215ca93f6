"""`cardboot push build` / `push verify` as users run them: SMS files that verify, a wrong IMSI or a
tampered SMS exits 6, a missing segment is a one-line error (exit 5), USERPINMAC prints the digits the
user adds to the PIN and never the PIN, every output file is 0600."""

from __future__ import annotations

import json
import os
import stat

from tests.helpers import cli

VARS = "profiles/vars/example.toml"
IMSI = "001010123456789"


def test_build_then_verify(tmp_path):
    r = cli("push", "build", "--template", "dm-bootstrap", "--vars", VARS, "--imsi", IMSI, "--out", str(tmp_path),
            "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["sec"] == "NETWPIN" and out["sms"] == 13
    deliver = tmp_path / "deliver.hex"
    assert stat.S_IMODE(os.stat(deliver).st_mode) == 0o600
    lines = deliver.read_text().splitlines()
    shuffled = tmp_path / "shuffled.hex"
    shuffled.write_text("\n".join(lines[::-1] + lines[:1]) + "\n")
    r = cli("push", "verify", str(shuffled), "--imsi", IMSI)
    assert r.returncode == 0 and r.stdout.startswith("MAC holds (NETWPIN): 13 SMS (duplicates of 1 ignored)")
    assert cli("push", "verify", str(tmp_path / "submit.hex"), "--imsi", IMSI).returncode == 0
    r = cli("push", "verify", str(deliver), "--imsi", IMSI[:-1] + "0")
    assert r.returncode == 6 and "does not match" in r.stderr and "Traceback" not in r.stderr
    tampered = tmp_path / "t.hex"
    tampered.write_text("\n".join(lines[:-1] + [lines[-1][:-2] + ("00" if lines[-1][-2:] != "00" else "01")]))
    assert cli("push", "verify", str(tampered), "--imsi", IMSI).returncode == 6
    partial = tmp_path / "p.hex"
    partial.write_text("\n".join(lines[1:]))
    r = cli("push", "verify", str(partial), "--imsi", IMSI)
    assert r.returncode == 5 and "segment(s) 1 of 13 missing" in r.stderr


def test_userpinmac_prints_the_mac_digits_not_the_pin(tmp_path):
    r = cli("push", "build", "--template", "dm-bootstrap", "--vars", VARS, "--sec", "USERPINMAC", "--pin-env", "UP",
            "--out", str(tmp_path), "--format", "wsp", env={"UP": "97531"})
    assert r.returncode == 0 and "the user enters the PIN followed by " in r.stdout
    digits = r.stdout.split("followed by ")[1].split()[0]
    assert len(digits) == 5 and digits.isdigit() and "97531" not in r.stdout + r.stderr
    assert (tmp_path / "push.wsp").read_bytes()[1] == 0x06


def test_bad_inputs(tmp_path):
    r = cli("push", "build", "--template", "dm-bootstrap", "--vars", VARS, "--out", str(tmp_path))
    assert r.returncode == 2 and "give --imsi" in r.stderr
    bad = tmp_path / "bad.hex"
    bad.write_text("zz\n")
    r = cli("push", "verify", str(bad), "--imsi", IMSI)
    assert r.returncode == 2 and "bad.hex:1: not a hex TPDU" in r.stderr


def test_cp_document_pushed_and_verified(tmp_path):
    r = cli("push", "build", "--cp", "tests/data/cp/w7-napdef-proxy.xml", "--sec", "USERPINMAC", "--pin-env", "UP",
            "--out", str(tmp_path), env={"UP": "13579"})
    assert r.returncode == 0 and "CP document" in r.stdout and "13579" not in r.stdout
    r = cli("push", "verify", str(tmp_path / "deliver.hex"), "--pin-env", "UP", env={"UP": "13579"})
    assert r.returncode == 0 and "application/vnd.wap.connectivity-wbxml" in r.stdout
