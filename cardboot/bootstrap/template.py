"""Bootstrap templates: TOML in ``profiles/templates/`` with ``{variable}`` placeholders, filled from a
per-card variables file (TOML) or a dict (a batch row).

A template has a ``[message]`` table (target, source, session_id, msg_id) and ``[[object]]`` entries,
one per management object: ``name``, ``ddf`` (its DDFName: org.openmobilealliance/1.0/w7 for DMAcc,
org.openmobilealliance/1.0/ConnMO, urn:oma:mo:oma-dm-bootstrapcfg:1.0), ``plain_parent`` (where the
object lives in the device tree when sent as plain SyncML items, e.g. ./DMAcc), ``acl`` and a ``nodes``
table. In ``nodes`` a table is an interior node and a string / integer / boolean a leaf (format chr /
int / bool); a table with a ``value`` key is a leaf with properties (``format``, ``type``, ``acl``,
``secret``); keys starting with ``_`` set an interior node's properties (``_acl``, ``_title``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MessageError, ProfileError
from .. import infile
from ..wbxml.xml import first_unsafe
from .syncml import SECRET_NAMES
from .tnds import FORMATS, TndsNode



@dataclass
class MessageSpec:
    target: str
    source: str
    session_id: str = "1"
    msg_id: str = "1"


@dataclass
class ObjectSpec:
    root: TndsNode
    plain_parent: str


@dataclass
class Bootstrap:
    """A filled template: header values and the management objects, independent of the carrier."""

    message: MessageSpec
    objects: list[ObjectSpec] = field(default_factory=list)


def template_dirs() -> list[Path]:
    import sys

    here = Path(__file__).resolve().parent.parent.parent / "profiles" / "templates"
    return [here, Path(sys.prefix) / "share" / "cardboot" / "profiles" / "templates"]


def resolve_template(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        return p
    for d in template_dirs():
        candidate = d / f"{name_or_path}.toml"
        if candidate.exists():
            return candidate
    known = sorted({f.stem for d in template_dirs() if d.is_dir() for f in d.glob("*.toml")})
    raise ProfileError(str(name_or_path), None, f"unknown bootstrap template (built-in: {', '.join(known)})")


def load_toml(path: str | Path, what: str) -> dict:
    """A template or variables file: bounded, UTF-8, TOML, nesting bounded (``cardboot.infile``)."""
    return infile.load_toml(path, what=what)


def substitute(text: str, variables: dict, where: str, value=None) -> str:
    """``text`` with each ``{name}`` replaced by its variable (``value(name)`` when given, else
    ``variables[name]``); a placeholder that is not a plain name, or names no variable, is a MessageError
    naming ``where``. Templates of every kind (DM, LwM2M) fill their values with it."""
    out = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as e:
        raise MessageError(f"{where}: bad placeholder in {text!r} ({e})") from None
    for literal, name, spec, conv in parsed:
        out.append(literal)
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise MessageError(f"{where}: placeholder {{{name}}} must be a plain variable name")
        if name not in variables:
            raise MessageError(f"{where}: variable {name!r} is not set")
        out.append(value(name) if value else str(variables[name]))
    return "".join(out)


class _Filler:
    def __init__(self, variables: dict, source: str):
        self.vars = {k: str(v) for k, v in variables.items()}
        self.source = source
        self.used: set[str] = set()

    def _variable(self, name: str) -> str:
        self.used.add(name)
        value_text = self.vars[name]
        bad = first_unsafe(value_text)
        if bad is not None:
            raise MessageError(f"variable {name!r}: character U+{ord(value_text[bad]):04X} at position {bad} "
                               "cannot travel in a bootstrap message (XML 1.0 Char; the same rule for every "
                               "carrier)")
        return value_text

    def __call__(self, value, where: str) -> str:
        if not isinstance(value, str):
            return str(value).lower() if isinstance(value, bool) else str(value)
        text = substitute(value, self.vars, f"{self.source}: {where}", self._variable)
        bad = first_unsafe(text)
        if bad is not None:
            raise MessageError(f"{self.source}: {where}: character U+{ord(text[bad]):04X} at position {bad} cannot "
                               "travel in a bootstrap message (XML 1.0 Char; the same rule for every carrier)")
        return text


def _check_name(name: str, source: str, where: str) -> None:
    """A node name is one URI segment (OMA DM TND 1.2: no '/', not empty, not '.' or '..')."""
    if not name or "/" in name or name in (".", "..") or any(ord(c) < 0x20 for c in name):
        raise MessageError(f"{source}: {where}: node name {name!r} is not a single URI segment")


def _node(name: str, spec, fill: _Filler, where: str) -> TndsNode:
    if isinstance(spec, dict) and "value" in spec:
        fmt = spec.get("format", "chr")
        if fmt not in FORMATS or fmt == "node":
            raise MessageError(f"{fill.source}: {where}: format {fmt!r} is not a leaf format")
        return TndsNode(name, format=fmt, mime=spec.get("type"), acl=fill(spec["acl"], where) if "acl" in spec else None,
                        value=fill(spec["value"], where), secret=bool(spec.get("secret", name in SECRET_NAMES)))
    if isinstance(spec, dict):
        node = TndsNode(name, format="node")
        for key, sub in spec.items():
            if key.startswith("_"):
                prop = key[1:]
                if prop not in ("acl", "title", "ddf"):
                    raise MessageError(f"{fill.source}: {where}: unknown node property {key!r}")
                setattr(node, "ddf_name" if prop == "ddf" else prop, fill(sub, f"{where}.{key}"))
                continue
            child_name = fill(key, f"{where}.{key}")
            _check_name(child_name, fill.source, f"{where}.{key}")
            node.children.append(_node(child_name, sub, fill, f"{where}.{key}"))
        return node
    if isinstance(spec, bool):
        return TndsNode(name, format="bool", value="true" if spec else "false")
    if isinstance(spec, int):
        return TndsNode(name, format="int", value=str(spec))
    if isinstance(spec, str):
        return TndsNode(name, format="chr", value=fill(spec, where), secret=name in SECRET_NAMES)
    raise MessageError(f"{fill.source}: {where}: {type(spec).__name__} is not a node or a leaf value")


def fill_template(template: dict, variables: dict, source: str = "template") -> Bootstrap:
    fill = _Filler(variables, source)
    m = template.get("message")
    if not isinstance(m, dict):
        raise MessageError(f"{source}: missing [message] table")
    for key in ("target", "source"):
        if key not in m:
            raise MessageError(f"{source}: [message] needs {key}")
    spec = MessageSpec(fill(m["target"], "message.target"), fill(m["source"], "message.source"),
                       fill(m.get("session_id", "1"), "message.session_id"), fill(m.get("msg_id", "1"), "message.msg_id"))
    out = Bootstrap(spec)
    objects = template.get("object", [])
    if not objects:
        raise MessageError(f"{source}: no [[object]] entries")
    for i, o in enumerate(objects):
        where = f"object[{i}]"
        if "name" not in o or "nodes" not in o:
            raise MessageError(f"{source}: {where} needs name and nodes")
        root_name = fill(o["name"], f"{where}.name")
        _check_name(root_name, source, f"{where}.name")
        root = _node(root_name, o["nodes"], fill, f"{where}.nodes")
        root.ddf_name = fill(o["ddf"], f"{where}.ddf") if "ddf" in o else root.ddf_name
        root.acl = fill(o["acl"], f"{where}.acl") if "acl" in o else root.acl
        out.objects.append(ObjectSpec(root, fill(o.get("plain_parent", "."), f"{where}.plain_parent").rstrip("/")))
    return out


def template_variables(template: dict) -> set[str]:
    """Names of the {placeholders} a template uses."""
    names: set[str] = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            for _lit, name, _spec, _conv in string.Formatter().parse(v):
                if name:
                    names.add(name)

    walk(template)
    return names


def secret_leaves(template: dict) -> set[str]:
    """Names of the leaves a template marks secret (``secret = true``, or a name in SECRET_NAMES): what a
    face that knows the template masks in a message decoded from bytes, where no flag survives."""
    names: set[str] = set(SECRET_NAMES)

    def walk(nodes: dict) -> None:
        for key, spec in nodes.items():
            if isinstance(spec, dict) and "value" in spec:
                if spec.get("secret", key in SECRET_NAMES):
                    names.add(key)
            elif isinstance(spec, dict):
                walk(spec)

    for obj in template.get("object", []):
        if isinstance(obj, dict) and isinstance(obj.get("nodes"), dict):
            walk(obj["nodes"])
    return names


def secret_variables(template: dict) -> set[str]:
    """Names of the {placeholders} that fill secret leaves (AAuthSecret, or ``secret = true``): values a
    face must mask and a ledger must not keep."""
    names: set[str] = set()

    def walk(nodes: dict) -> None:
        for key, spec in nodes.items():
            if isinstance(spec, dict) and "value" in spec:
                if spec.get("secret", key in SECRET_NAMES):
                    names.update(template_variables({"v": spec["value"]}))
            elif isinstance(spec, dict):
                walk(spec)
            elif key in SECRET_NAMES:
                names.update(template_variables({"v": spec}))

    for obj in template.get("object", []):
        if isinstance(obj.get("nodes"), dict):
            walk(obj["nodes"])
    return names


def load_bootstrap(template: str | Path, variables: dict | str | Path) -> Bootstrap:
    path = resolve_template(template)
    tpl = load_toml(path, "template")
    if not isinstance(variables, dict):
        variables = load_toml(variables, "variables")
    return fill_template(tpl, variables, str(path))
