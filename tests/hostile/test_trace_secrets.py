"""Issue 19, item 2: the content of secret-bearing files (EF DM_Bootstrap, any private object) never shows
in --trace or the --debug log: the UPDATE / READ BINARY data appear as ****, unless --show-secrets."""

import logging

import pytest

from cardboot.cli.main import main

SECRETS = [b"srv-s3cret", b"cli-s3cret"]  # AAuthSecrets of profiles/vars/example.toml


def leaked(text: str) -> list[str]:
    up = text.upper()
    return [s.decode() for s in SECRETS if s.hex().upper() in up or s.decode() in text]


@pytest.mark.parametrize("profile", ["uicc", "sim", "usim-arr"])
def test_write_and_read_traces_mask_the_bootstrap_data(profile, tmp_path, capsys, monkeypatch, caplog):
    monkeypatch.setenv("T_ADM", "88888888")
    monkeypatch.setenv("T_PIN", "1234")
    state = f"{profile}:{tmp_path / 'card.json'}"
    force = ["--force-verify"] if profile == "sim" else []
    caplog.set_level(logging.DEBUG, logger="cardboot.apdu")
    assert main(["write", "--vsim", state, "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
                 "--adm-env", "T_ADM", "--pin-env", "T_PIN", "--trace", *force]) == 0
    out = capsys.readouterr()
    assert "UPDATE BINARY" in out.err and "****" in out.err
    assert leaked(out.out + out.err) == [] and leaked(caplog.text) == []
    assert main(["read", "--vsim", state, "--pin-env", "T_PIN", "--trace", "--format", "wbxml",
                 "--out", str(tmp_path / "m.wbxml")]) == 0
    out = capsys.readouterr()
    assert "READ BINARY" in out.err and leaked(out.out + out.err) == [] and leaked(caplog.text) == []
    # the directory files are no secret: the trace still shows them
    assert "A706300404025207" in out.err.replace(" ", "")


def test_show_secrets_reveals_them(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("T_ADM", "88888888")
    state = f"uicc:{tmp_path / 'card.json'}"
    assert main(["write", "--vsim", state, "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
                 "--adm-env", "T_ADM"]) == 0
    capsys.readouterr()
    assert main(["read", "--vsim", state, "--trace", "--show-secrets", "--format", "wbxml",
                 "--out", str(tmp_path / "m.wbxml")]) == 0
    assert leaked(capsys.readouterr().err)
