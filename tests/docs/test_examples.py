"""Every shell and Python example of README.md and docs/ runs against the virtual cards, and prints what
the page shows (the markers: ``markdown_blocks.py``). A page's examples run in order in one fresh folder
holding links to the repository's ``profiles/``, ``tests/`` and ``.venv``, with ``cardboot`` on PATH;
what a page starts in the background is stopped (its process group) when the page is done."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .markdown_blocks import Block, blocks, console_commands, lines_match

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = ("quick-start-run", "quick-start-test")
PAGE_TIMEOUT = 300


def _runnable(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.marker.startswith("run") or b.marker == "output"]


def _env(workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CB_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _workdir(tmp_path: Path) -> Path:
    for name in ("profiles", "tests", "scripts"):
        (tmp_path / name).symlink_to(ROOT / name)
    venv = ROOT / ".venv" if (ROOT / ".venv").exists() else Path(sys.executable).parents[1]
    (tmp_path / ".venv").symlink_to(venv)
    return tmp_path


class Page:
    """One page's run: its blocks in order, the process groups they started."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.env = _env(workdir)
        self.groups: list[int] = []
        self.count = 0

    def _run(self, argv: list[str], block: Block) -> subprocess.CompletedProcess:
        proc = subprocess.Popen(argv, cwd=self.dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        self.groups.append(proc.pid)
        try:
            out, _ = proc.communicate(timeout=PAGE_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"{block.where}: still running after {PAGE_TIMEOUT} s")
        return subprocess.CompletedProcess(argv, proc.returncode, out.decode("utf-8", "replace"), "")

    def _script(self, text: str) -> Path:
        self.count += 1
        path = self.dir / f".example-{self.count}"
        path.write_text(text)
        return path

    def sh(self, block: Block) -> None:
        done = self._run(["bash", "-e", "-o", "pipefail", str(self._script(block.text))], block)
        assert done.returncode == 0, f"{block.where}: exit {done.returncode}\n{done.stdout}"

    def console(self, block: Block) -> None:
        commands = console_commands(block)
        n = self.count + 1
        parts = []
        for i, c in enumerate(commands):
            parts.append(f"{{ {c.text}\n}} > .out-{n}-{i} 2>&1 < /dev/null; echo $? > .rc-{n}-{i}\n")
        done = self._run(["bash", str(self._script("".join(parts)))], block)
        assert done.returncode == 0, f"{block.where}: {done.stdout}"
        for i, c in enumerate(commands):
            out = (self.dir / f".out-{n}-{i}").read_text(errors="replace")
            rc = int((self.dir / f".rc-{n}-{i}").read_text())
            shown = f"{block.where}: $ {c.text}\n--- printed (exit {rc}):\n{out}--- the page shows:\n" + \
                "\n".join(c.expected)
            assert rc == c.exit_code, shown
            assert lines_match(c.expected, out.splitlines()), shown

    def python(self, block: Block, output: Block | None) -> None:
        done = self._run([sys.executable, str(self._script(block.text))], block)
        assert done.returncode == 0, f"{block.where}: exit {done.returncode}\n{done.stdout}"
        if output is not None:
            expected = [line.rstrip() for line in output.text.splitlines()]
            assert lines_match(expected, done.stdout.splitlines()), \
                f"{block.where}: printed\n{done.stdout}--- the page shows:\n{output.text}"

    def pytest_file(self, block: Block) -> None:
        self.count += 1
        path = self.dir / f"test_example_{self.count}.py"
        path.write_text(block.text)
        done = self._run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", path.name], block)
        assert done.returncode == 0 and " passed" in done.stdout and "skipped" not in done.stdout, \
            f"{block.where}: {done.stdout}"

    def stop(self) -> None:
        for pgid in self.groups:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass


def _params():
    for page in PAGES:
        runnable = _runnable(page)
        if not runnable:
            continue
        marks = [pytest.mark.pcsc] if any(b.marker in ("run pytest", "run pcsc") for b in runnable) else []
        yield pytest.param(page, id=page.name, marks=marks)


@pytest.mark.parametrize("page", list(_params()))
def test_the_examples_of_a_page_run_as_shown(page, tmp_path, request):
    runnable = _runnable(page)
    if any(b.marker == "run pytest" for b in runnable):
        request.getfixturevalue("vsim_pcscd")
    restart = None
    if any(b.marker == "run pcsc" for b in runnable):
        # the page's commands start their own pcscd (batch --vsim-slots): the session's must not be running
        pcscd = request.getfixturevalue("vsim_pcscd")
        if not pcscd.started_here:
            pytest.skip("a system pcscd is running; the page's commands start their own")
        pcscd.stop()
        restart = pcscd.ensure
    run = Page(_workdir(tmp_path))
    try:
        for i, block in enumerate(runnable):
            if block.marker == "output":
                continue
            following = runnable[i + 1] if i + 1 < len(runnable) and runnable[i + 1].marker == "output" else None
            if block.marker == "run pytest":
                run.pytest_file(block)
            elif block.lang in ("sh", "bash"):
                run.sh(block)
            elif block.lang == "console":
                run.console(block)
            elif block.lang == "python":
                run.python(block, following)
            else:
                pytest.fail(f"{block.where}: a runnable block must be sh, console or python, not {block.lang!r}")
    finally:
        run.stop()
        if restart is not None:
            restart()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_shell_example_says_whether_it_runs(page):
    unmarked = []
    for b in blocks(page):
        if not b.needs_marker:
            continue
        if b.marker in NOT_RUN or b.marker in ("run", "run pcsc", "run pytest"):
            continue
        if b.marker.startswith("not run:") and b.marker[len("not run:"):].strip():
            continue
        unmarked.append(f"{b.where} ({b.lang or 'no language'}): marker {b.marker!r}")
    assert not unmarked, "examples that neither run nor say why not:\n" + "\n".join(unmarked)


def test_console_blocks_show_commands_and_their_output():
    from .markdown_blocks import Command

    block = Block(Path("x.md"), 1, "console", "run", "$ a \\\n  --b\none\n...\n[exit 6]\n$ c\n")
    assert console_commands(block) == [Command("a \\\n  --b", ["one", "..."], 6), Command("c", [], 0)]
    assert lines_match(["one", "...", "four"], ["one", "two", "three", "four"])
    assert lines_match(["one", "...", "two"], ["one", "two"])
    assert not lines_match(["one"], ["one", "two"])
    assert not lines_match(["one", "three"], ["one", "two", "three"])
    assert lines_match(["...", "last"], ["a", "b", "last  "])
    assert lines_match(["a,b,..."], ["a,b,c,d"]) and not lines_match(["a,b,..."], ["a,c"])
    assert lines_match([], [])
    assert not lines_match(["one", "..."], [])
