"""XML side of the WBXML elements, with lxml, safely.

Parsing never resolves entities, never loads a DTD and never touches the network; a document that
declares entities (the billion-laughs and external-entity attacks) or exceeds the size limit is refused
with :class:`cardboot.errors.XmlError`. Whitespace-only text between elements is dropped (as libwbxml
does); the text of leaf elements is kept exactly.
"""

from __future__ import annotations

import base64
import functools
import re
from typing import TYPE_CHECKING


from ..errors import XmlError

if TYPE_CHECKING:
    from lxml import etree
from .element import Element

MAX_XML = 1 << 20
# DOCTYPEs SyncML tools (libwbxml among them) write; their DTDs are never loaded
KNOWN_PUBLIC_IDS = frozenset({"-//SYNCML//DTD SyncML 1.2//EN", "-//SYNCML//DTD SyncML 1.1//EN",
                              "-//SYNCML//DTD MetInf 1.2//EN", "-//OMA//DTD-DM-DDF 1.2//EN",
                              "-//WAPFORUM//DTD PROV 1.0//EN"})
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


def parse_xml(data: bytes | str, *, where: str = "", max_size: int = MAX_XML) -> etree._Element:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > max_size:
        raise XmlError("XML", f"{len(raw)} bytes exceed the {max_size}-byte limit", None, where)
    if _ENTITY_DECL.search(raw):
        raise XmlError("XML", "entity declarations are not allowed (external entities, entity expansion)", None,
                       where)
    from lxml import etree  # 13 ms to import: only commands that parse XML pay it (issue 17)

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as e:
        line = getattr(e, "lineno", None)
        reason = " ".join(str(e.msg or e).split())  # libxml2 messages may span lines: one line here
        raise XmlError("XML", f"{reason} (line {line})" if line else reason, None, where) from None
    if root is None:
        raise XmlError("XML", "empty document", None, where)
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None and list(docinfo.internalDTD.iterentities()):
        raise XmlError("XML", "entity declarations are not allowed", None, where)
    system = docinfo.system_url or ""
    if system and docinfo.public_id not in KNOWN_PUBLIC_IDS:
        # never fetched (load_dtd=False), but an unknown DTD from the network is a sign of trouble
        raise XmlError("XML", f"DOCTYPE names an unknown DTD {docinfo.public_id or system!r}", None, where)
    return root


@functools.lru_cache(maxsize=512)
def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def element_from_xml(node: etree._Element) -> Element:
    """lxml element → :class:`Element` (iteratively; whitespace between elements dropped)."""
    ns, tag = _split(node.tag)
    top = Element(tag, ns)
    work = [(node, top)]
    while work:
        src, dst = work.pop()
        kids = [c for c in src if c.tag.__class__ is str]
        if not kids:
            if src.text:
                dst.children.append(src.text)
            continue
        if src.text and src.text.strip():
            dst.children.append(src.text)
        for c in kids:
            cns, ctag = _split(c.tag)
            child = Element(ctag, cns)
            dst.children.append(child)
            work.append((c, child))
            if c.tail and c.tail.strip():
                dst.children.append(c.tail)
    return top


# What XML 1.0 cannot carry (its Char production, inverted): the one rule for what a value may hold
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def first_unsafe(text: str) -> int | None:
    """Index of the first character XML 1.0 cannot carry, or None."""
    m = _XML_UNSAFE.search(text)
    return m.start() if m else None


def opaque_as_text(data: bytes) -> str:
    """How opaque bytes show in XML: UTF-8 text when they are and XML can carry them, else base64."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii")
    if _XML_UNSAFE.search(text):
        return base64.b64encode(data).decode("ascii")
    return text


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def to_xml_bytes(e: Element, *, pretty: bool = True, opaque=opaque_as_text) -> bytes:
    """The one XML serializer (printing, the XML form of a message, the tnds-xml carrier): each namespace
    change is declared as the default namespace, as libwbxml writes it; elements holding only elements
    are indented when ``pretty``. Raises :class:`XmlError` for text XML 1.0 cannot carry."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + to_xml_text(e, pretty=pretty, opaque=opaque)).encode("utf-8")


def to_xml_text(e: Element, *, pretty: bool = False, opaque=opaque_as_text) -> str:
    """The element as XML text without a declaration (the TNDS document a tnds-xml Data carries)."""
    out: list[str] = []
    _serialize(e, None, 0, pretty, opaque, out.append)
    return "".join(out)


def _serialize(el: Element, parent_ns, depth: int, pretty: bool, opaque, emit) -> None:
    if depth > 200:
        raise XmlError("XML", "element tree nested too deep to serialize", None)
    ns = el.namespace
    head = f'<{el.tag} xmlns="{ns}"' if ns and ns != parent_ns else f"<{el.tag}"
    indent = "  " * depth if pretty else ""
    children = el.children
    if not children:
        emit(f"{indent}{head}/>\n" if pretty else f"{head}/>")
        return
    text_only = True
    elements_only = True
    for c in children:
        if c.__class__ is Element:
            text_only = False
        else:
            elements_only = False
    if text_only:
        parts = []
        for c in children:
            t = c if c.__class__ is str else opaque(c)
            if _XML_UNSAFE.search(t):
                raise XmlError("XML", f"<{el.tag}> holds control characters XML 1.0 cannot carry", None)
            parts.append(t.translate(_ESCAPES) if ("&" in t or "<" in t or ">" in t) else t)
        text = "".join(parts)
        emit(f"{indent}{head}>{text}</{el.tag}>\n" if pretty else f"{head}>{text}</{el.tag}>")
        return
    if elements_only:
        emit(f"{indent}{head}>\n" if pretty else f"{head}>")
        for c in children:
            _serialize(c, ns, depth + 1, pretty, opaque, emit)
        emit(f"{indent}</{el.tag}>\n" if pretty else f"</{el.tag}>")
        return
    emit(f"{indent}{head}>")  # mixed content: no indentation inside
    for c in children:
        if c.__class__ is Element:
            _serialize(c, ns, 0, False, opaque, emit)
        else:
            t = c if c.__class__ is str else opaque(c)
            if _XML_UNSAFE.search(t):
                raise XmlError("XML", f"<{el.tag}> holds control characters XML 1.0 cannot carry", None)
            emit(t.translate(_ESCAPES))
    emit(f"</{el.tag}>\n" if pretty else f"</{el.tag}>")


def canonical(e: Element) -> tuple:
    """A comparable form: (namespace, tag, children) with adjacent text merged, whitespace-only text
    between elements dropped and opaque bytes read as UTF-8 text."""
    out = []
    text: list[str] = []

    def flush():
        if text:
            s = "".join(text)
            if s.strip() or not any(isinstance(c, Element) for c in e.children):
                out.append(s)
            text.clear()

    for c in e.children:
        if isinstance(c, Element):
            flush()
            out.append(canonical(c))
        else:
            text.append(c if isinstance(c, str) else c.decode("utf-8", "replace"))
    flush()
    return (e.namespace, e.tag, tuple(out))
