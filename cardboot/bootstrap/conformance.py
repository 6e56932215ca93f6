"""The static conformance items of OMA DM Bootstrap Appendix B that a bootstrap message shows (whether it
came from a file, a card or a server): each pass, fail or not applicable, with the evidence.

Items about what a device does (C-001, C-007..C-010, C-013..C-015) cannot be seen in a message; they are
listed as not applicable with that reason, so a report never claims more than it checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from .syncml import Message
from .tnds import MgmtTree, TndsNode
from .validate import BOOTCFG, W7, message_objects, validate_message

PASS, FAIL, NA = "pass", "fail", "n/a"
TNDS_WBXML = "application/vnd.syncml.dmtnds+wbxml"
TNDS_XML = "application/vnd.syncml.dmtnds+xml"


@dataclass(frozen=True)
class Item:
    item: str
    function: str
    status: str
    evidence: str

    def as_dict(self) -> dict:
        return {"item": self.item, "function": self.function, "status": self.status, "evidence": self.evidence}


def _acl_grants(acl: str | None, server_id: str, ops=("Get", "Replace", "Delete")) -> bool:
    rights = {}
    for part in (acl or "").split("&"):
        op, _, who = part.partition("=")
        rights[op] = set(who.split("+"))
    return all(server_id in rights.get(op, set()) or "*" in rights.get(op, set()) for op in ops)


def _leaf(node: TndsNode, path: str) -> TndsNode | None:
    for part in path.split("/"):
        node = node.child(part) if node is not None else None
    return node


def check_message(msg: Message, wbxml: bytes | None, *, source: str, from_cp: bool = False) -> list[Item]:
    findings = validate_message(msg, encoded=wbxml)
    objects = message_objects(msg)
    accounts = [(loc, n) for loc, n, _t in objects if n.ddf_name == W7 or _leaf(n, "AppID") and
                _leaf(n, "AppID").value == "w7"]
    cfgs = [(loc, n) for loc, n, _t in objects if n.ddf_name == BOOTCFG]
    tnds_types = {item.type for _c, item in msg.items() if isinstance(item.data, MgmtTree)}
    inbox = [item.target for _c, item in msg.items() if isinstance(item.data, MgmtTree)]
    out: list[Item] = []
    dm_ok = bool(accounts) and not findings
    out.append(Item("DM-BOOT-S-002-M", "OMA Device Management Profile", PASS if dm_ok else FAIL,
                    f"DMAcc at {', '.join(loc for loc, _ in accounts)}; the bootstrap rules hold" if dm_ok else
                    ("; ".join(str(f) for f in findings[:3]) if findings else "no DMAcc (5.5.4 MUST)")))
    out.append(Item("DM-BOOT-C-003-M", "OMA Device Management Profile (client side)", out[-1].status,
                    "the message a DM-profile client must process: " + out[-1].evidence))
    for item, what in (("DM-BOOT-S-003-M", "Encode DM Bootstrap Message into WBXML"),
                       ("DM-BOOT-C-016-M", "WBXML encoded DM Bootstrap Messages")):
        out.append(Item(item, what, PASS if wbxml is not None else FAIL,
                        f"{source}: WBXML, {len(wbxml)} bytes" if wbxml is not None else f"{source}: XML, not WBXML"))
    if tnds_types:
        kinds = ", ".join(sorted("WBXML-encoded TNDS" if t == TNDS_WBXML else "TNDS" for t in tnds_types))
        for item, what in (("DM-BOOT-S-004-M", "embedded WBXML TNDS and normal TNDS objects"),
                           ("DM-BOOT-C-011-M", "embedded WBXML TNDS and normal TNDS objects (client)")):
            out.append(Item(item, what, PASS, f"{len(inbox)} TNDS object(s): {kinds}"))
        out.append(Item("DM-BOOT-C-012-M", "Inbox", PASS if all(t and t.rstrip('/') == "./Inbox" for t in inbox)
                        else FAIL, f"TNDS targets: {', '.join(sorted(set(map(str, inbox))))}"))
    else:
        for item in ("DM-BOOT-S-004-M", "DM-BOOT-C-011-M", "DM-BOOT-C-012-M"):
            out.append(Item(item, "TNDS objects / Inbox", NA, "the message uses the plain carrier (no TNDS)"))
    if from_cp:
        sid = [(_leaf(n, "ServerID").value if _leaf(n, "ServerID") else None, n) for _l, n in accounts]
        ok = bool(sid) and all(s and _acl_grants(n.acl, s) for s, n in sid)
        out.append(Item("DM-BOOT-C-004-O", "CP content granted Get, Replace, Delete to the w7 ServerID",
                        PASS if ok else FAIL, f"DMAcc ACL {sid[0][1].acl!r}" if sid else "no DMAcc"))
    else:
        out.append(Item("DM-BOOT-C-004-O", "CP content ACL rights", NA, "the message does not come from a CP document"))
    if cfgs:
        loc, cfg = cfgs[0]
        out.append(Item("BOOTCFGMO-T-001-O", "Management Object identifier", PASS, f"{loc}: DDF {cfg.ddf_name}"))
        missing = [] if cfg.child("BootSrvDiscovery") is not None else ["BootSrvDiscovery"]
        out.append(Item("BOOTCFGMO-T-002-O", "Required nodes under the root", FAIL if missing else PASS,
                        f"{loc}: missing {', '.join(missing)}" if missing else f"{loc}: BootSrvDiscovery present"))
        bad = []
        for opt, required in (("BootSrvInfo", ("URL",)), ("InitialARInfo", ("SubtreeURI", "AccessCode"))):
            for inst in (cfg.child(opt).children if cfg.child(opt) else []):
                bad += [f"{opt}/{inst.name}/{r}" for r in required if inst.child(r) is None]
        out.append(Item("BOOTCFGMO-T-004-O", "Required nodes under optional nodes", FAIL if bad else PASS,
                        f"missing {', '.join(bad)}" if bad else "every BootSrvInfo / InitialARInfo instance complete"))
        urls = [i.child("URL").value for i in (cfg.child("BootSrvInfo").children if cfg.child("BootSrvInfo") else [])
                if i.child("URL") is not None]
        out.append(Item("BOOTCFGMO-001-M", "URL of a DM Bootstrap Server", PASS if urls else FAIL,
                        f"BootSrvInfo URL {urls[0]}" if urls else "the Bootstrap Config MO gives no URL"))
        disc = cfg.child("BootSrvDiscovery")
        out.append(Item("BOOTCFGMO-C-001-M / C-002-M", "discovery allowed / inhibited",
                        PASS if disc is not None and disc.value in ("0", "1") else FAIL,
                        f"BootSrvDiscovery = {disc.value if disc is not None else 'absent'}"))
    else:
        for item in ("BOOTCFGMO-T-001-O", "BOOTCFGMO-T-002-O", "BOOTCFGMO-T-004-O", "BOOTCFGMO-001-M"):
            out.append(Item(item, "Bootstrap Config MO", NA, "the message carries no Bootstrap Config MO"))
    for item in ("DM-BOOT-C-001-M", "DM-BOOT-C-007-O", "DM-BOOT-C-008-O", "DM-BOOT-C-009-O", "DM-BOOT-C-010-O",
                 "DM-BOOT-C-013-O", "DM-BOOT-C-014-O", "DM-BOOT-C-015-O"):
        out.append(Item(item, "device behaviour", NA, "what a device does cannot be seen in a message"))
    return out
