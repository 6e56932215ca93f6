"""Check a bootstrap message against the rules that make it work on a device. Each finding names its rule
and the section it comes from.

- DMAcc present and complete (5.5.4 "MUST set the values for the DMAcc"; OMA-TS-DM_StdObj-V1_2 DMAcc:
  AppID = w7, ServerID, AppAddr/<x>/{Addr, AddrType}, Port/<x>/PortNbr, AppAuth/<x>/{AAuthLevel,
  AAuthType} with their value sets);
- SyncHdr/Source/LocURI equals one AppAddr/<x>/Addr (5.5.4);
- every ./Inbox/ reference resolves to a node of the same TNDS object (5.5.5);
- Bootstrap Config MO: BootSrvDiscovery in {0, 1}, AccessCode a non-empty bit-OR of 1|2|4|8|16|32,
  BootSrvInfo/<x>/URL and InitialARInfo/<x>/SubtreeURI present (section 6.3);
- header: VerDTD 1.2, VerProto DM/1.2, SessionID, MsgID; Final present (SyncML RepPro 1.2);
- WBXML version 1.1/1.2/1.3 (5.5.4) and the encoded size fits the target EF (D.4.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..wbxml import codec
from .syncml import SECRET_NAMES, Message
from .tnds import MgmtTree, TndsNode

W7 = "org.openmobilealliance/1.0/w7"
BOOTCFG = "urn:oma:mo:oma-dm-bootstrapcfg:1.0"
ADDR_TYPES = {"URI", "IPv4", "IPv6", "E164", "ALPHA", "APN"}
AUTH_LEVELS = {"CLCRED", "SRVCRED", "OBEX"}
AUTH_TYPES = {"HTTP-BASIC", "HTTP-DIGEST", "BASIC", "DIGEST", "HMAC", "X509", "SECURID", "SAFEWORD", "DIGIPASS",
              "TRANSPORT"}


@dataclass(frozen=True)
class Finding:
    rule: str
    section: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message} ({self.section})"


def message_objects(msg: Message) -> list[tuple[str, TndsNode, MgmtTree | None]]:
    """(device location, object root, the TNDS tree it came in or None) for every management object."""
    out: list[tuple[str, TndsNode, MgmtTree | None]] = []
    plain: dict[str, TndsNode] = {}
    for _cmd, item, tree in msg.trees():
        base = (item.target or "./Inbox").rstrip("/")
        out.extend((f"{base}/{n.name}", n, tree) for n in tree.nodes)
    for cmd, item in msg.items():
        if isinstance(item.data, MgmtTree) or not item.target or "?" in item.target or cmd.kind not in ("Add", "Replace"):
            continue
        parts = item.target.strip("/").split("/")
        if len(parts) < 3 or parts[0] != ".":
            continue
        key = "/".join(parts[:3])
        root = plain.get(key)
        if root is None:
            root = plain[key] = TndsNode(parts[2], format="node")
            if parts[1] == "DMAcc":
                root.ddf_name = W7
        node = root
        for name in parts[3:]:
            child = node.child(name)
            if child is None:
                child = TndsNode(name)
                node.children.append(child)
            node = child
        if item.format == "node":
            node.format = "node"
        elif len(parts) > 3:
            node.format = item.format or "chr"
            node.value = item.data if isinstance(item.data, str) else (None if item.data is None else "<binary>")
    for key, root in plain.items():
        if root.child("BootSrvDiscovery") is not None:
            root.ddf_name = root.ddf_name or BOOTCFG
        out.append((key, root, None))
    return out


def _leaf(node: TndsNode, name: str) -> str | None:
    c = node.child(name)
    return None if c is None else (c.value if c.value is not None else "")


def _check_dmacc(loc: str, acc: TndsNode, add) -> list[str]:
    if _leaf(acc, "AppID") != "w7":
        add("DMACC-APPID", "OMA DM StdObj 1.2 DMAcc", f"{loc}/AppID must be 'w7' (is {_leaf(acc, 'AppID')!r})")
    if not _leaf(acc, "ServerID"):
        add("DMACC-SERVERID", "OMA DM StdObj 1.2 DMAcc", f"{loc}/ServerID is missing or empty")
    addrs = []
    appaddr = acc.child("AppAddr")
    if appaddr is None or not appaddr.children:
        add("DMACC-APPADDR", "OMA DM StdObj 1.2 DMAcc", f"{loc}/AppAddr/<x> is missing (One required)")
    else:
        for x in appaddr.children:
            where = f"{loc}/AppAddr/{x.name}"
            addr = _leaf(x, "Addr")
            if not addr:
                add("DMACC-ADDR", "OMA DM StdObj 1.2 DMAcc", f"{where}/Addr is missing or empty")
            else:
                addrs.append(addr)
            at = _leaf(x, "AddrType")
            if at is None:
                add("DMACC-ADDRTYPE", "OMA DM StdObj 1.2 DMAcc", f"{where}/AddrType is missing")
            elif at not in ADDR_TYPES:
                add("DMACC-ADDRTYPE", "OMA DM StdObj 1.2 DMAcc", f"{where}/AddrType {at!r} is not one of "
                    f"{', '.join(sorted(ADDR_TYPES))}")
            port = x.child("Port")
            for p in port.children if port is not None else []:
                nbr = _leaf(p, "PortNbr")
                if nbr is None or not nbr.isdigit() or not 0 < int(nbr) < 65536:
                    add("DMACC-PORT", "OMA DM StdObj 1.2 DMAcc", f"{where}/Port/{p.name}/PortNbr {nbr!r} is not a port")
    auth = acc.child("AppAuth")
    for a in auth.children if auth is not None else []:
        where = f"{loc}/AppAuth/{a.name}"
        level, typ = _leaf(a, "AAuthLevel"), _leaf(a, "AAuthType")
        if level not in AUTH_LEVELS:
            add("DMACC-AAUTHLEVEL", "OMA DM StdObj 1.2 DMAcc", f"{where}/AAuthLevel {level!r} is not one of "
                f"{', '.join(sorted(AUTH_LEVELS))}")
        if typ not in AUTH_TYPES:
            add("DMACC-AAUTHTYPE", "OMA DM StdObj 1.2 DMAcc", f"{where}/AAuthType {typ!r} is not one of "
                f"{', '.join(sorted(AUTH_TYPES))}")
    return addrs


def _check_bootcfg(loc: str, cfg: TndsNode, add) -> None:
    disc = _leaf(cfg, "BootSrvDiscovery")
    if disc not in ("0", "1"):
        add("BOOTCFG-DISCOVERY", "6.3", f"{loc}/BootSrvDiscovery must be 0 or 1 (is {disc!r})")
    info = cfg.child("BootSrvInfo")
    for x in info.children if info is not None else []:
        if not _leaf(x, "URL"):
            add("BOOTCFG-URL", "6.3", f"{loc}/BootSrvInfo/{x.name}/URL is missing")
    ar = cfg.child("InitialARInfo")
    for x in ar.children if ar is not None else []:
        if not _leaf(x, "SubtreeURI"):
            add("BOOTCFG-SUBTREE", "6.3", f"{loc}/InitialARInfo/{x.name}/SubtreeURI is missing")
        code = _leaf(x, "AccessCode")
        if code is None or not code.isdigit() or not 0 < int(code) <= 63:
            add("BOOTCFG-ACCESSCODE", "6.3", f"{loc}/InitialARInfo/{x.name}/AccessCode {code!r} is not a bit-OR of "
                "1|2|4|8|16|32")


def _check_inbox(tree: MgmtTree, add) -> None:
    paths = {p for p, _ in tree.walk()}
    for p, node in tree.walk():
        v = node.value
        if v and v.startswith("./Inbox"):
            target = v[len("./Inbox/"):] if v.startswith("./Inbox/") else ""
            if target not in paths:
                shown = "****" if node.name in SECRET_NAMES else repr(v)
                add("INBOX-REF", "5.5.5", f"{p} = {shown} names no node of the same TNDS object")


_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _check_placeholders(msg: Message, add) -> None:
    """A value that still reads like a template placeholder ('{server_name}') was never filled: the
    message was written by hand from a template, or a variable held the placeholder itself."""
    h = msg.header
    for where, value in (("SyncHdr/Target", h.target), ("SyncHdr/Source", h.source)):
        if value and _PLACEHOLDER.search(value):
            add("PLACEHOLDER", "template", f"{where} {value!r} holds an unfilled placeholder")
    for _c, _i, tree in msg.trees():
        for p, node in tree.walk():
            for text in (node.name, node.value):
                if text and _PLACEHOLDER.search(text):
                    shown = "****" if node.name in SECRET_NAMES or node.secret else repr(text[:60])
                    add("PLACEHOLDER", "template", f"{p} = {shown} holds an unfilled placeholder")
                    break


MAX_TREE_DEPTH = 24  # TNDS nodes inside each other: DMAcc needs 5; the WBXML decoder nests 64 elements deep


def _check_tree_shape(tree: MgmtTree, add) -> None:
    """Every node name is one URI segment (OMA DM TND 1.2 6.1: no '/', not '.' or '..', not empty, no
    control characters), the tree is not deeper than MAX_TREE_DEPTH, and b64 leaves hold base64."""
    import binascii

    for p, node in tree.walk():
        name = node.name
        if not name or "/" in name or name in (".", "..") or any(ord(c) < 0x20 for c in name):
            add("TNDS-NODENAME", "TND 1.2", f"node name {name!r} (at {p!r}) is not a single URI segment")
        depth = p.count("/") + 1
        if depth > MAX_TREE_DEPTH:
            add("TNDS-DEPTH", "TND 1.2", f"{p.rsplit('/', 1)[0]}: nodes nested deeper than {MAX_TREE_DEPTH}")
            return
        if node.format == "b64" and node.value is not None:
            try:
                binascii.a2b_base64(node.value.encode("ascii"), strict_mode=True)
            except (binascii.Error, UnicodeEncodeError, ValueError):
                shown = "****" if node.name in SECRET_NAMES or node.secret else repr(node.value[:40])
                add("TNDS-B64", "TND 1.2", f"{p} is marked b64 but {shown} is not base64")


def validate_message(msg: Message, *, encoded: bytes | None = None, max_size: int | None = None) -> list[Finding]:
    findings: list[Finding] = []

    def add(rule, section, message):
        findings.append(Finding(rule, section, message))

    h = msg.header
    if h.ver_dtd != "1.2":
        add("HDR-VERDTD", "SyncML RepPro 1.2", f"SyncHdr/VerDTD is {h.ver_dtd!r}, expected '1.2'")
    if h.ver_proto != "DM/1.2":
        add("HDR-VERPROTO", "DM RepPro 1.2", f"SyncHdr/VerProto is {h.ver_proto!r}, expected 'DM/1.2'")
    if not h.session_id or not h.msg_id:
        add("HDR-IDS", "SyncML RepPro 1.2", "SyncHdr needs SessionID and MsgID")
    if not msg.final:
        add("BODY-FINAL", "SyncML RepPro 1.2", "SyncBody has no Final: the bootstrap is a one-message package")

    objects = message_objects(msg)
    accounts = [(loc, n) for loc, n, _ in objects if n.ddf_name == W7]
    if not accounts:
        add("DMACC-PRESENT", "5.5.4", "no DMAcc object (DDFName org.openmobilealliance/1.0/w7 or ./DMAcc/<x>)")
    addrs: list[str] = []
    for loc, acc in accounts:
        addrs += _check_dmacc(loc, acc, add)
    if accounts and h.source not in addrs:
        add("SOURCE-ADDR", "5.5.4", f"SyncHdr/Source/LocURI {h.source!r} equals no AppAddr/<x>/Addr "
            f"({', '.join(repr(a) for a in addrs) or 'none'})")
    for loc, node, _ in objects:
        if node.ddf_name == BOOTCFG:
            _check_bootcfg(loc, node, add)
    for _c, _i, tree in msg.trees():
        _check_tree_shape(tree, add)
        _check_inbox(tree, add)
    _check_placeholders(msg, add)
    if encoded is not None:
        if not encoded or encoded[0] not in (0x01, 0x02, 0x03):
            add("WBXML-VERSION", "5.5.4", "the message is not WBXML 1.1, 1.2 or 1.3")
        if max_size is not None and len(encoded) > max_size:
            add("SIZE", "D.4.3", f"encoded message of {len(encoded)} bytes does not fit the {max_size}-byte EF")
        elif len(encoded) > codec.MAX_SIZE:
            add("SIZE", "D.4.3", f"encoded message of {len(encoded)} bytes is more than the {codec.MAX_SIZE} bytes "
                "cardboot decodes (and far more than any EF DM_Bootstrap)")
    return findings
