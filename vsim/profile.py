"""Card layouts as data: TOML files in ``profiles/cards/`` (parsed with tomllib).

A layout names the card family and ATR, its PINs, and its files by path::

    [card]
    family = "uicc"                      # or "sim"
    atr = "3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90 00 31"
    memory = 16384                       # optional: bytes of EF content (CREATE FILE, TS 102 222)
    protocol = "T=0"                     # optional: always answer with the T=0 procedure (61xx / 6Cxx),
                                         # as a twin of a card whose ATR offers T=0 alone (default: --t0)

    [[pin]]
    name = "PIN1"                         # SIM: CHV1 / CHV2 / ADM1
    ref = 0x01                            # key reference (VERIFY P2)
    value = "1234"                        # or value_hex = "3838..."
    retries = 3
    puk = "12345678"

    [[file]]
    path = "3F00/2F00"                    # FIDs from the MF, hex; an ADF may be named by its AID instead
                                          # ("3F00/A0000000871002/6F07", pySim's notation): one without an
                                          # FID of its own (no 83, or 7FFF) is reached by SELECT AID only
    name = "EF.DIR"
    type = "linear"                       # mf | df | adf | transparent | linear
    record_size = 38
    records = 2
    record = ["61 1A 4F 0C ..."]          # hex; the rest filled with FF
    read = "always"                       # always | never | a PIN name
    update = "ADM1"
    security = "8B 03 6F06 02"            # optional, UICC: security attributes sent verbatim in the FCP
    fcp = "62 ..."                        # optional: the whole SELECT response verbatim (SIM: GET RESPONSE)

Every mistake (bad FID, duplicate FID, size 0, bad hex, unknown PIN, content larger than the file)
raises :class:`cardboot.errors.ProfileError` naming the file and the line.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pyasn1.error import PyAsn1Error

from cardboot.errors import ProfileError
from cardboot.infile import parse_toml, read_text

from .pkcs15_layout import apply_pkcs15
from .fs import ALWAYS, DF, EF, MF_FID, NEVER, AccessCondition, Node
from .pins import Pin

FAMILIES = ("sim", "uicc")
AID_FID_BASE = 0x10000  # internal keys of ADFs named by their AID: above every FID, so no SELECT reaches one
FILE_TYPES = ("mf", "df", "adf", "transparent", "linear")


@dataclass
class CardProfile:
    """A parsed layout: family, ATR, PINs and the file tree rooted at the MF."""

    source: str
    family: str
    atr: bytes
    mf: DF
    pins: dict[int, Pin] = field(default_factory=dict)
    name: str = ""
    memory: int | None = None  # bytes of EF content the card can hold (CREATE FILE: 6A84 past it)
    protocol: str = ""  # "T=0": the card always runs T=0 (a twin of a T=0-only card)


def profile_dirs() -> list[Path]:
    """Where layouts are looked up by name: the source tree's profiles/, then the installed copy."""
    here = Path(__file__).resolve().parent.parent / "profiles" / "cards"
    return [here, Path(sys.prefix) / "share" / "cardboot" / "profiles" / "cards"]


def builtin_profiles() -> list[str]:
    names: set[str] = set()
    for d in profile_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.toml"))
    return sorted(names)


