"""A card layout as ``pkcs15 init`` reads it: the PKCS#15 part of the same TOML a virtual card is built
from (``[pkcs15]``, the ``[[file]]`` entries of the PKCS#15 DF/ADF and EF.DIR, the ``[[pin]]`` names), turned
into the files a card must have — each with its structure, size, access rules, security attributes to
create it with, and the content cardboot's own encoders give it (:mod:`cardboot.pkcs15.build`).

PIN values in the layout are for the virtual card; cardboot never reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..card.access_rule import ALWAYS, NEVER, Key, Rule
from ..card.efdir import PKCS15_AID
from ..card.path import FilePath, path_str
from ..errors import ProfileError
from ..infile import parse_toml, read_text
from pyasn1.error import PyAsn1Error

from ..pkcs15.aodf import PIN_FLAGS, PIN_TYPES, PinObject
from ..pkcs15.build import Pkcs15Layout, build_efdir_record, build_files
from ..pkcs15.dodf import DataForm, DataObject
from ..pkcs15.oids import LWM2M_BOOTSTRAP
from ..pkcs15.path import Pkcs15Path
from ..pkcs15.tokeninfo import TOKEN_FLAGS, TokenInfo

MAX_LAYOUT = 1 << 20


@dataclass(frozen=True)
class WantedFile:
    """One file the layout wants. ``content`` None: the content is not init's (EF DM_Bootstrap holds the
    message ``write`` puts there; a new one must only read as all FF, D.4.3)."""

    path: FilePath
    name: str
    kind: str  # transparent | linear | df | adf
    role: str  # odf | tokeninfo | aodf | dodf | data | file | df
    read: Rule = ALWAYS
    update: Rule = NEVER
    size: int | None = None  # a transparent EF's size, or a linear EF's record_size x records
    record_size: int | None = None
    records: int | None = None
    content: bytes | None = None  # transparent: the whole EF; linear: every record back to back
    security: bytes | None = None  # attributes to create it with, verbatim from the layout
    aid: bytes | None = None
    pins: tuple[int, ...] = ()
    sfi: int | None = None

    @property
    def fid(self) -> int:
        return self.path[-1]

    @property
    def label(self) -> str:
        return f"{self.name} {path_str(self.path)}" if self.name else path_str(self.path)


@dataclass
class InitLayout:
    source: str
    family: str
    df: WantedFile
    files: list[WantedFile]  # the DF's EFs in creation order
    objects: dict[str, list[bytes]]  # odf / dodf / aodf: the DER entries the card must list
    update_key: Key  # what the directory files' UPDATE (and CREATE FILE) needs: D.4.1 ADM
    efdir: WantedFile | None = None
    efdir_record: bytes | None = None
    aid: bytes = PKCS15_AID
    keys: dict[str, int] = field(default_factory=dict)


def _hex(value, err, key: str) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Fa-f\s:]*", value):
        raise err(key, f"{key} is not hex: {str(value)[:40]!r}")
    cleaned = re.sub(r"[\s:]", "", value)
    if len(cleaned) % 2:
        raise err(key, f"{key} has an odd number of hex digits")
    return bytes.fromhex(cleaned)


def _int(value, err, key: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise err(key, f"{key} must be an integer {lo}..{hi}, not {value!r}")
    return value


def _text(value, err, key: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise err(key, f"must be text, not {value!r}")
    return value


def _names(value, err, key: str, known: tuple[str, ...]) -> frozenset[str]:
    if not isinstance(value, list) or any(v not in known for v in value):
        raise err(key, f"must be a list of: {', '.join(known)}")
    return frozenset(value)


_OID = re.compile(r"[0-2](\.(0|[1-9][0-9]{0,8}))+")


def _oid_encoding(d: dict, err) -> str:
    """How an oidDO's OidDO goes into typeAttributes' [1]: ``sequence`` (its SEQUENCE kept inside, as LwM2M
    devices read it — the default for the LwM2M OID) or ``implicit`` (ISO/IEC 7816-15; the default else)."""
    value = d.get("oid_encoding", "sequence" if d.get("oid") == LWM2M_BOOTSTRAP else "implicit")
    if value not in ("sequence", "implicit"):
        raise err("oid_encoding", "must be sequence or implicit")
    return value


def _oid(value, err, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _OID.fullmatch(value):
        raise err(key, f"{value!r} is not an object identifier like 2.23.43.9.1")
    return value


def _tables(section: dict, name: str, err) -> list[dict]:
    value = section.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise err(name, f"must be an array of tables: [[pkcs15.{name}]]")
    return value


def _path(value, err, key: str) -> FilePath:
    if not isinstance(value, str) or not re.fullmatch(r"3F00(/[0-9A-Fa-f]{4})*", value.strip("/"), re.I):
        raise err(key, f"{key} must be a path from the MF like \"3F00/7F50\", not {value!r}")
    return tuple(int(p, 16) for p in value.strip("/").split("/"))


def load_layout(name_or_path: str | Path) -> InitLayout:
    """A layout by built-in name (uicc, sim, usim-arr, ...) or TOML path."""
    from vsim.profile import resolve_profile  # where built-in layouts live (a lookup, no encoding)

    path = resolve_profile(name_or_path)
    return parse_layout(read_text(path, what="card layout", limit=MAX_LAYOUT), str(path))


def parse_layout(text: str, source: str = "<layout>") -> InitLayout:
    return layout_from_doc(parse_toml(text, source, "card layout"), source)


def layout_from_doc(doc: dict, source: str = "<layout>") -> InitLayout:
    """The parsed TOML document as an :class:`InitLayout`; anything wrong is a :class:`ProfileError`."""

    def err(table: str):
        return lambda key, reason: ProfileError(source, None, f"[{table}] {key}: {reason}" if key else reason)

    card = doc.get("card")
    if not isinstance(card, dict) or card.get("family") not in ("sim", "uicc"):
        raise ProfileError(source, None, "[card] family must be sim or uicc")
    keys: dict[str, int] = {}
    for pin in doc.get("pin", []) if isinstance(doc.get("pin", []), list) else []:
        if isinstance(pin, dict) and isinstance(pin.get("name"), str):
            keys[pin["name"].upper()] = _int(pin.get("ref"), err("pin"), "ref", 0, 0xFF)
    section = doc.get("pkcs15")
    if not isinstance(section, dict):
        raise ProfileError(source, None, "the layout has no [pkcs15] table: nothing for pkcs15 init to lay out")
    perr = err("pkcs15")

    def rule(value, e, key: str, default: Rule) -> Rule:
        if value is None:
            return default
        if not isinstance(value, str):
            raise e(key, "must be 'always', 'never' or a PIN name")
        low = value.lower()
        if low in ("always", "alw"):
            return ALWAYS
        if low in ("never", "nev"):
            return NEVER
        if value.upper() not in keys:
            raise e(key, f"{value!r} names no [[pin]] of the layout (have: {', '.join(keys) or 'none'})")
        return Key.uicc(keys[value.upper()])

    entries = doc.get("file", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ProfileError(source, None, "file must be an array of tables: [[file]]")
    by_path: dict[FilePath, dict] = {}
    for e in entries:
        by_path[_path(e.get("path"), err("file"), "path")] = e

    df_path = _path(section.get("df"), perr, "df")
    df_entry = by_path.get(df_path)
    if df_entry is None or df_entry.get("type") not in ("df", "adf", "mf"):
        raise perr("df", f"{path_str(df_path)} is not a DF or ADF declared in [[file]]")
    ferr = err(f"file {path_str(df_path)}")
    df_aid = _hex(df_entry["aid"], ferr, "aid") if df_entry.get("type") == "adf" else None
    pins = tuple(keys[str(p).upper()] for p in df_entry.get("pins", []) if str(p).upper() in keys)
    df = WantedFile(df_path, str(df_entry.get("name", "")), "adf" if df_aid else "df", "df",
                    update=rule(df_entry.get("update"), ferr, "update", NEVER),
                    security=_hex(df_entry["security"], ferr, "security") if "security" in df_entry else None,
                    aid=df_aid, pins=pins)
    update = rule(section.get("update", "never"), perr, "update", NEVER)
    if not isinstance(update, Key):
        raise perr("update", "must name the key that updates the PKCS#15 files (D.4.1: ADM)")

    def sub(name: str) -> dict:
        value = section.get(name, {})
        if not isinstance(value, dict):
            raise perr(name, f"[pkcs15.{name}] must be a table")
        return value

    def fid_of(name: str, default: int) -> int:
        value = sub(name).get("fid", f"{default:04X}")
        if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Fa-f]{4}", value):
            raise err(f"pkcs15.{name}")("fid", f"must be 4 hex digits, not {value!r}")
        return int(value, 16)

    fids = {name: fid_of(name, d) for name, d in (("odf", 0x5031), ("tokeninfo", 0x5032), ("aodf", 0x5012),
                                                  ("dodf", 0x5207))}
    ti = sub("tokeninfo")
    terr = err("pkcs15.tokeninfo")
    tokeninfo = TokenInfo(serial=_hex(ti.get("serial", "00"), terr, "serial"),
                          manufacturer=_text(ti.get("manufacturer"), terr, "manufacturer"),
                          label=_text(ti.get("label"), terr, "label"),
                          flags=_names(ti.get("flags", []), terr, "flags", TOKEN_FLAGS))
    pin_objects = []
    for p in _tables(section, "pin", perr):
        e = err("pkcs15.pin")
        name = str(p.get("pin", "")).upper()
        if p.get("type", "ascii-numeric") not in PIN_TYPES:
            raise e("type", f"must be one of {', '.join(PIN_TYPES)}")
        if name not in keys:
            raise e("pin", f"{p.get('pin')!r} names no [[pin]]")
        pin_objects.append(PinObject(
            label=_text(p.get("label", name), e, "label"), auth_id=_hex(p.get("auth_id", ""), e, "auth_id"),
            reference=keys[name], flags=_names(p.get("flags", []), e, "flags", PIN_FLAGS),
            pin_type=p.get("type", "ascii-numeric"),
            min_length=_int(p.get("min_length", 4), e, "min_length", 0, 255),
            stored_length=_int(p.get("stored_length", 8), e, "stored_length", 0, 255),
            max_length=_int(p.get("max_length", 8), e, "max_length", 0, 255),
            pad_char=_hex(p["pad"], e, "pad") if "pad" in p else None))

    data_objects: list[DataObject] = []
    data_files: list[WantedFile] = []
    for d in _tables(section, "data", perr):
        e = err("pkcs15.data")
        fid_text = d.get("fid")
        if not isinstance(fid_text, str) or not re.fullmatch(r"[0-9A-Fa-f]{4}", fid_text):
            raise e("fid", f"must be 4 hex digits, not {fid_text!r}")
        fid = int(fid_text, 16)
        form = d.get("form", "opaque")
        if form not in ("opaque", "oid", "external"):
            raise e("form", "must be opaque, oid or external")
        for flag in ("private", "modifiable"):
            if not isinstance(d.get(flag, False), bool):
                raise e(flag, "must be true or false")
        data_objects.append(DataObject(
            label=_text(d.get("label"), e, "label"), private=d.get("private", False),
            modifiable=d.get("modifiable", False),
            auth_id=_hex(d["auth_id"], e, "auth_id") if "auth_id" in d else None,
            application_name=_text(d.get("application"), e, "application"),
            application_oid=_oid(d.get("application_oid"), e, "application_oid"),
            path=Pkcs15Path(fid.to_bytes(2, "big")), form=DataForm(form), oid=_oid(d.get("oid"), e, "oid"),
            oid_sequence=_oid_encoding(d, e) == "sequence"))
        data_files.append(WantedFile(df_path + (fid,), str(d.get("label", "")), "transparent", "data",
                                     read=rule(d.get("read", "always"), e, "read", ALWAYS),
                                     update=rule(d.get("update", "never"), e, "update", NEVER),
                                     size=_int(d.get("size"), e, "size", 1, 0x7FFF),
                                     security=_hex(d["security"], e, "security") if "security" in d else None))

    aid = _hex(section["aid"], perr, "aid") if "aid" in section else (df_aid or PKCS15_AID)
    label = _text(section.get("label", "PKCS#15"), perr, "label") or ""
    built_layout = Pkcs15Layout(df_path, tokeninfo, data_objects, pin_objects, label, aid, fids["odf"],
                                fids["tokeninfo"], fids["aodf"], fids["dodf"])
    try:
        built = build_files(built_layout)
    except (ValueError, TypeError, PyAsn1Error) as exc:
        raise ProfileError(source, None, f"[pkcs15] cannot be encoded: {exc}") from None
    from ..pkcs15.der import split_objects

    objects = {role: [raw for _, raw in split_objects(built[fids[role]], role.upper(), source)]
               for role in ("odf", "dodf", "aodf") if fids[role] in built}

    files: list[WantedFile] = []
    # other [[file]] entries of the DF first (an ADF's own EF.ARR the PKCS#15 files reference)
    taken = set(fids.values()) | {w.fid for w in data_files}
    for path, entry in by_path.items():
        if len(path) == len(df_path) + 1 and path[:-1] == df_path and path[-1] not in taken:
            files.append(_plain_file(path, entry, err(f"file {path_str(path)}"), rule))
    for role in ("odf", "tokeninfo", "aodf", "dodf"):
        if fids[role] not in built:
            continue
        own = sub(role)
        e = err(f"pkcs15.{role}")
        content = built[fids[role]]
        size = _int(own["size"], e, "size", 1, 0x7FFF) if "size" in own else len(content)
        if len(content) > size:
            raise e("size", f"the encoded {role.upper()} is {len(content)} bytes, more than size {size}")
        sec = own.get("security", section.get("security"))
        files.append(WantedFile(df_path + (fids[role],), f"EF({role.upper() if role != 'tokeninfo' else 'TokenInfo'})",
                                "transparent", role, ALWAYS, update, size,
                                content=content + b"\xff" * (size - len(content)),
                                security=_hex(sec, e, "security") if sec is not None else None))
    files += data_files
    seen: set[int] = set()
    for f in files:
        if f.fid in seen:
            raise ProfileError(source, None, f"FID {f.fid:04X} is used twice in {path_str(df_path)}")
        seen.add(f.fid)

    efdir = record = None
    if "efdir" in section:
        efdir_path = _path(section["efdir"], perr, "efdir")
        entry = by_path.get(efdir_path)
        if entry is None or entry.get("type") != "linear":
            raise perr("efdir", f"{path_str(efdir_path)} is not a linear fixed EF declared in [[file]]")
        efdir = _plain_file(efdir_path, entry, err(f"file {path_str(efdir_path)}"), rule)
        try:
            record = build_efdir_record(built_layout, efdir.record_size)
        except (ValueError, TypeError) as exc:
            raise perr("efdir", str(exc)) from None
    return InitLayout(source, card["family"], df, files, objects, update, efdir, record, aid, keys)


def _plain_file(path: FilePath, entry: dict, err, rule) -> WantedFile:
    """A [[file]] entry as it stands: structure, size, rules, security and its declared content."""
    kind = entry.get("type")
    fill = _hex(entry.get("fill", "FF"), err, "fill")[:1] or b"\xff"
    common = dict(read=rule(entry.get("read"), err, "read", ALWAYS), update=rule(entry.get("update"), err, "update", NEVER),
                  security=_hex(entry["security"], err, "security") if "security" in entry else None)
    name = str(entry.get("name", ""))
    if kind == "transparent":
        content = _hex(entry.get("content", ""), err, "content")
        size = _int(entry["size"], err, "size", 1, 0x7FFF) if "size" in entry else len(content)
        if not size or len(content) > size:
            raise err("size", f"content of {len(content)} bytes does not fit size {size}")
        return WantedFile(path, name, "transparent", "file", size=size,
                          content=content + fill * (size - len(content)), **common)
    if kind == "linear":
        rsize = _int(entry.get("record_size"), err, "record_size", 1, 255)
        count = _int(entry.get("records"), err, "records", 1, 254)
        recs = entry.get("record", [])
        if not isinstance(recs, list) or len(recs) > count:
            raise err("record", f"must be a list of at most {count} hex strings")
        data = b""
        for r in recs:
            rb = _hex(r, err, "record")
            if len(rb) > rsize:
                raise err("record", f"a record of {len(rb)} bytes does not fit record_size {rsize}")
            data += rb + fill * (rsize - len(rb))
        data += fill * (rsize * (count - len(recs)))
        return WantedFile(path, name, "linear", "file", size=rsize * count, record_size=rsize, records=count,
                          content=data, **common)
    raise err("type", f"pkcs15 init lays out EFs here, not {kind!r}")

