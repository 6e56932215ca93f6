"""Process a bootstrap message into a management tree as a DM client does (OMA DM Bootstrap 5.5.5; no
response message is sent).

- A TNDS object added to ./Inbox is taken apart into its management objects; each goes where its DDF name
  says (DMAcc ./DMAcc, ConnMO ./ConnMO, the Bootstrap Config MO ./DMSettings), its nodes with their
  format, type, value and ACL (5.5.3: the ACLs come from the TNDS data).
- A name already used at that place: the new MO is renamed (5.5.5 MAY), and connectivity references of
  the MOs in the same TNDS object that point at it through ./Inbox/<name> are rewritten to its final
  location (5.5.5 SHOULD); every other ./Inbox/<object> reference to an object of the same TNDS object is
  rewritten to where that object went.
- A MO of a type the client does not support is ignored (5.5.5 MAY), as are EXT items; when the message
  holds several versions of one MO (same type, same name), the latest supported one is used and the others
  ignored (5.5.5 SHOULD). Each is said in a note.
- Plain Add / Replace items follow DM: Add of an existing node is refused (418), Add under a missing
  parent is refused (404), Replace of a missing node is refused (404); Exec, Get, Delete, Copy are not
  part of a bootstrap here and are noted.

The servers the device would contact next are read from the resulting ./DMAcc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..bootstrap.syncml import Message
from ..bootstrap.tnds import MgmtTree, TndsNode
from .tree import Node, _parts, render

# DDF name -> (MO type, version, where it goes)
KNOWN_DDF = {
    "org.openmobilealliance/1.0/w7": ("DMAcc", (1, 0), "./DMAcc"),
    "urn:oma:mo:oma-dm-dmacc:1.0": ("DMAcc", (1, 0), "./DMAcc"),
    "org.openmobilealliance/1.0/ConnMO": ("ConnMO", (1, 0), "./ConnMO"),
    "urn:oma:mo:oma-dm-bootstrapcfg:1.0": ("BootCfg", (1, 0), "./DMSettings"),
}
_OMA = re.compile(r"org\.openmobilealliance/(\d+)\.(\d+)/(.+)")
_URN = re.compile(r"(urn:oma:mo:[^:]+):(\d+)\.(\d+)")


def _family(ddf: str) -> tuple[str, tuple[int, int]] | None:
    """A DDF name's MO family (without the version) and its version."""
    if m := _OMA.fullmatch(ddf):
        return f"oma/{m.group(3)}", (int(m.group(1)), int(m.group(2)))
    if m := _URN.fullmatch(ddf):
        return m.group(1), (int(m.group(2)), int(m.group(3)))
    return None


def mo_type(ddf: str | None) -> tuple[str, tuple[int, int]] | None:
    """(type, version) of a DDF name whose type the client knows, supported version or not."""
    if not ddf:
        return None
    if ddf in KNOWN_DDF:
        return KNOWN_DDF[ddf][0], KNOWN_DDF[ddf][1]
    fam = _family(ddf)
    for known, (kind, _version, _where) in KNOWN_DDF.items():
        if fam is not None and _family(known) is not None and _family(known)[0] == fam[0]:
            return kind, fam[1]
    return None


@dataclass
class Applied:
    tree: Node
    added: list[str] = field(default_factory=list)  # where each MO went
    notes: list[str] = field(default_factory=list)
    servers: list[dict] = field(default_factory=list)


def _to_node(t: TndsNode, skip_ext: list[str], where: str) -> Node:
    n = Node(t.name, "node" if t.is_interior else (t.format or "chr"), None if t.is_interior else (t.value or ""),
             t.acl, t.ddf_name, t.mime)
    for c in t.children:
        if c.name == "Ext":
            skip_ext.append(f"{where}/Ext")
            continue
        n.children[c.name] = _to_node(c, skip_ext, f"{where}/{c.name}")
    return n


def _ensure(root: Node, path: str) -> Node:
    node = root
    for part in _parts(path):
        node = node.children.setdefault(part, Node(part))
    return node


def _free_name(parent: Node, name: str) -> str:
    if name not in parent.children:
        return name
    n = 2
    while f"{name}_{n}" in parent.children:
        n += 1
    return f"{name}_{n}"


def _rewrite(node: Node, moved: dict[str, str]) -> int:
    """./Inbox/<object>[/...] -> its final place, in every leaf value below ``node``."""
    count = 0
    for _p, n in node.walk():
        if n.interior or not n.value or not n.value.startswith("./Inbox/"):
            continue
        head, _, rest = n.value[len("./Inbox/"):].partition("/")
        if head in moved:
            n.value = moved[head] + (f"/{rest}" if rest else "")
            count += 1
    return count


