"""A Client Provisioning document: ``wap-provisioningdoc`` (version) holding ``characteristic`` elements
(type; nested characteristics and ``parm`` name/value pairs), WAP-183-ProvCont 5 / OMA-WAP-ProvCont 1.1.
XML in and out (parsed without entities or network, bounded); WBXML in :mod:`cardboot.cp.wbxml`."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from ..errors import DecodeError

FPI = "-//WAPFORUM//DTD PROV 1.0//EN"
PUBLIC_ID = 0x0B  # WBXML public identifier of PROV 1.0 (WAP WINA)
MAX_ITEMS = 5000
SECRET_PARMS = frozenset({"AUTHSECRET", "AAUTHSECRET", "PXAUTH-PW", "BASAUTH-PW", "PROXY-PW"})


class CpError(DecodeError):
    def __init__(self, reason: str, offset: int | None = None, where: str = ""):
        super().__init__("Client Provisioning document", reason, offset, where)


@dataclass
class Characteristic:
    type: str
    parms: list[tuple[str, str | None]] = field(default_factory=list)
    children: list["Characteristic"] = field(default_factory=list)

    def parm(self, name: str) -> str | None:
        return next((v for n, v in self.parms if n == name), None)

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.parms if n == name and v is not None]

    def sub(self, type_: str) -> list["Characteristic"]:
        return [c for c in self.children if c.type == type_]


@dataclass
class CpDocument:
    version: str = "1.0"
    characteristics: list[Characteristic] = field(default_factory=list)

    def of_type(self, type_: str) -> list[Characteristic]:
        return [c for c in self.characteristics if c.type == type_]


def from_xml(data: bytes, where: str = "CP document") -> CpDocument:
    from ..wbxml.xml import parse_xml

    root = parse_xml(data, where=where)
    if _local(root.tag) != "wap-provisioningdoc":
        raise CpError(f"root element is {_local(root.tag)!r}, not wap-provisioningdoc", where=where)
    count = [0]

    def characteristic(e) -> Characteristic:
        count[0] += 1
        if count[0] > MAX_ITEMS:
            raise CpError(f"more than {MAX_ITEMS} elements", where=where)
        t = e.get("type")
        if not t:
            raise CpError(f"characteristic without a type (line {e.sourceline})", where=where)
        c = Characteristic(t)
        for child in e:
            name = _local(child.tag)
            if name == "parm":
                if child.get("name") is None:
                    raise CpError(f"parm without a name (line {child.sourceline})", where=where)
                c.parms.append((child.get("name"), child.get("value")))
            elif name == "characteristic":
                c.children.append(characteristic(child))
            else:
                raise CpError(f"unexpected element {name!r} in characteristic (line {child.sourceline})", where=where)
        return c

    doc = CpDocument(root.get("version", "1.0"))
    for e in root:
        if _local(e.tag) != "characteristic":
            raise CpError(f"unexpected element {_local(e.tag)!r} under wap-provisioningdoc", where=where)
        doc.characteristics.append(characteristic(e))
    return doc


def _local(tag) -> str:
    return tag.split("}", 1)[-1] if isinstance(tag, str) else ""


def to_xml(doc: CpDocument, show_secrets: bool = True) -> bytes:
    """The document as XML; ``show_secrets`` False writes the value of a secret parameter as ****."""
    lines = ['<?xml version="1.0"?>',
             f'<!DOCTYPE wap-provisioningdoc PUBLIC "{FPI}" "http://www.wapforum.org/DTD/prov.dtd">',
             f"<wap-provisioningdoc version={quoteattr(doc.version)}>"]

    def emit(c: Characteristic, depth: int) -> None:
        pad = "  " * depth
        lines.append(f"{pad}<characteristic type={quoteattr(c.type)}>")
        for name, value in c.parms:
            if value is not None and not show_secrets and name in SECRET_PARMS:
                value = "****"
            v = "" if value is None else f" value={quoteattr(value)}"
            lines.append(f"{pad}  <parm name={quoteattr(name)}{v}/>")
        for child in c.children:
            emit(child, depth + 1)
        lines.append(f"{pad}</characteristic>")

    for c in doc.characteristics:
        emit(c, 1)
    lines.append("</wap-provisioningdoc>")
    return ("\n".join(lines) + "\n").encode("utf-8")
