"""Issue 19, item 12: the small ones — one-line XML errors, "1 try left", `pins` given as a string, the
ADM length said in bytes, an empty variable called empty, --debug after the subcommand."""

from cardboot.cli.main import main
from cardboot.errors import WrongPinError
from cardboot.wbxml.xml import parse_xml
from cardboot.errors import XmlError

import pytest


def test_libxml2_errors_are_one_line():
    with pytest.raises(XmlError) as e:
        parse_xml(b"<SyncML><a></b></SyncML>", where="m.xml")
    assert "\n" not in str(e.value) and "m.xml" in str(e.value)


def test_one_try_left():
    assert "1 try left" in str(WrongPinError("PIN1", 1)) and "2 tries left" in str(WrongPinError("PIN1", 2))


def test_pins_as_a_string_in_a_layout(tmp_path, capsys):
    layout = open("profiles/cards/uicc.toml").read().replace('pins = ["PIN1", "ADM1"]', 'pins = "PIN1"', 1)
    f = tmp_path / "l.toml"
    f.write_text(layout)
    assert main(["inspect", "--vsim", str(f)]) == 5
    err = capsys.readouterr().err
    assert "pins must be a list of PIN names" in err and "names 'P'" not in err


def test_adm_length_in_bytes(capsys, monkeypatch):
    monkeypatch.setenv("T_ADM", "ééééé")  # 5 characters, 10 bytes
    assert main(["write", "--vsim", "uicc", "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
                 "--adm-env", "T_ADM"]) == 2
    err = capsys.readouterr().err
    assert "got 10 bytes" in err and "é" not in err


def test_empty_environment_variable_is_called_empty(capsys, monkeypatch):
    monkeypatch.setenv("T_ADM", "")
    assert main(["erase", "--vsim", "uicc", "--adm-env", "T_ADM"]) == 2
    assert "T_ADM (--adm-env) is empty" in capsys.readouterr().err


def test_debug_after_the_subcommand(capsys):
    assert main(["inspect", "--vsim", "sim", "--debug"]) == 0
    assert main(["--debug", "inspect", "--vsim", "sim"]) == 0


def test_an_unfilled_placeholder_in_a_message(tmp_path, capsys):
    v = tmp_path / "vars.toml"
    v.write_text(open("profiles/vars/example.toml").read().replace('server_name = "Example DM Server"',
                                                                   'server_name = "{server_name}"'))
    assert main(["message", "build", "--vars", str(v), "--out", str(tmp_path / "m")]) == 5
    out = capsys.readouterr()
    assert "PLACEHOLDER" in out.out + out.err and "'{server_name}'" in out.out + out.err