def _apply_tnds(root: Node, tree: MgmtTree, out: Applied, index: int) -> None:
    chosen: dict[tuple[str, str], TndsNode] = {}
    for obj in tree.nodes:
        kind = mo_type(obj.ddf_name)
        if kind is None:
            out.notes.append(f"TNDS object {index}: {obj.name} ({obj.ddf_name or 'no DDF name'}) is a MO this client "
                             "does not support: ignored (5.5.5)")
            continue
        if obj.ddf_name not in KNOWN_DDF:
            out.notes.append(f"TNDS object {index}: {obj.name} is {kind[0]} version {'.'.join(map(str, kind[1]))}, "
                             f"which this client does not support: ignored")
            continue
        key = (kind[0], obj.name)
        if key in chosen:
            old = chosen[key]
            keep, drop = (obj, old) if KNOWN_DDF[obj.ddf_name][1] > KNOWN_DDF[old.ddf_name][1] else (old, obj)
            chosen[key] = keep
            out.notes.append(f"TNDS object {index}: {obj.name}: two versions of {kind[0]}; {keep.ddf_name} used, "
                             f"{drop.ddf_name} ignored (5.5.5)")
        else:
            chosen[key] = obj
    moved: dict[str, str] = {}
    placed: list[Node] = []
    for obj in chosen.values():
        parent_path = KNOWN_DDF[obj.ddf_name][2]
        parent = _ensure(root, parent_path)
        name = _free_name(parent, obj.name)
        if name != obj.name:
            out.notes.append(f"{parent_path}/{obj.name} exists: the new {KNOWN_DDF[obj.ddf_name][0]} is {parent_path}/"
                             f"{name} (5.5.5: renamed, references in the same TNDS object rewritten)")
        ext: list[str] = []
        node = _to_node(obj, ext, f"{parent_path}/{name}")
        node.name = name
        parent.children[name] = node
        for e in ext:
            out.notes.append(f"{e}: EXT item ignored (5.5.5)")
        moved[obj.name] = f"{parent_path}/{name}"
        placed.append(node)
        out.added.append(f"{parent_path}/{name}")
    for node in placed:
        _rewrite(node, moved)


def _apply_plain(root: Node, kind: str, target: str, fmt: str | None, data, mime: str | None, out: Applied) -> None:
    target, _, query = target.partition("?")
    if query:
        node = root.get(target)
        if query == "prop=ACL" and kind == "Replace" and node is not None and isinstance(data, str):
            node.acl = data  # OMA DM TND: the ACL property of a node
        else:
            out.notes.append(f"{kind} {target}?{query}: not applied ({'no such node (404)' if node is None else 'property not supported'})")
        return
    parts = _parts(target)
    if "Ext" in parts:
        out.notes.append(f"{target}: EXT item ignored (5.5.5)")
        return
    if not parts:
        out.notes.append(f"{kind} {target}: not a node a bootstrap may set")
        return
    parent = root.get("./" + "/".join(parts[:-1])) if len(parts) > 1 else root
    existing = parent.children.get(parts[-1]) if parent is not None else None
    value = data if isinstance(data, str) else (None if data is None else data.hex())
    if kind == "Add":
        if parent is None:
            out.notes.append(f"Add {target}: the parent node does not exist (404): not added")
            return
        if existing is not None:
            out.notes.append(f"Add {target}: the node exists (418): left as it is")
            return
        parent.children[parts[-1]] = Node(parts[-1], "node" if fmt == "node" else (fmt or "chr"),
                                          None if fmt == "node" else (value or ""), mime=mime)
    else:
        if existing is None:
            out.notes.append(f"Replace {target}: no such node (404): not replaced")
            return
        existing.value, existing.format = value or "", fmt or existing.format


def apply_message(msg: Message, tree: Node) -> Applied:
    out = Applied(tree)
    index = 0
    for cmd in msg.commands:
        if cmd.kind not in ("Add", "Replace"):
            out.notes.append(f"{cmd.kind} (CmdID {cmd.cmd_id}): not processed as part of a bootstrap")
            continue
        for item in cmd.items:
            if isinstance(item.data, MgmtTree):
                index += 1
                _apply_tnds(tree, item.data, out, index)
            elif item.target:
                _apply_plain(tree, cmd.kind, item.target, item.format, item.data, item.type, out)
    out.servers = servers(tree)
    return out


def servers(tree: Node) -> list[dict]:
    """The DM servers of ./DMAcc: who the client contacts after the bootstrap (5.5.5, last paragraphs)."""
    acc = tree.get("./DMAcc")
    found = []
    for name, node in (acc.children.items() if acc else []):
        addrs = [a.get("Addr").value for a in (node.get("AppAddr").children.values() if node.get("AppAddr") else [])
                 if a.get("Addr") is not None]
        if node.get("Addr") is not None:  # DMAcc of DM 1.1 style: Addr directly under the account
            addrs.append(node.get("Addr").value)
        sid = node.get("ServerID")
        pref = node.get("PrefConRef")
        found.append({"account": f"./DMAcc/{name}", "server_id": sid.value if sid else None,
                      "addresses": addrs, "connection": pref.value if pref else None})
    return found


def describe(applied: Applied, show_secrets: bool = False) -> str:
    """The tree, the notes and the servers to contact next, as text for people (what every face shows)."""
    lines = [render(applied.tree, show_secrets)] + [f"note: {n}" for n in applied.notes]
    for s in applied.servers:
        lines.append(f"next: {s['account']} server {s['server_id']} at {', '.join(s['addresses']) or '(no address)'}"
                     + (f" over {s['connection']}" if s["connection"] else ""))
    return "\n".join(lines)
