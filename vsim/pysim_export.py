"""A layout from a pySim-shell ``export`` script: a real card's files as the card gave them — each file's
SELECT response (``# RAW FCP Template: 62...``) and content (``update_binary`` / ``update_record`` lines)
— taken verbatim, so a virtual twin answers with the real card's bytes (``cardboot vsim from-pysim``).

What an export does not hold, the caller says: the ADM1 value (pySim's card_data.csv lists it beside
each card), a PIN1 value (the cards' PINs are not exported; a test value is used), and what the twin
enforces (READ always, UPDATE ADM1: the real FCPs' own security attributes, usually EF.ARR references,
are kept verbatim and are what cardboot reads). Files the export could not read (``# bad file``) and the
2G GET RESPONSE of SIM-only cards are left out and listed in the layout's header.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .vpcd import atr_protocols

_DIRECTORY = re.compile(r"^# directory: (\S+) \(([0-9a-fA-F/]+)\)\s*$")
_STRUCTURE = re.compile(r"^# structure: (\S+)\s*$")
_FCP = re.compile(r"^# RAW FCP Template: ([0-9a-fA-F]*)\s*$")
_BINARY = re.compile(r"^update_binary ([0-9a-fA-F]*)\s*$")
_RECORD = re.compile(r"^update_record (\d+) ([0-9a-fA-F]*)\s*$")
_BAD = re.compile(r"^# bad file: (.*)$")


class ExportError(ValueError):
    """The script is not a pySim-shell export cardboot can read; names the line."""


@dataclass
class ExportedFile:
    name: str
    path: list[str]  # FIDs / the AID of an ADF, as pySim writes them (lower-case hex)
    fcp: bytes = b""
    structure: str = ""
    binary: bytes | None = None
    records: dict[int, bytes] = field(default_factory=dict)


def parse_export(text: str) -> tuple[list[ExportedFile], list[str]]:
    """(files in export order, what was left out and why)."""
    files: list[ExportedFile] = []
    skipped: list[str] = []
    current: ExportedFile | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        try:
            if m := _DIRECTORY.match(line):
                current = ExportedFile(m.group(1), m.group(2).split("/"))
                files.append(current)
            elif m := _BAD.match(line):
                skipped.append(m.group(1).split(",")[0])
            elif current is None:
                continue
            elif m := _STRUCTURE.match(line):
                current.structure = m.group(1)
            elif m := _FCP.match(line):
                current.fcp = bytes.fromhex(m.group(1))
            elif m := _BINARY.match(line):
                current.binary = (current.binary or b"") + bytes.fromhex(m.group(1))
            elif m := _RECORD.match(line):
                current.records[int(m.group(1))] = bytes.fromhex(m.group(2))
        except ValueError as e:
            raise ExportError(f"line {lineno}: {e}") from None
    if not files:
        raise ExportError("no '# directory:' lines: not a pySim-shell export")
    return files, skipped


def _hexs(data: bytes) -> str:
    return '"' + data.hex(" ").upper() + '"'


def _text(value: str) -> str:
    """A TOML basic string: names come from the export (and the file name), quotes and all."""
    return json.dumps(value)


def layout_from_export(text: str, *, atr: bytes, adm1: bytes, pin1: bytes = b"1234", name: str = "",
                       source: str = "") -> str:
    """The export as a vsim layout TOML (UICC exports: FCPs starting 62)."""
    files, skipped = parse_export(text)
    name, source = " ".join(name.split()), " ".join(source.split())  # one line each in the header comment
    mf = next((f for f in files if f.path == ["3f00"]), None)
    if mf is None or not mf.fcp.startswith(b"\x62"):
        raise ExportError("no UICC MF (FCP 62 ...) in the export: only UICC exports are converted")
    kept, left = [], list(skipped)
    for f in files:
        if not f.fcp.startswith(b"\x62"):
            left.append(f"{f.name}: no UICC FCP")
        elif f.structure == "ber_tlv":
            left.append(f"{f.name}: BER-TLV EF (not modelled by vsim)")
        else:
            kept.append(f)
    header = [f"# Virtual twin of {name or 'a real card'} from its pySim-shell export" +
              (f" ({source})" if source else "") + ".",
              "# Every fcp and content below is the card's own bytes, unedited. read/update state what the twin",
              "# enforces; PIN1's value is a test value (not exported), ADM1's the one given."]
    header += [f"# left out: {why}" for why in left]
    out = header + ["", "[card]", f"name = {_text('twin of ' + name)}", 'family = "uicc"',
                    f"atr = {_hexs(atr)}"] + (['protocol = "T=0"'] if atr_protocols(atr) == {0} else []) + ["",
                    "[[pin]]", 'name = "PIN1"', "ref = 0x01", f"value_hex = {_hexs(pin1)}", "",
                    "[[pin]]", 'name = "ADM1"', "ref = 0x0A", f"value_hex = {_hexs(adm1)}", "retries = 10"]
    # an ADF whose FCP names an FID of its own (83, not the reserved 7FFF) is laid out at that FID, as the
    # card answers a SELECT of it; one without is named by its AID
    by_fid = {}
    for f in kept:
        if len(f.path) == 2 and len(f.path[1]) > 4:
            fid = _fcp_item(f.fcp, 0x83)
            if fid and len(fid) == 2 and fid not in (b"\x7f\xff", b"\xff\xff", b"\x3f\x00"):
                by_fid[f.path[1]] = fid.hex()
    for f in kept:
        path = "/".join(by_fid.get(p, p).upper() for p in f.path)
        out += ["", "[[file]]", f'path = "{path}"', f"name = {_text(f.name.split('/')[-1])}"]
        is_mf, is_adf = f.path == ["3f00"], len(f.path[-1]) > 4
        if is_mf:
            out.append('type = "mf"')
        elif is_adf:  # pySim names an ADF by the start of its AID; the FCP's 84 has all of it
            out += ['type = "adf"', f"aid = {_hexs(_fcp_item(f.fcp, 0x84) or bytes.fromhex(f.path[-1]))}"]
        elif f.structure in ("linear_fixed", "cyclic"):
            recs = [f.records[n] for n in sorted(f.records)]
            size, count = _records(f.fcp)
            size = size or max((len(r) for r in recs), default=1)
            out += ['type = "linear"', f"record_size = {size}", f"records = {max(count, len(recs), 1)}"]
            if recs:
                out.append("record = [" + ", ".join(_hexs(r) for r in recs) + "]")
        elif f.structure == "transparent":
            data = f.binary or b""
            out += ['type = "transparent"', f"size = {len(data) or _file_size(f.fcp)}"]
            if data:
                out.append(f"content = {_hexs(data)}")
        else:
            out.append('type = "df"')
        if is_mf or is_adf or not f.structure:  # a directory: its PIN status template's keys
            out.append('pins = ["PIN1", "ADM1"]')
        out += ['read = "always"', 'update = "ADM1"', f"fcp = {_hexs(f.fcp)}"]
    return "\n".join(out) + "\n"


def _length(data: bytes, i: int) -> tuple[int, int]:
    """A BER length at ``data[i]`` (short form, or 81 / 82 long form): (length, index after it)."""
    first = data[i]
    if first < 0x80:
        return first, i + 1
    n = first & 0x7F
    return int.from_bytes(data[i + 1 : i + 1 + n], "big"), i + 1 + n


def _fcp_item(fcp: bytes, tag: int) -> bytes | None:
    """The value of a one-byte ``tag`` directly inside the FCP template (62), or None."""
    if len(fcp) < 2:
        return None
    _, i = _length(fcp, 1)
    while i + 1 < len(fcp):
        t = fcp[i]
        n, start = _length(fcp, i + 1)
        if t == tag:
            return fcp[start : start + n]
        i = start + n
    return None


def _records(fcp: bytes) -> tuple[int, int]:
    """(record size, count) from the file descriptor (82: descriptor, coding, size on 2 bytes, count)."""
    desc = _fcp_item(fcp, 0x82) or b""
    if len(desc) >= 5:
        return int.from_bytes(desc[2:4], "big"), desc[4]
    return 0, 0


def _file_size(fcp: bytes) -> int:
    size = _fcp_item(fcp, 0x80)
    return int.from_bytes(size, "big") if size else 1
