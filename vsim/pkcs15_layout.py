"""The ``[pkcs15]`` section of a card layout: PKCS#15 objects declared as data, encoded by :mod:`vsim.der`
(vsim's own encoders, not cardboot's) into EF.DIR's template, ODF, TokenInfo, AODF and DODF, plus the EFs
the data objects point to. Access: the directory files read ALW, update as ``update`` says (D.4.1: ADM).
"""

from __future__ import annotations

import re

from . import der
from .der import PIN_FLAGS, PIN_TYPES, TOKEN_FLAGS
from .fs import ALWAYS, DF, EF

PKCS15_AID = bytes.fromhex("A000000063504B43532D3135")  # PKCS#15 5.4 (RID A000000063, PIX "PKCS-15")
_DIR_FILES = {"odf": 0x5031, "tokeninfo": 0x5032, "aodf": 0x5012, "dodf": 0x5207}


def _fid(value, err, key) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Fa-f]{4}", value):
        raise err(key, f"{key} must be a FID of 4 hex digits, not {value!r}")
    return int(value, 16)


_OID = re.compile(r"[0-2](\.(0|[1-9][0-9]{0,8}))+")


def _oid(value, err, key) -> str | None:
    """An OBJECT IDENTIFIER in dotted form (X.660: first arc 0..2), or None when not given."""
    if value is None:
        return None
    if not isinstance(value, str) or not _OID.fullmatch(value) or (value[0] in "01" and int(value.split(".")[1]) > 39):
        raise err(key, f"{key} = {value!r} is not an object identifier like 2.23.43.9.1")
    return value


def _find(mf: DF, path, err, key: str):
    if not isinstance(path, str) or not path:
        raise err(key, f"{key} must be a path like \"3F00/7F50\", not {path!r}")
    node = mf
    for part in path.strip("/").split("/")[1:]:
        if not re.fullmatch(r"[0-9A-Fa-f]{4}", part):
            raise err(key, f"bad FID {part!r} in {path!r}")
        child = node.children.get(int(part, 16)) if isinstance(node, DF) else None
        if child is None:
            raise err(key, f"{path} is not declared in [[file]]")
        node = child
    return node


def _flags(values, known, err, key) -> frozenset[str]:
    if not isinstance(values, list) or any(v not in known for v in values):
        raise err(key, f"{key} must be a list of: {', '.join(known)}")
    return frozenset(values)


