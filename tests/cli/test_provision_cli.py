"""``cardboot write | read | verify | erase`` on in-process cards with a state file; errors as one line
with the documented exit code; secrets from the environment or a file, never echoed."""

import json

import pytest

from cardboot.cli.main import main

VARS = "profiles/vars/example.toml"


@pytest.fixture
def adm(monkeypatch):
    monkeypatch.setenv("T_ADM", "88888888")
    monkeypatch.setenv("T_PIN", "1234")


def test_write_read_verify_erase_with_a_state_file(tmp_path, capsys, adm):
    card = f"uicc:{tmp_path / 'card.json'}"
    assert main(["write", "--vsim", card, "--template", "dm-bootstrap", "--vars", VARS, "--adm-env", "T_ADM",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "verified" and result["message_bytes"] == 1600 and result["capacity"] == 4096
    assert main(["read", "--vsim", card]) == 0
    xml = capsys.readouterr().out
    assert "<MgmtTree" in xml and "****" in xml and "srv-s3cret" not in xml
    out = tmp_path / "m.wbxml"
    assert main(["read", "--vsim", card, "--out", str(out)]) == 0
    assert out.read_bytes()[0] == 0x02 and len(out.read_bytes()) == 1600
    assert main(["verify", "--vsim", card, "--message", str(out)]) == 0
    other = tmp_path / "other.wbxml"
    assert main(["message", "build", "--template", "dmacc-only", "--vars", VARS, "--out", str(other)]) == 0
    capsys.readouterr()
    assert main(["verify", "--vsim", card, "--message", str(other)]) == 6
    assert "semantic difference" in capsys.readouterr().out
    assert main(["inspect", "--vsim", card]) == 0
    assert "Content     tnds-wbxml message, WBXML 1.2, 1600 bytes" in capsys.readouterr().out
    assert main(["erase", "--vsim", card, "--adm-file", str(_file(tmp_path, "88888888"))]) == 0
    assert main(["read", "--vsim", card]) == 0
    assert "empty" in capsys.readouterr().out


def _file(tmp_path, value):
    f = tmp_path / "secret.txt"
    f.write_text(value + "\n")
    return f


@pytest.mark.parametrize("argv, code, text", [
    (["write", "--vsim", "uicc", "--template", "dm-bootstrap", "--vars", VARS], 4, "needs ADM1"),
    (["write", "--vsim", "sim", "--template", "dm-bootstrap", "--vars", VARS, "--adm-env", "T_ADM"], 4,
     "force with --force-verify"),
    (["read", "--vsim", "uicc-private"], 4, "needs PIN1"),
    (["write", "--vsim", "uicc", "--template", "dm-bootstrap", "--vars", VARS, "--adm-env", "NOPE"], 2, "NOPE"),
    (["read", "--reader", "nosuchreader"], 3, ""),
])
def test_errors_are_one_line_with_the_exit_code(capsys, adm, argv, code, text):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and text in err and "Traceback" not in err
    assert "88888888" not in err


def test_wrong_pin_says_how_many_tries_are_left(capsys, monkeypatch):
    monkeypatch.setenv("T_PIN", "0000")
    assert main(["read", "--vsim", "uicc-private", "--pin-env", "T_PIN"]) == 4
    err = capsys.readouterr().err
    assert "wrong PIN1: 2 tries left" in err and "0000" not in err


def test_invalid_message_file_is_refused(tmp_path, capsys, adm):
    bad = tmp_path / "bad.xml"
    bad.write_text('<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>'
                   '<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>x</LocURI></Target><Source><LocURI>y'
                   '</LocURI></Source></SyncHdr><SyncBody><Final/></SyncBody></SyncML>')
    assert main(["write", "--vsim", "uicc", "--message", str(bad), "--adm-env", "T_ADM"]) == 5
    assert "DMACC-PRESENT" in capsys.readouterr().err
