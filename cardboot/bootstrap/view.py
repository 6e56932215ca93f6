"""Ways to look at a decoded bootstrap message: flattened leaves for a semantic diff, and secrets masked
for display (AAuthSecret values and Cred data show as ``****`` unless the user asks).

What is secret, in one place: a node whose name is in ``syncml.SECRET_NAMES``, a node flagged ``secret``
(set from the template: ``secret = true``), and the extra ``secret_names`` a face knows from the template
it works with (``template.secret_leaves``) — a message decoded from bytes carries no flags.
"""

from __future__ import annotations

from ..secret import MASK
from ..wbxml.element import Element
from .syncml import SECRET_NAMES, TNDS_WBXML, Message
from .validate import message_objects



def flatten(msg: Message) -> dict[str, str]:
    """'hdr/Source' and '<object>/<path>' → 'format:value' for every node, whatever the carrier."""
    h = msg.header
    out = {"hdr/VerDTD": h.ver_dtd, "hdr/VerProto": h.ver_proto, "hdr/SessionID": h.session_id,
           "hdr/MsgID": h.msg_id, "hdr/Target": h.target, "hdr/Source": h.source}
    for _loc, root, _tree in message_objects(msg):
        work = [(root.name, root)]
        while work:
            path, node = work.pop()
            out[path] = f"{node.format or '?'}:{node.value if node.value is not None else ''}"
            if node.ddf_name:
                out[path + "#ddf"] = node.ddf_name
            work.extend((f"{path}/{c.name}", c) for c in node.children)
    return out


def _is_secret(node, secret_names=()) -> bool:
    return node.secret or node.name in SECRET_NAMES or node.name in secret_names


def secret_paths(msg: Message, secret_names=()) -> set[str]:
    """The flatten() keys whose values are secret."""
    out = set()
    for _loc, root, _tree in message_objects(msg):
        work = [(root.name, root)]
        while work:
            path, node = work.pop()
            if _is_secret(node, secret_names):
                out.add(path)
            work.extend((f"{path}/{c.name}", c) for c in node.children)
    return out


def diff(a: Message, b: Message, secret_names=()) -> list[str]:
    fa, fb = flatten(a), flatten(b)
    hidden = secret_paths(a, secret_names) | secret_paths(b, secret_names)

    def _show(key: str, value: str) -> str:
        return MASK if key in hidden or key.rsplit("/", 1)[-1] in SECRET_NAMES else value

    lines = []
    for key in sorted(set(fa) | set(fb)):
        if key not in fb:
            lines.append(f"- {key} = {_show(key, fa[key])}")
        elif key not in fa:
            lines.append(f"+ {key} = {_show(key, fb[key])}")
        elif fa[key] != fb[key]:
            lines.append(f"~ {key}: {_show(key, fa[key])} -> {_show(key, fb[key])}")
    return lines


def mask_secrets(root: Element, secret_names=()) -> Element:
    """A copy of a SyncML/TNDS element tree with secret values replaced by ``****``."""
    names = set(SECRET_NAMES) | set(secret_names)
    out = root.copy()
    work = [out]
    while work:
        e = work.pop()
        if e.tag == "Node":
            name = e.first("NodeName")
            value = e.first("Value")
            if name is not None and value is not None and name.text in names:
                value.children = [MASK]
        elif e.tag == "Item":
            target = e.first("Target")
            uri = target.first("LocURI").text if target is not None and target.first("LocURI") else ""
            data = e.first("Data")
            meta = e.first("Meta")
            typ = meta.first("Type") if meta is not None else None
            if data is not None and uri.rsplit("/", 1)[-1] in names:
                data.children = [MASK]
            elif data is not None and typ is not None and typ.text == TNDS_WBXML and not data.elements():
                data.children = [MASK]  # an embedded TNDS left undecoded holds the secrets in encoded form
        elif e.tag == "Cred":
            data = e.first("Data")
            if data is not None:
                data.children = [MASK]
        work.extend(e.elements())
    return out


def summary(msg: Message, show_secrets: bool = False, secret_names=()) -> list[tuple[str, str]]:
    """The fields an operator looks at, as (label, value): per management object its kind and the leaves
    (AppAddr, AppAuth, ConnMO NAP, Bootstrap Config), secrets masked unless asked."""
    h = msg.header
    out = [("Target", h.target), ("Source", h.source)]
    for loc, root, _tree in message_objects(msg):
        kind = {"org.openmobilealliance/1.0/w7": "DMAcc", "org.openmobilealliance/1.0/ConnMO": "ConnMO",
                "urn:oma:mo:oma-dm-bootstrapcfg:1.0": "BootCfg"}.get(root.ddf_name or "", "object")
        out.append((f"{kind}", loc))
        work = [(c.name, c) for c in reversed(root.children)]
        while work:
            path, node = work.pop()
            if node.value is not None:
                value = MASK if (_is_secret(node, secret_names) and not show_secrets) else node.value
                out.append((f"  {path}", value))
            work.extend((f"{path}/{c.name}", c) for c in reversed(node.children))
    return out
