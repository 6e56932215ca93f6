"""The element tree every module shares: what the WBXML codec decodes to and encodes from, what the XML
side reads and writes, what the SyncML and TNDS models are read from."""

from __future__ import annotations


class Element:
    """An element: its tag, its namespace (the code page's) and children: elements, text, opaque bytes."""

    __slots__ = ("tag", "namespace", "children")

    def __init__(self, tag: str, namespace: str, children: list | None = None):
        self.tag = tag
        self.namespace = namespace
        self.children = [] if children is None else children

    def __repr__(self) -> str:
        return f"Element({self.tag!r}, {self.namespace!r}, {len(self.children)} children)"

    def elements(self, tag: str | None = None) -> list["Element"]:
        return [c for c in self.children if isinstance(c, Element) and (tag is None or c.tag == tag)]

    def first(self, tag: str) -> "Element | None":
        for c in self.children:
            if isinstance(c, Element) and c.tag == tag:
                return c
        return None

    @property
    def text(self) -> str:
        """The element's character content (text children joined; opaque bytes decoded as UTF-8)."""
        out = []
        for c in self.children:
            if isinstance(c, str):
                out.append(c)
            elif isinstance(c, bytes):
                out.append(c.decode("utf-8", "replace"))
        return "".join(out)

    def copy(self) -> "Element":
        """A deep copy (iterative and much faster than copy.deepcopy)."""
        top = Element(self.tag, self.namespace, [])
        work = [(self, top)]
        while work:
            src, dst = work.pop()
            for c in src.children:
                if isinstance(c, Element):
                    n = Element(c.tag, c.namespace, [])
                    dst.children.append(n)
                    work.append((c, n))
                else:
                    dst.children.append(c)
        return top

    def add(self, child) -> "Element":
        self.children.append(child)
        return child if isinstance(child, Element) else self