def resolve_profile(name_or_path: str | Path) -> Path:
    """A layout by path, or by built-in name (``uicc``, ``sim``, ...)."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise ProfileError(str(p), None, "no such card layout file")
        return p
    for d in profile_dirs():
        candidate = d / f"{name_or_path}.toml"
        if candidate.is_file():
            return candidate
    known = ", ".join(builtin_profiles()) or "none found"
    raise ProfileError(str(name_or_path), None, f"unknown card layout (built-in: {known})")


class _LineIndex:
    """Line numbers of ``[[table]]`` headers and of keys inside them (tomllib keeps none)."""

    _header = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
    _single = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
    _key = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

    def __init__(self, text: str):
        self.headers: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        current = ("", 0)
        for lineno, line in enumerate(text.splitlines(), 1):
            if m := self._header.match(line):
                name = m.group(1)
                idx = counts.get(name, 0)
                counts[name] = idx + 1
                current = (name, idx)
                self.headers[current] = lineno
            elif m := self._single.match(line):
                current = (m.group(1), 0)
                self.headers[current] = lineno
            elif m := self._key.match(line):
                self.keys.setdefault((current[0], current[1], m.group(1)), lineno)

    def line(self, table: str, idx: int, key: str | None = None) -> int | None:
        if key is not None and (table, idx, key) in self.keys:
            return self.keys[(table, idx, key)]
        return self.headers.get((table, idx))


def _hex(value, err, key: str) -> bytes:
    if not isinstance(value, str):
        raise err(key, f"{key} must be a hex string")
    cleaned = re.sub(r"[\s:]", "", value)
    if len(cleaned) % 2 or not re.fullmatch(r"[0-9A-Fa-f]*", cleaned):
        raise err(key, f"{key} is not valid hex: {value[:40]!r}")
    return bytes.fromhex(cleaned)


def _int(value, err, key: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise err(key, f"{key} must be an integer")
    if not lo <= value <= hi:
        raise err(key, f"{key} {value} outside {lo}..{hi}")
    return value


def _raw_select_data(node: Node, entry: dict, ferr) -> None:
    """``fcp`` / ``security``: a real card's bytes, returned verbatim (see ``fs.Node``)."""
    if "fcp" in entry:
        node.fcp_raw = _hex(entry["fcp"], ferr, "fcp")
        if not node.fcp_raw:
            raise ferr("fcp", "fcp must not be empty")
    if "security" in entry:
        node.security_raw = _hex(entry["security"], ferr, "security")
        if not node.security_raw or node.security_raw[0] not in (0x8B, 0x8C, 0xAB):
            raise ferr("security", "security must be 8B, 8C or AB security attributes")


def load_profile(name_or_path: str | Path) -> CardProfile:
    path = resolve_profile(name_or_path)
    return parse_profile(read_text(path, what="card layout", limit=1 << 20), str(path))


