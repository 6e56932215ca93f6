"""The documentation site builds with MkDocs Material in strict mode (a warning — a broken link or anchor,
a page left out of the nav — fails the build), and README's links lead to files and headings that exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_docs_site_builds_without_a_warning(tmp_path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "api" / "index.html").exists()
    listed = set(re.findall(r"\b([\w-]+\.md)\b", (ROOT / "mkdocs.yml").read_text()))
    assert listed == {p.name for p in (ROOT / "docs").glob("*.md")}, "every page in the nav, and only pages that exist"


def _anchors(page: Path) -> set[str]:
    """The ids MkDocs' toc extension gives a page's headings (lowercase, punctuation dropped, spaces as -)."""
    out = set()
    for line in page.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"#{1,6}\s+(.*)", line):
            text = re.sub(r"[^\w\s-]", "", m.group(1).strip().lower())
            out.add(re.sub(r"[\s]+", "-", text))
    return out


def test_readme_links_lead_somewhere():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        file = ROOT / path
        if not file.exists():
            broken.append(target)
        elif anchor and anchor not in _anchors(file):
            broken.append(target)
    assert not broken, broken


def test_readme_stays_short():
    assert len((ROOT / "README.md").read_bytes()) < 12 * 1024
