"""Reading the files a user hands cardboot (variables, templates, card layouts, state files, messages,
secret files), the one way: bounded before it is read whole, decoded with a typed error that names the
file and where.

- At most ``limit + 1`` bytes are ever read, whatever the file is (``/dev/zero``, a FIFO, a huge file):
  more than ``limit`` is an error, never a MemoryError.
- A file that cannot be opened (missing, a directory, no permission) is a :class:`UsageError` (exit 2).
- Text that is not UTF-8, TOML that does not parse or nests deeper than :data:`MAX_NESTING`, JSON that
  does not parse: a :class:`ProfileError` naming the file and the line (exit 5).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from .errors import ProfileError, UsageError

MAX_NESTING = 32  # tables / arrays inside each other: far beyond any real layout, far below recursion


def read_bounded(path: str | Path, *, what: str, limit: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except IsADirectoryError:
        raise UsageError(f"cannot read {what} {path}: it is a directory") from None
    except OSError as e:
        raise UsageError(f"cannot read {what} {path}: {e.strerror}") from None
    if len(data) > limit:
        raise ProfileError(str(path), None, f"{what} larger than the {limit}-byte limit")
    return data


def decode_utf8(data: bytes, source: str, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ProfileError(source, line, f"{what} is not UTF-8 (byte {e.start}: {data[e.start]:02X})") from None


def read_text(path: str | Path, *, what: str, limit: int) -> str:
    return decode_utf8(read_bounded(path, what=what, limit=limit), str(path), what)


def _check_nesting(value, source: str, what: str) -> None:
    work = [(value, 0)]
    while work:
        v, depth = work.pop()
        if depth > MAX_NESTING:
            raise ProfileError(source, None, f"{what} nests tables/arrays deeper than {MAX_NESTING}")
        if isinstance(v, dict):
            work.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            work.extend((x, depth + 1) for x in v)


def parse_toml(text: str, source: str, what: str) -> dict:
    import re

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise ProfileError(source, int(m.group(1)) if m else None, f"{what} is not valid TOML: {e}") from None
    except RecursionError:
        raise ProfileError(source, None, f"{what} nests tables/arrays deeper than {MAX_NESTING}") from None
    _check_nesting(doc, source, what)
    return doc


def load_toml(path: str | Path, *, what: str, limit: int = 1 << 20) -> dict:
    return parse_toml(read_text(path, what=what, limit=limit), str(path), what)


def load_json(path: str | Path, *, what: str, limit: int) -> object:
    text = read_text(path, what=what, limit=limit)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProfileError(str(path), e.lineno, f"{what} is not valid JSON: {e.msg}") from None
    except RecursionError:
        raise ProfileError(str(path), None, f"{what} nests deeper than JSON can be read") from None
    except ValueError as e:  # an integer past Python's 4300-digit bound for int()
        raise ProfileError(str(path), None, f"{what} is not usable JSON: {str(e)[:100]}") from None
    _check_nesting(doc, str(path), what)
    return doc
