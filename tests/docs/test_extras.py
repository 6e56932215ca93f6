"""Install what you use: the core runs its card and message commands with none of the extras' modules
importable, a command whose extra is missing says which one in a line (exit 2), and cardboot/extras.py
says what pyproject.toml says."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from cardboot.extras import DISTRIBUTIONS, EXTRAS, extra_for

ROOT = Path(__file__).resolve().parents[2]
EXTRA_MODULES = sorted({m for modules in EXTRAS.values() for m in modules})

# run cardboot as if only the core were installed: importing any extra's module fails as a missing one does
BLOCKED_RUN = textwrap.dedent('''
    import importlib.abc, sys
    BLOCKED = set(sys.argv[1].split(","))

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    from cardboot.cli.main import main
    sys.exit(main(sys.argv[2:]))
''')


def core_only(tmp_path, *argv, blocked=EXTRA_MODULES, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKED_RUN, ",".join(blocked), *argv], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=env)


def _name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()


def test_extras_py_lists_what_pyproject_installs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {_name(r) for r in project["dependencies"]} == {"pyscard", "pyasn1", "lxml"}
    optional = project["optional-dependencies"]
    for extra, modules in EXTRAS.items():
        direct = {_name(r) for r in optional[extra] if not r.startswith("cardboot[")}
        assert direct == {DISTRIBUTIONS[m] for m in modules}, extra
    everything = set(re.search(r"\[(.*)\]", optional["all"][0]).group(1).split(","))
    assert everything == set(EXTRAS) - {"bench"}
    dev = re.search(r"\[(.*)\]", optional["dev"][0]).group(1).split(",")
    assert set(dev) == {"all", "bench", "docs"}  # install.sh's .[dev] keeps installing everything


def test_a_missing_module_is_named_by_the_commands_own_extra_first():
    assert extra_for("sqlalchemy.engine", "server") == "server"
    assert extra_for("sqlalchemy", "batch") == "batch"
    assert extra_for("cryptography.x509", "device") == "device"
    assert extra_for("dns.resolver", "conformance") == "device"
    assert extra_for("cryptography", "conformance") == "device"
    assert extra_for("textual.app", "tui") == "tui"
    assert extra_for("no_such_module", "tui") is None


@pytest.mark.parametrize("argv", [
    ["inspect", "--vsim", "uicc"],
    ["write", "--vsim", "uicc:card.json", "--template", "dm-bootstrap", "--vars", str(ROOT / "profiles/vars/example.toml"),
     "--adm-env", "CB_ADM"],
    ["message", "build", "--vars", str(ROOT / "profiles/vars/example.toml"), "--out", "m.wbxml"],
    ["pkcs15", "init", "--vsim", "blank-uicc:b.json", "--layout", "uicc", "--adm-env", "CB_ADM"],
    ["dump", "--vsim", "usim-arr", "--out", "twin.toml"],
    ["push", "build", "--template", "dm-bootstrap", "--vars", str(ROOT / "profiles/vars/example.toml"),
     "--imsi", "001010123456789", "--out", "push"],
    ["vsim", "list"],
], ids=lambda a: " ".join(a[:2]))
def test_the_core_commands_need_no_extra(tmp_path, argv):
    import os

    done = core_only(tmp_path, *argv, env=dict(os.environ, CB_ADM="88888888"))
    assert done.returncode == 0, done.stderr
    assert "extra" not in done.stderr


@pytest.mark.parametrize("argv,command,extra", [
    (["tui"], "tui", "tui"),
    (["batch", "status", "--batch", "x"], "batch", "batch"),
    (["server", "list-devices"], "server", "server"),
    (["device", "discover", "example.com"], "device", "device"),
    (["bench", "server"], "bench server", "server"),
    (["bench", "batch"], "bench batch", "batch"),
], ids=lambda a: a if isinstance(a, str) else " ".join(a))
def test_a_command_without_its_extra_says_which_one_in_a_line(tmp_path, argv, command, extra):
    done = core_only(tmp_path, *argv)
    assert done.returncode == 2, done.stderr
    line = f"cardboot: error: cardboot {command} needs the [{extra}] extra: pip install 'cardboot[{extra}]' ("
    assert done.stderr.startswith(line), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_tui_names_its_extra_when_only_textual_is_missing(tmp_path):
    done = core_only(tmp_path, "tui", blocked=["textual"])
    assert done.returncode == 2
    assert done.stderr == ("cardboot: error: cardboot tui needs the [tui] extra: pip install 'cardboot[tui]' "
                           "(textual is not installed)\n")


def test_the_bench_without_httpx_names_the_bench_extra(tmp_path):
    done = core_only(tmp_path, "bench", "server", blocked=["httpx"])
    assert done.returncode == 2
    assert "needs the [bench] extra: pip install 'cardboot[bench]' (httpx is not installed)" in done.stderr


def test_the_api_is_core(tmp_path):
    script = BLOCKED_RUN.replace("from cardboot.cli.main import main\nsys.exit(main(sys.argv[2:]))", textwrap.dedent('''
        from cardboot import api
        with api.open_card(vsim="uicc") as card:
            print(card.inspect().iccid)
    '''))
    done = subprocess.run([sys.executable, "-c", script, ",".join(EXTRA_MODULES + ["cardboot.cli"])], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "8949449999000000028\n"
