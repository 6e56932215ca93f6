"""The CLI loads only what the chosen command needs (issue 17): a card command imports none of the
server, TUI, batch-ledger or CMS stacks."""

import subprocess
import sys

import pytest

HEAVY = ("textual", "uvicorn", "sqlalchemy", "cryptography", "httpx", "rich")


def imported_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_importing_the_cli_loads_no_heavy_stack():
    assert not imported_after("import cardboot.cli.main") & set(HEAVY)


@pytest.mark.parametrize("args", [["--version"], ["inspect", "--vsim", "uicc"], ["read", "--vsim", "uicc"],
                                  ["message", "validate", "/dev/null"], ["--help"]])
def test_card_commands_load_no_heavy_stack(args):
    code = ("import sys\nfrom cardboot.cli.main import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass")
    assert not imported_after(code) & set(HEAVY)


def test_bench_startup_reports_every_command_against_the_interpreter(capsys):
    import json

    from cardboot.cli.main import main

    assert main(["bench", "startup", "--rounds", "30", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["startup"]
    assert [r["command"] for r in rows][0] == "python -c pass (anchor)" and rows[0]["ratio_to_python"] == 1.0
    assert len(rows) == 4 and all(r["median_ms"] > 0 for r in rows)


@pytest.mark.parametrize("args", [["--version"], ["inspect", "--vsim", "uicc"], ["read", "--vsim", "uicc"]])
def test_commands_that_parse_no_xml_do_not_load_lxml(args):
    """lxml.etree alone took 13 ms of a 110 ms inspect; only XML input pays for it."""
    code = ("import sys\nfrom cardboot.cli.main import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass")
    assert "lxml" not in imported_after(code)
