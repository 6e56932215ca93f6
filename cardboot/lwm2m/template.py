"""An LwM2M bootstrap from a template and its variables, as the DM message is built
(``profiles/templates/lwm2m-bootstrap.toml``): ``[[security]]``, ``[[server]]`` and ``[[access_control]]``
tables, one per object instance, keys named as in ``objects.py``, values with ``{variable}`` placeholders.
An opaque value is text (UTF-8) or ``{ hex = "..." }``; ``secret = true`` marks a variable whose value is a
secret (the Security object's secret key always is)."""

from __future__ import annotations

from pathlib import Path

from ..errors import MessageError
from .bootstrap import Instance, LwBootstrap, LwObject
from .objects import ACCESS_CONTROL, BY_NAME, MODE_NUMBERS, SECURITY, SERVER

SECTIONS = {"security": SECURITY, "server": SERVER, "access_control": ACCESS_CONTROL}


def _fill(value, variables: dict, where: str) -> str:
    from ..bootstrap.template import substitute

    return substitute(str(value), variables, where)


def _typed(kind: str, raw, variables: dict, where: str):
    if isinstance(raw, dict):
        if set(raw) - {"hex", "text", "secret"} or len(set(raw) & {"hex", "text"}) != 1:
            raise MessageError(f"{where}: give {{ hex = \"...\" }} or {{ text = \"...\" }} (and secret = true)")
        if "hex" in raw:
            digits = _fill(raw["hex"], variables, where).replace(" ", "")
            try:
                return bytes.fromhex(digits)
            except ValueError:
                raise MessageError(f"{where}: not hex digits") from None
        raw = raw["text"]
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = _fill(raw, variables, where).strip().lower()
        if text not in ("true", "false"):
            raise MessageError(f"{where}: {text!r} is not true or false")
        return text == "true"
    if kind == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        text = _fill(raw, variables, where).strip()
        try:
            return int(text)
        except ValueError:
            raise MessageError(f"{where}: {text!r} is not an integer") from None
    text = _fill(raw, variables, where)
    return text if kind == "string" else text.encode("utf-8")


def fill(template: dict, variables: dict, source: str = "template") -> LwBootstrap:
    unknown = set(template) - set(SECTIONS) - {"description"}
    if unknown:
        raise MessageError(f"{source}: unknown section(s) {', '.join(sorted(unknown))} (security, server, access_control)")
    boot = LwBootstrap()
    for section, object_id in SECTIONS.items():
        tables = template.get(section, [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise MessageError(f"{source}: [[{section}]] must be a list of tables")
        if not tables:
            continue
        obj = LwObject(object_id)
        for n, table in enumerate(tables):
            where = f"{source}: [[{section}]] #{n + 1}"
            inst = Instance(_typed("integer", table.get("instance", n), variables, f"{where}: instance"))
            for key, raw in table.items():
                if key == "instance":
                    continue
                r = BY_NAME[object_id].get(key)
                if r is None:
                    raise MessageError(f"{where}: {key!r} is no resource of this object "
                                       f"({', '.join(sorted(BY_NAME[object_id]))})")
                if key == "mode" and isinstance(raw, str) and _fill(raw, variables, where) in MODE_NUMBERS:
                    inst.values[r.ident] = MODE_NUMBERS[_fill(raw, variables, where)]
                elif r.multiple:
                    if not isinstance(raw, dict) or not all(k.isdigit() for k in raw):
                        raise MessageError(f"{where}: {key} takes a table of instance numbers")
                    inst.values[r.ident] = {int(k): _typed(r.type, v, variables, f"{where}: {key}.{k}") for k, v in raw.items()}
                else:
                    inst.values[r.ident] = _typed(r.type, raw, variables, f"{where}: {key}")
            obj.instances.append(inst)
        boot.objects.append(obj)
    return boot


def load(template: str | Path, variables: str | Path | dict) -> LwBootstrap:
    """A built-in template name (``lwm2m-bootstrap``) or a TOML path, and a variables TOML or dict."""
    from ..bootstrap.template import load_toml

    doc, path = load_template(template)
    values = variables if isinstance(variables, dict) else load_toml(variables, "variables")
    return fill(doc, values, path)


def _placeholders(value) -> set[str]:
    import string as _string

    texts = [value] if isinstance(value, str) else [v for v in value.values() if isinstance(v, str)] \
        if isinstance(value, dict) else []
    return {name for t in texts for _lit, name, _spec, _conv in _string.Formatter().parse(t) if name}


def variables(template: dict) -> set[str]:
    """The variables a template's placeholders name (a batch CSV's columns)."""
    found: set[str] = set()
    for section in SECTIONS:
        for table in template.get(section, []) if isinstance(template.get(section), list) else []:
            for value in table.values():
                found |= _placeholders(value)
    return found


def secret_variables(template: dict) -> set[str]:
    """The variables whose values are secrets: those in the Security object's secret key, or in a value
    marked ``secret = true`` (kept out of a batch ledger's digest)."""
    found: set[str] = set()
    for section in SECTIONS:
        for table in template.get(section, []) if isinstance(template.get(section), list) else []:
            for key, value in table.items():
                if key == "secret_key" or (isinstance(value, dict) and value.get("secret")):
                    found |= _placeholders(value)
    return found


def load_template(template: str | Path) -> tuple[dict, str]:
    from ..bootstrap.template import load_toml, resolve_template

    path = resolve_template(template)
    return load_toml(path, "LwM2M template"), str(path)
