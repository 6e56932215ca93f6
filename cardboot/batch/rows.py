"""The batch CSV: one row per card, keyed by ICCID, holding the template's variables (and the card's own
PIN / ADM when cards differ). The whole file is checked before any card is touched; every problem is
reported with its row (the CSV line) and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..bootstrap.template import load_toml, resolve_template, secret_variables, template_variables
from ..provision.prepare import from_template
from ..errors import CardbootError, ExitCode
from ..secret import Secret

MAX_CSV = 5 * 1024 * 1024
KEY_COLUMNS = ("iccid",)
SECRET_COLUMNS = ("pin", "adm")


class CsvError(CardbootError):
    """The batch CSV is wrong; ``problems`` lists (row, column, reason)."""

    exit_code = ExitCode.VALIDATION

    def __init__(self, source: str, problems: list[tuple[int | None, str | None, str]]):
        self.source = source
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{source}: {_where(first)}{first[2]}{more}")

    def lines(self) -> list[str]:
        return [f"{self.source}: {_where(p)}{p[2]}" for p in self.problems]


def _where(p) -> str:
    row, col, _ = p
    parts = []
    if row is not None:
        parts.append(f"row {row}")
    if col:
        parts.append(f"column {col!r}")
    return (", ".join(parts) + ": ") if parts else ""


@dataclass
class CardRow:
    row: int  # CSV line number
    iccid: str
    variables: dict[str, str]
    pin: Secret | None = None
    adm: Secret | None = None
    message: bytes = b""
    lwm2m: bytes = b""  # the LwM2M bootstrap's EF content, when the batch has an LwM2M template
    digest: str = ""  # SHA-256 of the non-secret values: detects a changed row without storing secrets

    def __repr__(self) -> str:
        return f"CardRow(row={self.row}, iccid={self.iccid})"


@dataclass
class Batch:
    template: str
    rows: list[CardRow] = field(default_factory=list)
    lwm2m_template: str | None = None

    def by_iccid(self) -> dict[str, CardRow]:
        return {r.iccid: r for r in self.rows}


def normalize_iccid(value: str) -> str | None:
    v = value.strip().upper().rstrip("F")
    return v if v.isascii() and v.isdigit() and 18 <= len(v) <= 20 else None  # "٣" is a digit to Python


def _lwm2m(lw_tpl: dict, lw_source: str, variables: dict) -> bytes:
    """A row's LwM2M bootstrap: filled, checked (LwM2M Core rules), encoded; MessageError otherwise."""
    from ..lwm2m.bootstrap import encode_ef
    from ..lwm2m.template import fill
    from ..lwm2m.validate import refuse_if_invalid

    return encode_ef(refuse_if_invalid(fill(lw_tpl, variables, lw_source), "LwM2M bootstrap"))


def load_batch(csv_path: str | Path, template: str, lwm2m_template: str | None = None) -> Batch:
    """Read and check the whole CSV; raise :class:`CsvError` listing every problem, or return the rows
    with their encoded messages (and LwM2M bootstraps, with ``lwm2m_template``: its variables are columns
    of the same CSV)."""
    src = str(csv_path)
    try:
        with open(csv_path, "rb") as f:
            raw = f.read(MAX_CSV + 1)  # bounded before it is read whole, whatever the file is
    except OSError as e:
        raise CsvError(src, [(None, None, f"cannot read: {e.strerror}")]) from None
    if len(raw) > MAX_CSV:
        raise CsvError(src, [(None, None, f"more than the {MAX_CSV}-byte limit for a batch CSV")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CsvError(src, [(line, None, f"not UTF-8 (byte {e.start}: {raw[e.start]:02X})")]) from None
    if "\x00" in text:
        raise CsvError(src, [(text[: text.index("\x00")].count("\n") + 1, None, "NUL byte: not a text CSV")])
    tpl_path = resolve_template(template)
    tpl = load_toml(tpl_path, "template")
    wanted = dm_wanted = template_variables(tpl)
    lw_tpl = lw_source = None
    lw_secret: set[str] = set()
    if lwm2m_template:
        from ..lwm2m.template import load_template, secret_variables as lw_secret_variables, variables as lw_variables

        lw_tpl, lw_source = load_template(lwm2m_template)
        wanted = wanted | lw_variables(lw_tpl)
        lw_secret = lw_secret_variables(lw_tpl)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list[tuple[int | None, str | None, str]] = []
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError(src, [(None, None, "empty file")]) from None
    except csv.Error as e:
        raise CsvError(src, [(1, None, f"bad CSV: {e}")]) from None
    header = [h.strip() for h in header]
    known = set(wanted) | set(KEY_COLUMNS) | set(SECRET_COLUMNS)
    for h in header:
        if h not in known:
            problems.append((1, h, "unknown column (not a template variable, iccid, pin or adm)"))
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        problems.append((1, dup[0], "column named twice"))
    if "iccid" not in header:
        problems.append((1, "iccid", "missing key column"))
    for name in sorted(wanted - set(header)):
        problems.append((1, name, "missing column: the template uses this variable"))
    if problems:
        raise CsvError(src, problems)

    rows: list[CardRow] = []
    seen: dict[str, int] = {}
    secret_vars = secret_variables(tpl) | lw_secret
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append((reader.line_num, None, f"bad CSV: {e}"))
            break
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.append((line, None, f"{len(values)} fields, the header has {len(header)}"))
            continue
        record = dict(zip(header, (v.strip() for v in values)))
        iccid = normalize_iccid(record["iccid"])
        if iccid is None:
            problems.append((line, "iccid", f"{record['iccid']!r} is not an ICCID (18-20 digits)"))
            continue
        if iccid in seen:
            problems.append((line, "iccid", f"duplicate key {iccid} (first in row {seen[iccid]})"))
            continue
        seen[iccid] = line
        empty = [c for c in wanted if not record.get(c)]
        for c in empty:
            problems.append((line, c, "empty value"))
        if empty:
            continue
        variables = {k: v for k, v in record.items() if k in wanted}
        try:
            dm_vars = {k: v for k, v in variables.items() if k in dm_wanted}
            prepared = from_template(tpl, dm_vars, source=str(tpl_path))
            data, findings = prepared.wbxml, prepared.findings
            lw_data = _lwm2m(lw_tpl, lw_source, variables) if lw_tpl is not None else b""
        except CardbootError as e:
            problems.append((line, None, str(e)))
            continue
        for f in findings:
            problems.append((line, None, str(f)))
        if findings:
            continue
        public = "\x1f".join(f"{k}={variables[k]}" for k in sorted(variables) if k not in secret_vars)
        rows.append(CardRow(line, iccid, variables, Secret(record["pin"]) if record.get("pin") else None,
                            Secret(record["adm"]) if record.get("adm") else None, data, lw_data,
                            hashlib.sha256(f"{iccid}\x1e{public}".encode()).hexdigest()))
    if problems:
        raise CsvError(src, problems)
    if not rows:
        raise CsvError(src, [(None, None, "no card rows")])
    return Batch(str(template), rows, lwm2m_template)
