"""`message decode` recognises a CP document by its public id and masks its secrets; `message convert
--from cp` writes a bootstrap that `message validate` accepts; `--to cp` turns a bootstrap into a CP
document libwbxml reads; a CP document without w7 exits 5 with the reason."""

from __future__ import annotations

import shutil
import subprocess

from tests.helpers import cli

DOC = "tests/data/cp/w7-napdef-proxy.xml"


def test_decode_convert_validate_and_back(tmp_path):
    cp = tmp_path / "cp.wbxml"
    r = cli("message", "convert", "--from", "cp", DOC, "--out", str(tmp_path / "m.wbxml"))
    assert r.returncode == 0 and "valid" in r.stderr and "INIT has no place" in r.stderr
    r = cli("message", "validate", str(tmp_path / "m.wbxml"))
    assert r.returncode == 0 and r.stdout.startswith("ok: WBXML 1.2")
    r = cli("message", "convert", "--to", "cp", str(tmp_path / "m.wbxml"), "--out", str(cp))
    assert r.returncode == 0 and cp.read_bytes()[:2] == b"\x02\x0b"
    r = cli("message", "decode", str(cp))
    assert r.returncode == 0 and '<characteristic type="APPLICATION">' in r.stdout
    assert 'name="AAUTHSECRET" value="****"' in r.stdout and "cliS3cret" not in r.stdout
    if shutil.which("wbxml2xml"):
        out = tmp_path / "back.xml"
        subprocess.run(["wbxml2xml", "-o", str(out), str(cp)], check=True, capture_output=True, timeout=60)
        assert 'value="cliS3cret"' in out.read_text()


def test_cp_without_w7_is_refused(tmp_path):
    text = open(DOC).read()
    start, end = text.index('<characteristic type="APPLICATION">'), text.index("</wap-provisioningdoc>")
    bad = tmp_path / "no-w7.xml"
    bad.write_text(text[:start] + text[end:])
    r = cli("message", "convert", "--from", "cp", str(bad), "--out", str(tmp_path / "x"))
    assert r.returncode == 5 and "no w7 APPLICATION" in r.stderr and "Traceback" not in r.stderr
