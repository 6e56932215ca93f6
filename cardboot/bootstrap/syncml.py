"""The SyncML DM 1.2 message a bootstrap is (OMA-TS-DM_Bootstrap 5.5.4; SyncML RepPro 1.2, DM RepPro 1.2):
``SyncHdr`` (VerDTD, VerProto DM/1.2, SessionID, MsgID, Target/Source LocURI, optional Cred) and a
``SyncBody`` of Add / Replace / Exec commands whose Items carry Meta Format/Type and Data, then Final.

An Item's data is text, bytes, or a TNDS :class:`MgmtTree`; a tree travels as XML inside Data when the
Meta Type is ``application/vnd.syncml.dmtnds+xml`` and as an embedded WBXML document (opaque) when it is
``application/vnd.syncml.dmtnds+wbxml`` (5.5: clients must support both).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import MessageError, WbxmlError
from ..wbxml import codec
from ..wbxml.element import Element
from ..wbxml.tables import DMDDF12, NS_METINF, NS_SYNCML12
from .tnds import MgmtTree, element_to_tree, tree_to_element

TNDS_XML = "application/vnd.syncml.dmtnds+xml"
TNDS_WBXML = "application/vnd.syncml.dmtnds+wbxml"
SECRET_NAMES = ("AAuthSecret",)  # DMAcc leaves whose values are secrets (OMA DM StdObj 1.2, AppAuth)
COMMANDS = ("Add", "Replace", "Exec", "Delete", "Get", "Alert", "Copy", "Atomic", "Sequence")


@dataclass
class Item:
    target: str | None = None
    source: str | None = None
    format: str | None = None
    type: str | None = None
    data: str | bytes | MgmtTree | None = None
    secret: bool = False  # data shown as **** by the faces


@dataclass
class Command:
    kind: str
    cmd_id: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Cred:
    format: str | None
    type: str | None
    data: str


@dataclass
class SyncHdr:
    target: str
    source: str
    session_id: str = "1"
    msg_id: str = "1"
    ver_dtd: str = "1.2"
    ver_proto: str = "DM/1.2"
    cred: Cred | None = None


@dataclass
class Message:
    header: SyncHdr
    commands: list[Command] = field(default_factory=list)
    final: bool = True

    def items(self):
        for c in self.commands:
            for i in c.items:
                yield c, i

    def trees(self):
        for c, i in self.items():
            if isinstance(i.data, MgmtTree):
                yield c, i, i.data


def _e(tag: str, *children, ns: str = NS_SYNCML12) -> Element:
    return Element(tag, ns, [c for c in children if c is not None])


def _loc(tag: str, uri: str | None) -> Element | None:
    return None if uri is None else _e(tag, _e("LocURI", uri))


def _meta(fmt: str | None, typ: str | None) -> Element | None:
    if fmt is None and typ is None:
        return None
    return _e("Meta", _e("Format", fmt, ns=NS_METINF) if fmt is not None else None,
              _e("Type", typ, ns=NS_METINF) if typ is not None else None)


def message_to_element(msg: Message, *, wbxml_version: int = 0x02) -> Element:
    h = msg.header
    cred = None
    if h.cred is not None:
        cred = _e("Cred", _meta(h.cred.format, h.cred.type), _e("Data", h.cred.data))
    hdr = _e("SyncHdr", _e("VerDTD", h.ver_dtd), _e("VerProto", h.ver_proto), _e("SessionID", h.session_id),
             _e("MsgID", h.msg_id), _loc("Target", h.target), _loc("Source", h.source), cred)
    body = _e("SyncBody")
    for c in msg.commands:
        cmd = _e(c.kind, _e("CmdID", c.cmd_id))
        for i in c.items:
            data = None
            if isinstance(i.data, MgmtTree):
                tree = tree_to_element(i.data)
                if i.type == TNDS_WBXML:
                    data = _e("Data", codec.encode(tree, version=wbxml_version, language=DMDDF12))
                else:  # the TNDS document as XML text (opaque UTF-8 in WBXML, escaped text in XML)
                    data = _e("Data", tnds_xml_text(tree))
            elif i.data is not None:
                data = _e("Data", i.data)
            cmd.children.append(_e("Item", _loc("Target", i.target), _loc("Source", i.source),
                                   _meta(i.format, i.type), data))
        body.children.append(cmd)
    if msg.final:
        body.children.append(_e("Final"))
    return _e("SyncML", hdr, body)


def _text(e: Element | None) -> str | None:
    return None if e is None else e.text


def _uri(e: Element | None) -> str | None:
    return None if e is None else _text(e.first("LocURI"))


class ElementBudget:
    """How many more elements may be decoded for one message: the WBXML decoder's element limit holds for
    the message as a whole, its embedded TNDS documents included, not for each document alone."""

    def __init__(self, total: int = codec.MAX_ELEMENTS, used: int = 0):
        self.total = total
        self.left = total - used

    def decode(self, raw: bytes, where: str) -> codec.Document:
        if self.left <= 0:
            raise WbxmlError("WBXML", f"the message holds more than {self.total} elements", None, where)
        try:
            doc = codec.decode(raw, where=where, max_elements=self.left)
        except WbxmlError as e:
            if e.reason == f"more than {self.left} elements":
                raise WbxmlError("WBXML", f"more than {self.total} elements in the message, its embedded TNDS "
                                 "documents together", e.offset, where) from None
            raise
        self.left -= doc.elements
        return doc


def element_to_message(root: Element, budget: ElementBudget | None = None) -> Message:
    """Read a SyncML element tree; embedded WBXML TNDS objects are decoded into :class:`MgmtTree` within
    ``budget`` (by default the decoder's element limit for the embedded documents together)."""
    budget = budget or ElementBudget()
    if root.tag != "SyncML":
        raise MessageError(f"root element is <{root.tag}>, not <SyncML>")
    hdr = root.first("SyncHdr")
    body = root.first("SyncBody")
    if hdr is None or body is None:
        raise MessageError("SyncML message without SyncHdr or SyncBody")
    cred = None
    c = hdr.first("Cred")
    if c is not None:
        meta = c.first("Meta")
        cred = Cred(_text(meta.first("Format")) if meta else None, _text(meta.first("Type")) if meta else None,
                    _text(c.first("Data")) or "")
    header = SyncHdr(target=_uri(hdr.first("Target")) or "", source=_uri(hdr.first("Source")) or "",
                     session_id=_text(hdr.first("SessionID")) or "", msg_id=_text(hdr.first("MsgID")) or "",
                     ver_dtd=_text(hdr.first("VerDTD")) or "", ver_proto=_text(hdr.first("VerProto")) or "",
                     cred=cred)
    msg = Message(header, final=body.first("Final") is not None)
    for cmd in body.elements():
        if cmd.tag == "Final":
            continue
        command = Command(cmd.tag, _text(cmd.first("CmdID")) or "")
        for it in cmd.elements("Item"):
            meta = it.first("Meta")
            item = Item(_uri(it.first("Target")), _uri(it.first("Source")),
                        _text(meta.first("Format")) if meta else None, _text(meta.first("Type")) if meta else None)
            data = it.first("Data")
            if data is not None:
                item.data = _item_data(data, item.type, item.target, budget)
            command.items.append(item)
        msg.commands.append(command)
    return msg


def _item_data(data: Element, mime: str | None, target: str | None, budget: ElementBudget):
    kids = data.elements()
    if kids:
        if kids[0].tag == "MgmtTree":
            return element_to_tree(kids[0])
        raise MessageError(f"Item {target}: <Data> holds <{kids[0].tag}>, expected text or a TNDS <MgmtTree>")
    raw = [c for c in data.children if isinstance(c, bytes)]
    if mime == TNDS_WBXML and raw:
        return element_to_tree(budget.decode(b"".join(raw), f"embedded TNDS in {target}").root)
    if mime == TNDS_XML:
        from ..wbxml.xml import element_from_xml, parse_xml

        return element_to_tree(element_from_xml(parse_xml(data.text, where=f"TNDS in {target}")))
    if raw and len(raw) == len(data.children):
        joined = b"".join(raw)
        try:
            return joined.decode("utf-8")
        except UnicodeDecodeError:
            return joined
    return data.text


def tnds_xml_text(tree_element: Element) -> str:
    from ..wbxml.xml import to_xml_text

    return to_xml_text(tree_element)


def expand_embedded_tnds(root: Element, *, xml_text: bool = False, copy: bool = True,
                         budget: ElementBudget | None = None) -> Element:
    """A copy of a SyncML element tree with every embedded WBXML TNDS (opaque Data under Meta Type
    application/vnd.syncml.dmtnds+wbxml) decoded into XML elements and the Type rewritten to +xml —
    the form ``wbxml2xml`` prints. ``xml_text=True`` also turns TNDS carried as XML text (+xml) into
    elements, for ``cardboot message decode``. ``copy=False`` changes ``root`` itself."""
    out = root.copy() if copy else root
    budget = budget or ElementBudget()
    work = [out]
    while work:
        e = work.pop()
        if e.tag == "Item":
            meta = e.first("Meta")
            typ = meta.first("Type") if meta is not None else None
            data = e.first("Data")
            if typ is not None and typ.text == TNDS_WBXML and data is not None:
                raw = b"".join(c for c in data.children if isinstance(c, bytes))
                if not raw and data.text and not data.elements():
                    raw = _base64(data.text)  # the XML form carries the embedded WBXML as base64
                if raw:
                    data.children = [budget.decode(raw, "embedded TNDS").root]
                    typ.children = [TNDS_XML]
            elif xml_text and typ is not None and typ.text == TNDS_XML and data is not None and not data.elements():
                from ..wbxml.xml import element_from_xml, parse_xml

                data.children = [element_from_xml(parse_xml(data.text, where="TNDS in Data"))]
            continue  # nothing to expand below an Item
        work.extend(e.elements())
    return out


def _base64(text: str) -> bytes:
    import binascii

    try:
        return binascii.a2b_base64("".join(text.split()).encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise MessageError(f"embedded TNDS (dmtnds+wbxml) in XML is not base64: {e}") from None


def embed_tnds(root: Element, *, wbxml_version: int = 0x02) -> Element:
    """The inverse of :func:`expand_embedded_tnds`, changing ``root`` in place: every TNDS ``MgmtTree``
    written as XML inside Data is encoded as an embedded WBXML document and its Meta Type set to +wbxml
    (what ``xml2wbxml`` does)."""
    work = [root]
    while work:
        e = work.pop()
        if e.tag == "Item":
            data = e.first("Data")
            tree = data.first("MgmtTree") if data is not None else None
            if tree is not None:
                data.children = [codec.encode(tree, version=wbxml_version, language=DMDDF12)]
                meta = e.first("Meta")
                if meta is None:
                    meta = Element("Meta", NS_SYNCML12)
                    e.children.insert(len(e.elements("Target")) + len(e.elements("Source")), meta)
                typ = meta.first("Type")
                if typ is None:
                    meta.children.append(Element("Type", NS_METINF, [TNDS_WBXML]))
                else:
                    typ.children = [TNDS_WBXML]
            continue
        work.extend(e.elements())
    return root
