"""A device's management tree in memory (OMA DM TND: interior nodes and leaves with format, type, value and
ACL), read from and written to JSON, and shown as text with secrets masked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import DecodeError

SECRET_LEAVES = frozenset({"AAuthSecret", "AuthSecret", "AccessCode", "Secret", "PW", "Password"})
MAX_NODES = 100_000


@dataclass
class Node:
    name: str
    format: str = "node"
    value: str | None = None
    acl: str | None = None
    ddf: str | None = None
    mime: str | None = None
    children: dict[str, "Node"] = field(default_factory=dict)

    @property
    def interior(self) -> bool:
        return self.format == "node"

    def get(self, path: str) -> "Node | None":
        node: Node | None = self
        for part in _parts(path):
            node = node.children.get(part) if node is not None else None
        return node

    def walk(self, prefix: str = "."):
        yield prefix, self
        for name, child in self.children.items():
            yield from child.walk(f"{prefix}/{name}")

    def effective_acl(self, path: str) -> str | None:
        """The ACL that applies at ``path``: its own, else the nearest parent's (OMA DM TND: inheritance)."""
        node, acl = self, self.acl
        for part in _parts(path):
            node = node.children.get(part)
            if node is None:
                break
            acl = node.acl or acl
        return acl


def _parts(path: str) -> list[str]:
    p = path.strip()
    if p in (".", "./", ""):
        return []
    if p.startswith("./"):
        p = p[2:]
    return [x for x in p.strip("/").split("/") if x]


def new_tree() -> Node:
    """A device's tree before any bootstrap: the root (ACL Get=*) and the permanent ./DMAcc (DM StdObj)."""
    root = Node(".", acl="Get=*")
    root.children["DMAcc"] = Node("DMAcc")
    return root


def to_json(root: Node, show_secrets: bool = True) -> dict:
    """The tree as JSON; ``show_secrets`` False writes the value of a secret leaf as ****."""
    out: dict = {"format": root.format}
    for key in ("value", "acl", "ddf", "mime"):
        if getattr(root, key) is not None:
            out[key] = getattr(root, key)
    if not show_secrets and not root.interior and root.name in SECRET_LEAVES:
        out["value"] = "****"
    if root.children:
        out["children"] = {name: to_json(c, show_secrets) for name, c in root.children.items()}
    return out


def from_json(data, where: str = "tree") -> Node:
    count = [0]

    def node(name: str, d, path: str) -> Node:
        count[0] += 1
        if count[0] > MAX_NODES:
            raise DecodeError("management tree", f"more than {MAX_NODES} nodes", None, where)
        if not isinstance(d, dict):
            raise DecodeError("management tree", f"{path}: a node must be a JSON object", None, where)
        fmt = d.get("format", "node")
        if not isinstance(fmt, str):
            raise DecodeError("management tree", f"{path}: format must be text", None, where)
        n = Node(name, fmt)
        for key in ("value", "acl", "ddf", "mime"):
            v = d.get(key)
            if v is not None and not isinstance(v, str):
                raise DecodeError("management tree", f"{path}: {key} must be text", None, where)
            setattr(n, key, v)
        kids = d.get("children", {})
        if not isinstance(kids, dict):
            raise DecodeError("management tree", f"{path}: children must be a JSON object", None, where)
        for child_name, child in kids.items():
            if not child_name or "/" in child_name:
                raise DecodeError("management tree", f"{path}: node name {child_name!r} is not one segment", None, where)
            n.children[child_name] = node(child_name, child, f"{path}/{child_name}")
        return n

    return node(".", data, ".")


def load_tree(path: str) -> Node:
    from ..infile import load_json

    return from_json(load_json(path, what="management tree", limit=16 << 20), path)


def render(root: Node, show_secrets: bool = False) -> str:
    lines = []
    for path, n in root.walk():
        depth = path.count("/")
        label = n.name if path != "." else "."
        extra = []
        if n.ddf:
            extra.append(f"[{n.ddf}]")
        if n.acl and path != ".":
            extra.append(f"ACL {n.acl}")
        if not n.interior:
            value = n.value if show_secrets or n.name not in SECRET_LEAVES else "****"
            extra.append(f"= {value!r} ({n.format})")
        lines.append("  " * depth + label + ("  " + " ".join(extra) if extra else ""))
    return "\n".join(lines)


def dumps(root: Node) -> str:
    return json.dumps(to_json(root), indent=1)
