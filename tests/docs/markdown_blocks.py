"""The fenced blocks of README.md and docs/*.md, with the marker comment that says what the example
harness does with each (tests/docs/test_examples.py):

- ``<!-- run -->``: run it — ``sh`` as a bash script (``set -e``), ``console`` as ``$ command`` lines each
  followed by the output it must print (a ``...`` line stands for any lines, a line ending in ``...`` for
  any line that starts so, ``[exit N]`` for its exit code, default 0), ``python`` with the interpreter (the next block, marked ``<!-- output -->``, is what it prints);
- ``<!-- run pcsc -->``: run it as ``run`` does, on a machine with pcscd and vpcd (root);
- ``<!-- run pytest -->``: a ``python`` block that is a test file, run by its own pytest (needs pcscd);
- ``<!-- not run: REASON -->``: a shell example that cannot run here, and why;
- ``<!-- quick-start-run -->`` / ``<!-- quick-start-test -->``: the install lines (CI runs the second).

Every ``sh``, ``bash``, ``console`` and ``python`` block, and any block that starts with ``$ ``, needs one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"^<!--\s*(.*?)\s*-->$")
SHELL_LANGS = {"sh", "bash", "console", "python"}


@dataclass
class Block:
    page: Path
    line: int  # the opening fence's line (1-based)
    lang: str
    marker: str  # the comment's text right before the fence ("" when none)
    text: str

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"

    @property
    def needs_marker(self) -> bool:
        return self.lang in SHELL_LANGS or self.text.startswith("$ ")


def blocks(page: Path) -> list[Block]:
    out: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    previous = ""  # the last non-blank line outside a block
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            lang, start, body = line[3:].strip(), i + 1, []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise ValueError(f"{page.name}:{start}: a fenced block is never closed")
            m = MARKER.match(previous.strip())
            out.append(Block(page, start, lang, m.group(1) if m else "", "\n".join(body) + "\n"))
            previous = ""
        elif line.strip():
            previous = line
        i += 1
    return out


@dataclass
class Command:
    text: str  # the command, continuation lines joined
    expected: list[str]  # output lines, "..." for any lines
    exit_code: int = 0


def console_commands(block: Block) -> list[Command]:
    """``$ cmd`` lines (a trailing backslash continues on the next line) and the output after each."""
    commands: list[Command] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            text = line[2:]
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text + "\n" + lines[i]
            commands.append(Command(text, []))
        elif not commands:
            raise ValueError(f"{block.where}: a console block starts with output, not a $ command")
        elif (m := re.fullmatch(r"\[exit (\d+)\]", line.strip())):
            commands[-1].exit_code = int(m.group(1))
        else:
            commands[-1].expected.append(line.rstrip())
        i += 1
    return commands


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """``actual`` is ``expected`` line for line (trailing spaces aside), where a ``...`` line stands for
    any number of lines and a line ``prefix...`` for one line that starts with ``prefix``."""
    actual = [a.rstrip() for a in actual]
    # positions in `actual` reachable after matching a prefix of `expected`
    reach = {0}
    for e in expected:
        if e.strip() == "...":
            reach = set(range(min(reach), len(actual) + 1)) if reach else set()
        else:
            reach = {p + 1 for p in reach if p < len(actual) and _line_matches(e, actual[p])}
        if not reach:
            return False
    return len(actual) in reach


def _line_matches(expected: str, actual: str) -> bool:
    if expected.endswith("...") and len(expected) > 3:
        return actual.startswith(expected[:-3])
    return actual == expected
