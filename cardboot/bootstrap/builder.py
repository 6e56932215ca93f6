"""Build the bootstrap :class:`Message` for a carrier (OMA-TS-DM_Bootstrap 5.5):

- ``plain``: SyncML Add items, one per node, on the objects' device paths (./DMAcc/<x>/...), ACLs set
  with Replace on ``<node>?prop=ACL``; ``./Inbox/<obj>`` references point at the object's device path;
- ``tnds-xml``: one Add to ./Inbox whose Data is the TNDS tree as XML (application/vnd.syncml.dmtnds+xml);
- ``tnds-wbxml``: the same tree as an embedded WBXML document in an opaque Data
  (application/vnd.syncml.dmtnds+wbxml).

ACLs travel as TNDS ACL properties in the TNDS carriers (5.5.3).
"""

from __future__ import annotations

import copy

from ..errors import MessageError
from ..wbxml import codec
from .syncml import TNDS_WBXML, TNDS_XML, Command, Item, Message, SyncHdr, message_to_element
from .template import Bootstrap
from .tnds import MgmtTree, TndsNode

CARRIERS = ("plain", "tnds-xml", "tnds-wbxml")
INBOX = "./Inbox"


def build_message(boot: Bootstrap, carrier: str = "tnds-wbxml") -> Message:
    if carrier not in CARRIERS:
        raise MessageError(f"carrier must be one of {', '.join(CARRIERS)}, not {carrier!r}")
    m = boot.message
    msg = Message(SyncHdr(m.target, m.source, m.session_id, m.msg_id))
    if carrier == "plain":
        _plain(boot, msg)
    else:
        tree = MgmtTree([copy.deepcopy(o.root) for o in boot.objects])
        wbxml = carrier == "tnds-wbxml"
        item = Item(target=INBOX, format="bin" if wbxml else "xml", type=TNDS_WBXML if wbxml else TNDS_XML, data=tree)
        msg.commands.append(Command("Add", "1", [item]))
    return msg


def _plain(boot: Bootstrap, msg: Message) -> None:
    where = {o.root.name: f"{o.plain_parent}/{o.root.name}" for o in boot.objects}

    def rebase(value: str | None) -> str | None:
        if value and value.startswith(INBOX + "/"):
            first, _, rest = value[len(INBOX) + 1 :].partition("/")
            if first in where:
                return where[first] + (f"/{rest}" if rest else "")
        return value

    cmd_id = 1
    for o in boot.objects:
        adds = Command("Add", str(cmd_id))
        cmd_id += 1
        acls = Command("Replace", "0")
        work: list[tuple[str, TndsNode]] = [(where[o.root.name], o.root)]
        while work:
            path, node = work.pop(0)
            if node.is_interior:
                adds.items.append(Item(target=path, format="node"))
            else:
                adds.items.append(Item(target=path, format=node.format or "chr", type=node.mime,
                                       data=rebase(node.value) if node.value is not None else None, secret=node.secret))
            if node.acl:
                acls.items.append(Item(target=f"{path}?prop=ACL", format="chr", data=node.acl))
            work.extend((f"{path}/{c.name}", c) for c in node.children)
        msg.commands.append(adds)
        if acls.items:
            acls.cmd_id = str(cmd_id)
            cmd_id += 1
            msg.commands.append(acls)


def encode_message(msg: Message, *, wbxml_version: int = 0x02, string_table: bool = False,
                   opaque_data: bool = True) -> bytes:
    """WBXML bytes of the message (5.5.4: the bootstrap MUST be WBXML 1.1, 1.2 or 1.3). ``opaque_data``:
    Data content as OPAQUE (as libwbxml writes it) or, when False, as inline strings (STR_I / STR_T);
    embedded WBXML TNDS documents are opaque either way."""
    return codec.encode(message_to_element(msg, wbxml_version=wbxml_version), version=wbxml_version,
                        string_table=string_table, opaque_tags=frozenset({"Data"}) if opaque_data else frozenset())
