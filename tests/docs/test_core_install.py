"""``pip install .`` without extras, in a fresh virtualenv: the core installs pyscard, pyasn1 and lxml
only, ``cardboot inspect --vsim uicc`` works and ``cardboot tui`` names the extra it needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pip_install_dot_is_the_core_and_says_what_an_extra_adds(tmp_path):
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("cardboot", "vsim", "profiles"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check", str(source)],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr
    listed = subprocess.run([str(venv / "bin/python"), "-m", "pip", "list", "--format=freeze",
                             "--disable-pip-version-check"], capture_output=True, text=True, check=True).stdout
    installed = {line.split("==")[0].lower() for line in listed.splitlines()} - {"pip", "setuptools", "wheel"}
    assert installed == {"cardboot", "pyscard", "pyasn1", "lxml"}
    cardboot = str(venv / "bin/cardboot")
    inspect = subprocess.run([cardboot, "inspect", "--vsim", "uicc"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=60)
    assert inspect.returncode == 0, inspect.stderr
    assert "Content     empty (all FF, D.4.3)" in inspect.stdout
    tui = subprocess.run([cardboot, "tui"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert tui.returncode == 2
    assert tui.stderr == ("cardboot: error: cardboot tui needs the [tui] extra: pip install 'cardboot[tui]' "
                          "(textual is not installed)\n")