def apply_pkcs15(doc: dict, mf: DF, pins: dict, by_name: dict[str, int], condition, err_at, hexval, intval,
                 raw_select_data) -> None:
    section = doc.get("pkcs15")
    if section is None:
        return
    err = err_at("pkcs15", 0)
    if not isinstance(section, dict):
        raise err(None, "pkcs15 must be a table: [pkcs15]")
    df = _find(mf, section.get("df", ""), err, "df")
    if not isinstance(df, DF):
        raise err("df", "df must name a DF or ADF")
    update = condition(section.get("update", "never"), err, "update")

    def sub(name: str) -> dict:
        value = section.get(name, {})
        if not isinstance(value, dict):
            raise err(name, f"[pkcs15.{name}] must be a table")
        return value

    fids = {}
    sizes = {}
    for name, default in _DIR_FILES.items():
        t = sub(name)
        e = err_at(f"pkcs15.{name}", 0)
        fids[name] = _fid(t.get("fid", f"{default:04X}"), e, "fid")
        sizes[name] = intval(t["size"], e, "size", 1, 0xFFFF) if "size" in t else None

    ti = sub("tokeninfo")
    terr = err_at("pkcs15.tokeninfo", 0)
    tokeninfo = der.Token(
        serial=hexval(ti.get("serial", "00"), terr, "serial"),
        manufacturer=ti.get("manufacturer"),
        label=ti.get("label"),
        flags=_flags(ti.get("flags", []), TOKEN_FLAGS, terr, "flags"),
    )

    pin_objects = []
    auth_ids = set()
    for name in ("pin", "data"):
        entries = section.get(name, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise err(name, f"pkcs15.{name} must be an array of tables: [[pkcs15.{name}]]")
    for i, p in enumerate(section.get("pin", [])):
        perr = err_at("pkcs15.pin", i)
        card_pin = str(p.get("pin", "")).upper()
        if card_pin not in by_name:
            raise perr("pin", f"pin = {p.get('pin')!r} names no PIN of this card")
        auth_id = hexval(p.get("auth_id", ""), perr, "auth_id")
        if not auth_id:
            raise perr("auth_id", "a PIN object needs an auth_id")
        auth_ids.add(auth_id)
        ptype = p.get("type", "ascii-numeric")
        if ptype not in PIN_TYPES:
            raise perr("type", f"type must be one of {', '.join(PIN_TYPES)}")
        pin_objects.append(der.Pin(
            label=p.get("label", card_pin), auth_id=auth_id, reference=by_name[card_pin],
            flags=_flags(p.get("flags", []), PIN_FLAGS, perr, "flags"), pin_type=ptype,
            min_length=intval(p.get("min_length", 4), perr, "min_length", 0, 255),
            stored_length=intval(p.get("stored_length", 8), perr, "stored_length", 0, 255),
            max_length=intval(p.get("max_length", 8), perr, "max_length", 0, 255),
            pad=hexval(p["pad"], perr, "pad") if "pad" in p else None,
        ))

    data_objects = []
    for i, d in enumerate(section.get("data", [])):
        derr = err_at("pkcs15.data", i)
        fid = _fid(d.get("fid"), derr, "fid")
        size = intval(d.get("size"), derr, "size", 1, 0xFFFF)
        auth_id = hexval(d["auth_id"], derr, "auth_id") if "auth_id" in d else None
        if auth_id is not None and auth_id not in auth_ids:
            raise derr("auth_id", f"auth_id {auth_id.hex().upper()} matches no [[pkcs15.pin]]")
        form = d.get("form", "opaque")
        if form not in ("opaque", "oid", "external"):
            raise derr("form", "form must be opaque, oid or external")
        for key in ("label", "application"):
            if key in d and not isinstance(d[key], str):
                raise derr(key, f"{key} must be a string")
        data_objects.append(der.Data(
            fid=fid, label=d.get("label"), private=bool(d.get("private", False)),
            modifiable=bool(d.get("modifiable", False)), auth_id=auth_id, application=d.get("application"),
            application_oid=_oid(d.get("application_oid"), derr, "application_oid"),
            form=form, oid=_oid(d.get("oid"), derr, "oid"), oid_sequence=_oid_sequence(d, derr),
        ))
        if fid in df.children:
            raise derr("fid", f"duplicate FID {fid:04X} in {df.path_str}")
        access = {"read": condition(d.get("read", "always"), derr, "read"),
                  "update": condition(d.get("update", "never"), derr, "update")}
        ef = EF(fid, d.get("label", ""), access=access, structure="transparent", data=bytearray(b"\xff" * size))
        raw_select_data(ef, d, derr)
        df.add(ef)

    built = {
        fids["odf"]: der.odf(fids["dodf"], fids["aodf"] if pin_objects else None),
        fids["tokeninfo"]: der.token_info(tokeninfo),
        fids["dodf"]: b"".join(der.data_object(d) for d in data_objects),
    }
    if pin_objects:
        built[fids["aodf"]] = b"".join(der.pin_object(p) for p in pin_objects)
    for name in ("odf", "tokeninfo", "dodf", "aodf"):
        content = built.get(fids[name])
        if content is None:
            continue
        e = err_at(f"pkcs15.{name}", 0)
        size = sizes[name] or len(content)
        if len(content) > size:
            raise e("size", f"encoded {name} is {len(content)} bytes, more than size {size}")
        if fids[name] in df.children:
            raise e("fid", f"duplicate FID {fids[name]:04X} in {df.path_str}")
        ef = EF(fids[name], f"EF.{name.upper()}", access={"read": ALWAYS, "update": update},
                structure="transparent", data=bytearray(content + b"\xff" * (size - len(content))))
        # security = "..." in [pkcs15.<file>], else in [pkcs15]: the directory files' attributes verbatim
        own = sub(name)
        raw_select_data(ef, {"security": own.get("security", section.get("security"))}
                        if "security" in own or "security" in section else {}, e)
        df.add(ef)

    if "efdir" in section:
        efdir = _find(mf, section["efdir"], err, "efdir")
        if not isinstance(efdir, EF) or efdir.structure != "linear":
            raise err("efdir", "efdir must name a linear fixed EF")
        aid = hexval(section["aid"], err, "aid") if "aid" in section else df.aid or PKCS15_AID
        record = der.efdir_record(aid, section.get("label", "PKCS#15"), df.path, efdir.record_size)
        for n in range(1, efdir.record_count + 1):
            if set(efdir.record(n)) == {0xFF}:
                efdir.set_record(n, record)
                break
        else:
            raise err("efdir", f"{section['efdir']} has no empty record for the PKCS#15 template")


def _oid_sequence(d: dict, derr) -> bool:
    """``oid_encoding``: ``sequence`` keeps the OidDO SEQUENCE inside [1] (what LwM2M devices such as Nordic's
    nRF91 library read; the default for the LwM2M OID 2.23.43.9.1), ``implicit`` is ISO/IEC 7816-15's form."""
    value = d.get("oid_encoding", "sequence" if d.get("oid") == "2.23.43.9.1" else "implicit")
    if value not in ("sequence", "implicit"):
        raise derr("oid_encoding", "must be sequence or implicit")
    return value == "sequence"
