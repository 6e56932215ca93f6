"""``cardboot message`` build / decode / validate / diff from the command line."""

import pytest

from cardboot.cli.main import main

VARS = "profiles/vars/example.toml"


@pytest.mark.parametrize("carrier", ["plain", "tnds-xml", "tnds-wbxml"])
@pytest.mark.parametrize("version", ["1.1", "1.2", "1.3"])
def test_build_validate_decode(tmp_path, capsys, carrier, version):
    out = tmp_path / "m.wbxml"
    assert main(["message", "build", "--vars", VARS, "--carrier", carrier, "--wbxml-version", version,
                 "--out", str(out)]) == 0
    assert out.read_bytes()[0] == int(version[-1])
    assert main(["message", "validate", str(out)]) == 0
    assert f"ok: WBXML {version}" in capsys.readouterr().out
    assert main(["message", "decode", str(out)]) == 0
    xml = capsys.readouterr().out
    assert "<MgmtTree" in xml or "./DMAcc/com.example.dm/AppID" in xml
    assert "srv-s3cret" not in xml and "****" in xml
    assert main(["message", "decode", "--show-secrets", str(out)]) == 0
    assert "srv-s3cret" in capsys.readouterr().out


def test_build_refuses_an_invalid_message(tmp_path, capsys):
    bad = tmp_path / "vars.toml"
    bad.write_text(open(VARS).read().replace('server_url = "https://dm.example.com:443/dm"',
                                             'server_url = "https://dm.example.com:443/dm"\nimei = "1"'))
    tpl = tmp_path / "t.toml"
    tpl.write_text(open("profiles/templates/dm-bootstrap.toml").read().replace(
        'source = "{server_url}"', 'source = "https://elsewhere.example/dm"'))
    assert main(["message", "build", "--template", str(tpl), "--vars", VARS, "--out", str(tmp_path / "x")]) == 5
    err = capsys.readouterr().err
    assert "SOURCE-ADDR" in err and "5.5.4" in err
    assert not (tmp_path / "x").exists()


def test_build_too_big_for_the_ef(tmp_path, capsys):
    assert main(["message", "build", "--vars", VARS, "--max-size", "512", "--out", str(tmp_path / "m")]) == 5
    assert "SIZE" in capsys.readouterr().err


def test_missing_variable_is_one_line(tmp_path, capsys):
    v = tmp_path / "v.toml"
    v.write_text('imei = "1"\n')
    assert main(["message", "build", "--vars", str(v), "--out", str(tmp_path / "m")]) == 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not set" in err


def test_diff(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    main(["message", "build", "--vars", VARS, "--out", str(a)])
    main(["message", "build", "--vars", VARS, "--carrier", "tnds-xml", "--out", str(b)])
    capsys.readouterr()
    assert main(["message", "diff", str(a), str(b)]) == 0
    assert "same content" in capsys.readouterr().out
    main(["message", "build", "--vars", VARS, "--carrier", "plain", "--out", str(b)])
    capsys.readouterr()
    assert main(["message", "diff", str(a), str(b)]) == 1
    assert "PrefConRef" in capsys.readouterr().out


def test_decode_garbage_is_a_typed_error(tmp_path, capsys):
    f = tmp_path / "g"
    f.write_bytes(bytes.fromhex("02 A401 6A 00 6D 7F"))
    assert main(["message", "decode", str(f)]) == 5
    assert "unknown tag token" in capsys.readouterr().err


def test_encoder_options_all_round_trip(tmp_path, capsys):
    sizes = {}
    for opts in ([], ["--string-table"], ["--inline-data"], ["--string-table", "--inline-data"]):
        out = tmp_path / ("m" + "".join(opts) + ".wbxml")
        assert main(["message", "build", "--vars", VARS, "--carrier", "plain", "--out", str(out), *opts]) == 0
        assert main(["message", "validate", str(out)]) == 0
        sizes[" ".join(opts)] = out.read_bytes()
    assert len(sizes["--string-table"]) < len(sizes[""])  # repeated values go to the string table
    assert bytes([0xC3]) in sizes[""] and sizes["--inline-data"].count(0xC3) < sizes[""].count(0xC3)
