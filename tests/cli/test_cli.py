"""The command line: inspect and bench on the virtual cards, errors as one line and an exit code."""

import json

import pytest

from cardboot.cli.main import main


@pytest.mark.parametrize("profile, family, iccid", [("uicc", "UICC", "8949449999000000028"),
                                                    ("sim", "SIM", "8949449999000000002")])
@pytest.mark.parametrize("t0", [[], ["--t0"]])
def test_inspect_prints_atr_iccid_apps_and_pkcs15_files(capsys, profile, family, iccid, t0):
    assert main(["inspect", "--vsim", profile, *t0]) == 0
    out = capsys.readouterr().out
    assert f"Card        {family}" in out and "ATR         3B" in out and f"ICCID       {iccid}" in out
    assert "PKCS#15     A000000063504B43532D3135" in out
    for role, fid in (("ODF", "5031"), ("TokenInfo", "5032"), ("AODF", "5012"), ("DODF", "5207"),
                      ("DM_Bootstrap", "5300")):
        assert any(line.strip().startswith(role) and fid in line for line in out.splitlines()), role


def test_inspect_shows_decoded_objects_and_the_located_bootstrap(capsys):
    assert main(["inspect", "--vsim", "uicc-private"]) == 0
    out = capsys.readouterr().out
    assert "ODF         DODF -> 5207, AODF -> 5012" in out
    assert "TokenInfo   v1 serial 89494499990000000028" in out
    assert "AODF        PIN 'PIN1' authId 01 reference 01" in out
    assert "DODF        opaqueDO 'DM_Bootstrap' application 'OMA DM Bootstrap' -> 5300 (private authId 01)" in out
    assert "Bootstrap   7FFF/5300, 4096 bytes, PIN required (private): authId 01 -> PIN1 (reference 01)" in out
    assert "lookup    12 APDUs (EF.DIR 3, select PKCS#15 2, ODF 2, DODF 2, AODF 2, DM_Bootstrap 1)" in out


def test_inspect_json(capsys):
    assert main(["inspect", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["family"] == "uicc" and report["iccid"] == "8949449999000000028"
    files = {f["role"]: f for f in report["pkcs15"]["files"]}
    assert files["DM_Bootstrap"]["size"] == 4096 and files["ODF"]["access"]["read"] == "always"
    assert files["ODF"]["access"]["update"] == {"key": "ADM1", "reference": 10, "adm": True}
    assert files["ODF"]["access_text"] == "read ALW update ADM1"
    assert report["bootstrap"]["path"] == "7FFF/5300" and report["bootstrap"]["pin_reference"] is None
    assert report["bootstrap"]["lookup_apdus_total"] == 10
    assert report["pkcs15"]["dodf"][0]["label"] == "DM_Bootstrap"


def test_inspect_trace_masks_nothing_secret_but_shows_apdus(capsys):
    assert main(["inspect", "--vsim", "sim", "--trace"]) == 0
    err = capsys.readouterr().err
    assert "SELECT 2F00" in err and "A0 A4 00 00 02 2F00" in err


def test_unknown_profile_is_one_line(capsys):
    assert main(["inspect", "--vsim", "nosuch"]) == 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown card layout" in err and "Traceback" not in err


def test_bad_profile_file_names_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[card]\nfamily = "uicc"\natr = "3B00"\n\n[[file]]\npath = "3F00/XYZ1"\ntype = "mf"\n')
    assert main(["inspect", "--vsim", str(bad)]) == 5
    assert f"{bad}:6" in capsys.readouterr().err


def test_bench_json_counts_match_the_spec_minimum(capsys):
    # only the in-process benchmarks: the PC/SC, batch and server ones start daemons and load a TLS server
    assert main(["bench", "read", "provision", "--rounds", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["read_bootstrap"]
    assert {(r["card"], r["protocol"]) for r in rows} == {("SIM", "T=0"), ("SIM", "T=1"), ("UICC", "T=0"),
                                                          ("UICC", "T=1")}
    for r in rows:
        assert r["apdus"] == r["spec_minimum"] and r["bytes_read"] == 4096
        assert sum(r["stages"].values()) == r["apdus"]


def test_no_command_prints_help(capsys):
    assert main([]) == 2
