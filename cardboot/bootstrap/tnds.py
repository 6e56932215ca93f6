"""TNDS, the Tree and Description Serialization of OMA DM (OMA-TS-DM_TND-V1_2): a ``MgmtTree`` of
``Node`` elements with ``NodeName``, optional ``Path``, ``RTProperties`` (ACL, Format, Name, Size, Title,
TStamp, Type as MIME or DDFName, VerNo) and ``Value``. Namespace ``syncml:dmddf1.2`` (code page 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import MessageError
from ..wbxml.element import Element
from ..wbxml.tables import NS_DMDDF12

FORMATS = ("b64", "bin", "bool", "chr", "int", "node", "null", "xml", "date", "time", "float")


@dataclass
class TndsNode:
    name: str
    format: str | None = None
    mime: str | None = None
    ddf_name: str | None = None
    acl: str | None = None
    title: str | None = None
    tstamp: str | None = None
    verno: str | None = None
    size: str | None = None
    path: str | None = None
    value: str | None = None
    children: list["TndsNode"] = field(default_factory=list)
    secret: bool = False  # shown as **** by the faces unless asked (AAuthSecret, AccessCode...)

    def child(self, name: str) -> "TndsNode | None":
        return next((c for c in self.children if c.name == name), None)

    @property
    def is_interior(self) -> bool:
        return self.format == "node" or bool(self.children)


@dataclass
class MgmtTree:
    nodes: list[TndsNode] = field(default_factory=list)
    ver_dtd: str = "1.2"

    def walk(self):
        """(path relative to the tree, node) for every node, depth first: 'acc', 'acc/AppAddr', ..."""
        work = [(n.name, n) for n in reversed(self.nodes)]
        while work:
            path, node = work.pop()
            yield path, node
            work.extend((f"{path}/{c.name}", c) for c in reversed(node.children))

    def find(self, path: str) -> TndsNode | None:
        for p, n in self.walk():
            if p == path:
                return n
        return None


def _leaf(parent: Element, tag: str, text: str | None) -> None:
    if text is not None:
        parent.children.append(Element(tag, NS_DMDDF12, [text]))


def node_to_element(node: TndsNode) -> Element:
    e = Element("Node", NS_DMDDF12)
    _leaf(e, "NodeName", node.name)
    _leaf(e, "Path", node.path)
    props = Element("RTProperties", NS_DMDDF12)
    _leaf(props, "ACL", node.acl)
    if node.format:
        props.children.append(Element("Format", NS_DMDDF12, [Element(node.format, NS_DMDDF12)]))
    _leaf(props, "Size", node.size)
    _leaf(props, "Title", node.title)
    _leaf(props, "TStamp", node.tstamp)
    if node.mime or node.ddf_name:
        t = Element("Type", NS_DMDDF12)
        _leaf(t, "MIME", node.mime)
        _leaf(t, "DDFName", node.ddf_name)
        props.children.append(t)
    _leaf(props, "VerNo", node.verno)
    if props.children:
        e.children.append(props)
    _leaf(e, "Value", node.value)
    e.children.extend(node_to_element(c) for c in node.children)
    return e


def tree_to_element(tree: MgmtTree) -> Element:
    root = Element("MgmtTree", NS_DMDDF12, [Element("VerDTD", NS_DMDDF12, [tree.ver_dtd])])
    root.children.extend(node_to_element(n) for n in tree.nodes)
    return root


def _text(e: Element | None) -> str | None:
    return None if e is None else e.text


def element_to_node(e: Element, where: str) -> TndsNode:
    name = _text(e.first("NodeName"))
    if name is None:
        raise MessageError(f"TNDS {where}: <Node> without <NodeName>")
    node = TndsNode(name, path=_text(e.first("Path")), value=_text(e.first("Value")))
    props = e.first("RTProperties")
    if props is not None:
        node.acl = _text(props.first("ACL"))
        fmt = props.first("Format")
        if fmt is not None:
            kinds = fmt.elements()
            if len(kinds) != 1 or kinds[0].tag not in FORMATS:
                raise MessageError(f"TNDS {where}/{name}: <Format> must hold one of {', '.join(FORMATS)}")
            node.format = kinds[0].tag
        node.size = _text(props.first("Size"))
        node.title = _text(props.first("Title"))
        node.tstamp = _text(props.first("TStamp"))
        node.verno = _text(props.first("VerNo"))
        t = props.first("Type")
        if t is not None:
            node.mime = _text(t.first("MIME"))
            node.ddf_name = _text(t.first("DDFName"))
    for c in e.elements("Node"):
        node.children.append(element_to_node(c, f"{where}/{name}"))
    return node


def element_to_tree(e: Element) -> MgmtTree:
    if e.tag != "MgmtTree":
        raise MessageError(f"TNDS: root element is <{e.tag}>, not <MgmtTree>")
    tree = MgmtTree(ver_dtd=_text(e.first("VerDTD")) or "1.2")
    tree.nodes = [element_to_node(n, "") for n in e.elements("Node")]
    return tree