def parse_profile(text: str, source: str = "<profile>") -> CardProfile:
    doc = parse_toml(text, source, "card layout")
    lines = _LineIndex(text)

    def err_at(table: str, idx: int):
        def make(key: str | None, reason: str) -> ProfileError:
            return ProfileError(source, lines.line(table, idx, key), reason)

        return make

    card = doc.get("card")
    if not isinstance(card, dict):
        raise ProfileError(source, None, "missing [card] table")
    cerr = err_at("card", 0)
    family = card.get("family")
    if family not in FAMILIES:
        raise cerr("family", f"family must be one of {', '.join(FAMILIES)}, not {family!r}")
    atr = _hex(card.get("atr", ""), cerr, "atr")
    if not 2 <= len(atr) <= 33 or atr[0] not in (0x3B, 0x3F):
        raise cerr("atr", "atr must be 2..33 bytes starting with 3B or 3F")

    pins: dict[int, Pin] = {}
    by_name: dict[str, int] = {}
    for table in ("pin", "file"):
        entries = doc.get(table, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ProfileError(source, lines.line(table, 0), f"{table} must be an array of tables: [[{table}]]")
    for i, entry in enumerate(doc.get("pin", [])):
        perr = err_at("pin", i)
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise perr("name", "pin needs a name")
        ref = _int(entry.get("ref"), perr, "ref", 0, 0xFF)
        if ref in pins:
            raise perr("ref", f"key reference {ref:02X} defined twice")
        if "value_hex" in entry:
            value = _hex(entry["value_hex"], perr, "value_hex")
        elif isinstance(entry.get("value"), str):
            value = entry["value"].encode("ascii", "replace")
        else:
            raise perr("value", f"pin {name} needs value or value_hex")
        if not 1 <= len(value) <= 8:
            raise perr("value", f"pin {name} must be 1..8 bytes")
        retries = _int(entry.get("retries", 3), perr, "retries", 1, 15)
        puk = entry.get("puk")
        puk_b = puk.encode("ascii", "replace") if isinstance(puk, str) else None
        puk_retries = _int(entry.get("puk_retries", 10), perr, "puk_retries", 1, 15)
        left = _int(entry.get("retries_left", retries), perr, "retries_left", 0, retries)
        pins[ref] = Pin(name, ref, value, retries, left, puk_b, puk_retries, puk_retries)
        by_name[name.upper()] = ref

    def condition(raw, ferr, key: str) -> AccessCondition:
        if raw is None:
            return ALWAYS if key == "read" else NEVER
        if not isinstance(raw, str):
            raise ferr(key, f"{key} must be 'always', 'never' or a PIN name")
        low = raw.lower()
        if low in (ALWAYS, "alw"):
            return ALWAYS
        if low in (NEVER, "nev"):
            return NEVER
        if raw.upper() in by_name:
            return by_name[raw.upper()]
        raise ferr(key, f"{key} = {raw!r} names no PIN of this card (have: {', '.join(by_name) or 'none'})")

    files = doc.get("file", [])
    if not files:
        raise ProfileError(source, None, "no [[file]] entries")
    mf: DF | None = None
    adf_keys: dict[bytes, int] = {}  # ADFs named by their AID -> their internal key
    for i, entry in enumerate(files):
        ferr = err_at("file", i)
        raw_path = entry.get("path")
        if not isinstance(raw_path, str) or not raw_path:
            raise ferr("path", "file needs a path like 3F00/2F00")
        parts = raw_path.strip("/").split("/")
        fids: list[int] = []
        path_aid: bytes | None = None
        for n, part in enumerate(parts):
            if n == 1 and re.fullmatch(r"(?:[0-9A-Fa-f]{2}){5,16}", part):  # an ADF by its AID
                aid_b = bytes.fromhex(part)
                if aid_b not in adf_keys:
                    if len(parts) > 2:
                        raise ferr("path", f"ADF {part} of {raw_path} is not defined before it")
                    adf_keys[aid_b] = AID_FID_BASE + len(adf_keys)
                    path_aid = aid_b
                fids.append(adf_keys[aid_b])
                continue
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", part):
                raise ferr("path", f"bad FID {part!r} in path {raw_path!r} (4 hex digits, or an ADF's AID "
                                   "after 3F00)")
            fids.append(int(part, 16))
        if fids[0] != MF_FID:
            raise ferr("path", f"path {raw_path!r} must start at the MF 3F00")
        ftype = entry.get("type", "mf" if len(fids) == 1 else "adf" if path_aid else None)
        if ftype not in FILE_TYPES:
            raise ferr("type", f"type must be one of {', '.join(FILE_TYPES)}, not {ftype!r}")
        if path_aid is not None and ftype != "adf":
            raise ferr("type", f"{raw_path} names an AID: it must be an ADF (type = \"adf\")")
        fid = fids[-1]
        if fid in (0xFFFF, 0x7FFF) or (fid == MF_FID) != (len(fids) == 1):
            raise ferr("path", f"FID {fid:04X} is reserved here")
        name = entry.get("name", "")
        access = {op: condition(entry.get(op), ferr, op) for op in ("read", "update")}
        sfi = entry.get("sfi")
        if sfi is not None:
            sfi = _int(sfi, ferr, "sfi", 1, 30)

        if ftype in ("mf", "df", "adf"):
            node: Node = DF(fid, name, access=access)
            if ftype == "adf":
                node.aid = _hex(entry["aid"], ferr, "aid") if "aid" in entry or path_aid is None else path_aid
                if not 5 <= len(node.aid) <= 16:
                    raise ferr("aid", "an ADF needs an AID of 5..16 bytes")
                if path_aid is not None and not node.aid.startswith(path_aid):  # the path may give its start
                    raise ferr("aid", f"aid {node.aid.hex().upper()} does not start with the AID its path names")
            pin_names = entry.get("pins", [])
            if not isinstance(pin_names, list):
                raise ferr("pins", f"pins must be a list of PIN names like [\"PIN1\", \"ADM1\"], not {pin_names!r}")
            for pname in pin_names:
                if str(pname).upper() not in by_name:
                    raise ferr("pins", f"pins names {pname!r}, which is no PIN of this card")
                node.pin_refs.append(by_name[str(pname).upper()])
        else:
            fill = _hex(entry.get("fill", "FF"), ferr, "fill")
            if len(fill) != 1:
                raise ferr("fill", "fill must be one byte")
            if ftype == "transparent":
                size = _int(entry.get("size"), ferr, "size", 1, 0xFFFF) if "size" in entry else None
                content = _hex(entry.get("content", ""), ferr, "content")
                if size is None:
                    if not content:
                        raise ferr("size", "a transparent EF needs a size (size 0 is not a file)")
                    size = len(content)
                if len(content) > size:
                    raise ferr("content", f"content of {len(content)} bytes does not fit size {size}")
                data = bytearray(content + fill * (size - len(content)))
                node = EF(fid, name, access=access, sfi=sfi, structure="transparent", data=data)
            else:
                rsize = _int(entry.get("record_size"), ferr, "record_size", 1, 255)
                count = _int(entry.get("records"), ferr, "records", 1, 254)
                recs = entry.get("record", [])
                if not isinstance(recs, list) or len(recs) > count:
                    raise ferr("record", f"record must be a list of at most {count} hex strings")
                data = bytearray()
                for r in recs:
                    rb = _hex(r, ferr, "record")
                    if len(rb) > rsize:
                        raise ferr("record", f"a record of {len(rb)} bytes does not fit record_size {rsize}")
                    data += rb + fill * (rsize - len(rb))
                data += fill * (rsize * (count - len(recs)))
                node = EF(fid, name, access=access, sfi=sfi, structure="linear", data=data, record_size=rsize)

        _raw_select_data(node, entry, ferr)
        if len(fids) == 1:
            if mf is not None:
                raise ferr("path", "the MF 3F00 is defined twice")
            if not isinstance(node, DF):
                raise ferr("type", "3F00 must be the MF")
            mf = node
            continue
        if mf is None:
            raise ferr("path", "define the MF (path = \"3F00\") before its files")
        parent: Node = mf
        for step in fids[1:-1]:
            child = parent.children.get(step) if isinstance(parent, DF) else None
            if not isinstance(child, DF):
                raise ferr("path", f"parent DF {step:04X} of {raw_path} is not defined before it")
            parent = child
        assert isinstance(parent, DF)
        if fid in parent.children:
            raise ferr("path", f"duplicate FID {fid:04X} in {parent.path_str}")
        if sfi is not None and any(c.sfi == sfi for c in parent.children.values()):
            raise ferr("sfi", f"duplicate SFI {sfi} in {parent.path_str}")
        parent.add(node)

    if mf is None:
        raise ProfileError(source, None, "no MF (path = \"3F00\")")
    try:
        apply_pkcs15(doc, mf, pins, by_name, condition, err_at, _hex, _int, _raw_select_data)
    except (PyAsn1Error, ValueError, TypeError) as e:  # a value of the wrong type reaching the DER encoder
        raise ProfileError(source, lines.line("pkcs15", 0), f"[pkcs15] cannot be encoded: {e}") from None
    memory = _int(card["memory"], cerr, "memory", 1, 1 << 24) if "memory" in card else None
    protocol = card.get("protocol", "")
    if protocol not in ("", "T=0", "T=1"):
        raise cerr("protocol", f'protocol must be "T=0" or "T=1", not {protocol!r}')
    return CardProfile(source, family, atr, mf, pins, str(card.get("name", "")), memory, protocol)
