"""The OMA Client Provisioning profile (OMA DM Bootstrap 5.4): a CP document's w7 APPLICATION becomes the
DMAcc (OMA DM StdObj Appendix C; Bootstrap Appendix C), its NAPDEF and PROXY (PXLOGICAL) characteristics
ConnMO objects, and the way back for operators whose devices only take CP.

- 5.4.2: dynamic node names are numbers from 1, per parent (AppAddr/1, AppAuth/2, ...); the objects
  themselves get 1, 2, ... in document order so that no two meet in ./Inbox.
- 5.4.4: every mapped object grants Get, Replace and Delete to the w7's ServerID (its ACL, which the
  nodes below inherit). A document without a w7 APPLICATION is refused: nothing may be given rights it
  names no authority for (5.4.4, last paragraph). Two w7 are refused as ambiguous.
- TO-NAPID / TO-PROXY become PrefConRef (the first) and ToConRef/<n>/ConRef (the others), pointing at
  ./Inbox/<object> as 5.5.5 does for a bootstrap's own connectivity objects.

Parameters without a place in the DM objects (INIT, AACCEPT, APROTOCOL, ...) are listed as notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..bootstrap.template import Bootstrap, MessageSpec, ObjectSpec
from ..bootstrap.tnds import TndsNode
from ..errors import MessageError
from .document import Characteristic, CpDocument

DMACC_DDF = "org.openmobilealliance/1.0/w7"
CONNMO_DDF = "org.openmobilealliance/1.0/ConnMO"
# CP AAUTHLEVEL -> DMAcc AAuthLevel (w7: APPSRV = the client's credentials towards the server, CLIENT = the
# server's towards the client, OBEX = OBEX)
AUTH_LEVEL = {"APPSRV": "CLCRED", "CLIENT": "SRVCRED", "OBEX": "OBEX"}
AUTH_LEVEL_BACK = {v: k for k, v in AUTH_LEVEL.items()}


class CpProfileError(MessageError):
    """A CP document the profile cannot map (no w7, two w7, a reference to nothing)."""


@dataclass
class Converted:
    bootstrap: Bootstrap
    notes: list[str] = field(default_factory=list)


def _leaf(name: str, value: str | None, *, secret: bool = False, fmt: str = "chr") -> TndsNode:
    return TndsNode(name, format=fmt, value=value or "", secret=secret)


def _interior(name: str, children: list[TndsNode]) -> TndsNode:
    return TndsNode(name, format="node", children=children)


def _notes_for(c: Characteristic, known: set[str], where: str, notes: list[str]) -> None:
    for name, _value in c.parms:
        if name not in known:
            notes.append(f"{where}: {name} has no place in the DM objects; not mapped")


def cp_to_bootstrap(doc: CpDocument, *, target: str = "IMEI:000000000000000") -> Converted:
    w7 = [a for a in doc.of_type("APPLICATION") if a.parm("APPID") == "w7"]
    if not w7:
        raise CpProfileError("the CP document has no w7 APPLICATION characteristic: without it no DM server may "
                             "be granted rights to what it provisions (OMA DM Bootstrap 5.4.4)")
    if len(w7) > 1:
        raise CpProfileError(f"the CP document has {len(w7)} w7 APPLICATION characteristics: which DM account the "
                             "device gets would be a guess")
    app = w7[0]
    server_id = app.parm("PROVIDER-ID")
    if not server_id:
        raise CpProfileError("the w7 APPLICATION has no PROVIDER-ID: the DMAcc needs its ServerID")
    acl = f"Get={server_id}&Replace={server_id}&Delete={server_id}"
    notes: list[str] = []
    objects: list[ObjectSpec] = []
    names: dict[str, str] = {}  # NAPID / PROXY-ID -> object name in ./Inbox
    number = iter(range(2, 10_000))

    def head(c: Characteristic, id_parm: str) -> tuple[str, str | None, list[TndsNode]]:
        """The object's dynamic name (5.4.2), its CP identifier, and its ID / Name leaves."""
        ident, name = c.parm(id_parm), str(next(number))
        if ident:
            names[ident] = name
        leaves = [_leaf("ID", ident or name)] + ([_leaf("Name", c.parm("NAME"))] if c.parm("NAME") else [])
        return name, ident, leaves

    for nap in doc.of_type("NAPDEF"):
        name, napid, children = head(nap, "NAPID")
        napnodes = [_leaf("BearerType", nap.parm("BEARER"))] if nap.parm("BEARER") else []
        if nap.parm("NAP-ADDRTYPE"):
            napnodes.append(_leaf("AddrType", nap.parm("NAP-ADDRTYPE")))
        if nap.parm("NAP-ADDRESS"):
            napnodes.append(_leaf("Addr", nap.parm("NAP-ADDRESS")))
        for i, auth in enumerate(nap.sub("NAPAUTHINFO"), 1):
            fields = [_leaf(n, auth.parm(p), secret=p == "AUTHSECRET")
                      for p, n in (("AUTHTYPE", "AuthType"), ("AUTHNAME", "AuthName"), ("AUTHSECRET", "AuthSecret"))
                      if auth.parm(p) is not None]
            napnodes.append(_interior("AuthInfo" if i == 1 else f"AuthInfo{i}", fields))
            _notes_for(auth, {"AUTHTYPE", "AUTHNAME", "AUTHSECRET"}, f"NAPDEF {napid} NAPAUTHINFO", notes)
        children.append(_interior("NAP", napnodes))
        _notes_for(nap, {"NAPID", "NAME", "BEARER", "NAP-ADDRTYPE", "NAP-ADDRESS"}, f"NAPDEF {napid}", notes)
        root = _interior(name, children)
        root.ddf_name, root.acl = CONNMO_DDF, acl
        objects.append(ObjectSpec(root, "./ConnMO"))

    for px in doc.of_type("PXLOGICAL"):
        name, pxid, children = head(px, "PROXY-ID")
        physical = px.sub("PXPHYSICAL")
        pxnodes: list[TndsNode] = []
        for phys in physical[:1]:
            if phys.parm("PXADDR"):
                pxnodes.append(_leaf("Addr", phys.parm("PXADDR")))
            if phys.parm("PXADDRTYPE"):
                pxnodes.append(_leaf("AddrType", phys.parm("PXADDRTYPE")))
            ports = [p.parm("PORTNBR") for p in phys.sub("PORT") if p.parm("PORTNBR")]
            if ports:
                pxnodes.append(_interior("Port", [_interior(str(i), [_leaf("PortNbr", v, fmt="int")])
                                                  for i, v in enumerate(ports, 1)]))
            refs = phys.all("TO-NAPID")
            if refs:
                pxnodes.append(_interior("ToConRef", [_interior(str(i), [_leaf("ConRef", _ref(r, names, "PXPHYSICAL"))])
                                                      for i, r in enumerate(refs, 1)]))
            _notes_for(phys, {"PXADDR", "PXADDRTYPE", "TO-NAPID", "PHYSICAL-PROXY-ID"}, f"PXPHYSICAL of {pxid}", notes)
        if len(physical) > 1:
            notes.append(f"PXLOGICAL {pxid}: {len(physical)} PXPHYSICAL; the first is mapped")
        children.append(_interior("PX", pxnodes))
        _notes_for(px, {"PROXY-ID", "NAME"}, f"PXLOGICAL {pxid}", notes)
        root = _interior(name, children)
        root.ddf_name, root.acl = CONNMO_DDF, acl
        objects.append(ObjectSpec(root, "./ConnMO"))

    acc = [_leaf("AppID", "w7"), _leaf("ServerID", server_id)]
    if app.parm("NAME"):
        acc.append(_leaf("Name", app.parm("NAME")))
    refs = app.all("TO-PROXY") + app.all("TO-NAPID")
    if refs:
        acc.append(_leaf("PrefConRef", _ref(refs[0], names, "w7")))
    if len(refs) > 1:
        acc.append(_interior("ToConRef", [_interior(str(i), [_leaf("ConRef", _ref(r, names, "w7"))])
                                          for i, r in enumerate(refs[1:], 1)]))
    addrs: list[TndsNode] = []
    if app.parm("ADDR"):
        addrs.append(_interior(str(len(addrs) + 1), [_leaf("Addr", app.parm("ADDR")), _leaf("AddrType", "URI")]))
    for appaddr in app.sub("APPADDR"):
        fields = [_leaf("Addr", appaddr.parm("ADDR"))]
        fields.append(_leaf("AddrType", appaddr.parm("ADDRTYPE") or "URI"))
        ports = [p.parm("PORTNBR") for p in appaddr.sub("PORT") if p.parm("PORTNBR")]
        if ports:
            fields.append(_interior("Port", [_interior(str(i), [_leaf("PortNbr", v, fmt="int")])
                                             for i, v in enumerate(ports, 1)]))
        addrs.append(_interior(str(len(addrs) + 1), fields))
        _notes_for(appaddr, {"ADDR", "ADDRTYPE"}, "w7 APPADDR", notes)
    if not addrs:
        raise CpProfileError("the w7 APPLICATION has no ADDR or APPADDR: the DMAcc needs the server's address")
    acc.append(_interior("AppAddr", addrs))
    auths = []
    for i, auth in enumerate(app.sub("APPAUTH"), 1):
        level = auth.parm("AAUTHLEVEL")
        fields = []
        if level is not None:
            fields.append(_leaf("AAuthLevel", AUTH_LEVEL.get(level, level)))
            if level not in AUTH_LEVEL:
                notes.append(f"w7 APPAUTH {i}: AAUTHLEVEL {level!r} is kept as it is")
        for p, n in (("AAUTHTYPE", "AAuthType"), ("AAUTHNAME", "AAuthName")):
            if auth.parm(p) is not None:
                fields.append(_leaf(n, auth.parm(p)))
        if auth.parm("AAUTHSECRET") is not None:
            fields.append(_leaf("AAuthSecret", auth.parm("AAUTHSECRET"), secret=True))
        if auth.parm("AAUTHDATA") is not None:
            fields.append(_leaf("AAuthData", auth.parm("AAUTHDATA"), fmt="b64"))
        auths.append(_interior(str(i), fields))
        _notes_for(auth, {"AAUTHLEVEL", "AAUTHTYPE", "AAUTHNAME", "AAUTHSECRET", "AAUTHDATA"}, f"w7 APPAUTH {i}", notes)
    if auths:
        acc.append(_interior("AppAuth", auths))
    _notes_for(app, {"APPID", "PROVIDER-ID", "NAME", "TO-PROXY", "TO-NAPID", "ADDR"}, "w7", notes)
    root = _interior("1", acc)
    root.ddf_name, root.acl = DMACC_DDF, acl
    for other in doc.characteristics:
        if other.type not in ("NAPDEF", "PXLOGICAL", "APPLICATION"):
            notes.append(f"{other.type}: not mapped (5.4.7: other CP information MAY be mapped)")
    for other in doc.of_type("APPLICATION"):
        if other is not app:
            notes.append(f"APPLICATION {other.parm('APPID')}: not a DM account; not mapped")
    source = addrs[0].child("Addr").value if addrs[0].child("Addr") else ""
    boot = Bootstrap(MessageSpec(target, source or ""), [ObjectSpec(root, "./DMAcc"), *objects])
    return Converted(boot, notes)


def _ref(name: str, names: dict[str, str], where: str) -> str:
    if name not in names:
        raise CpProfileError(f"{where}: TO-NAPID / TO-PROXY {name!r} names no NAPDEF or PXLOGICAL of the document")
    return f"./Inbox/{names[name]}"


# --- the way back -----------------------------------------------------------------------------------------


def _value(node: TndsNode | None, name: str) -> str | None:
    c = node.child(name) if node is not None else None
    return c.value if c is not None else None


def bootstrap_to_cp(objects: list[tuple[str, TndsNode]]) -> CpDocument:
    """DMAcc objects (w7) and ConnMO objects of a bootstrap message -> a CP document (w7, NAPDEF,
    PXLOGICAL). ``objects``: (where the object is, its root node)."""
    doc = CpDocument("1.1")
    ids: dict[str, str] = {}  # "./Inbox/<name>" and "./ConnMO/<name>" -> NAPID / PROXY-ID
    accounts = []
    for where, node in objects:
        if _value(node, "AppID") == "w7":
            accounts.append(node)
            continue
        if node.child("NAP") is None and node.child("PX") is None:
            continue
        ident = _value(node, "ID") or node.name
        for base in ("./Inbox/", "./ConnMO/", where.rstrip("/") + "/"):
            ids[base + node.name] = ident
        if node.child("NAP") is not None:
            nap = node.child("NAP")
            c = Characteristic("NAPDEF", [("NAPID", ident)])
            for p, n in (("BEARER", "BearerType"), ("NAME", None), ("NAP-ADDRESS", "Addr"), ("NAP-ADDRTYPE", "AddrType")):
                v = _value(node, "Name") if n is None else _value(nap, n)
                if v is not None:
                    c.parms.append((p, v))
            auth = nap.child("AuthInfo")
            if auth is not None:
                c.children.append(Characteristic("NAPAUTHINFO", [(p, _value(auth, n)) for p, n in (
                    ("AUTHTYPE", "AuthType"), ("AUTHNAME", "AuthName"), ("AUTHSECRET", "AuthSecret"))
                    if _value(auth, n) is not None]))
            doc.characteristics.append(c)
        else:
            px = node.child("PX")
            c = Characteristic("PXLOGICAL", [("PROXY-ID", ident)])
            if _value(node, "Name") is not None:
                c.parms.append(("NAME", _value(node, "Name")))
            phys = Characteristic("PXPHYSICAL", [("PHYSICAL-PROXY-ID", ident)])
            for p, n in (("PXADDR", "Addr"), ("PXADDRTYPE", "AddrType")):
                if _value(px, n) is not None:
                    phys.parms.append((p, _value(px, n)))
            for ref in (px.child("ToConRef").children if px.child("ToConRef") else []):
                phys.parms.append(("TO-NAPID", _value(ref, "ConRef") or ""))
            for port in (px.child("Port").children if px.child("Port") else []):
                phys.children.append(Characteristic("PORT", [("PORTNBR", _value(port, "PortNbr") or "")]))
            c.children.append(phys)
            doc.characteristics.append(c)
    if not accounts:
        raise CpProfileError("the message holds no DMAcc (AppID w7) to turn into a w7 APPLICATION")
    if len(accounts) > 1:
        raise CpProfileError(f"the message holds {len(accounts)} DM accounts; a CP document carries one w7 here")
    for c in doc.characteristics:  # references between connectivity objects: by their CP identifiers
        for phys in c.sub("PXPHYSICAL"):
            phys.parms = [(p, ids.get(v, v) if p == "TO-NAPID" else v) for p, v in phys.parms]
    acc = accounts[0]
    app = Characteristic("APPLICATION", [("APPID", "w7")])
    for p, n in (("PROVIDER-ID", "ServerID"), ("NAME", "Name")):
        if _value(acc, n) is not None:
            app.parms.append((p, _value(acc, n)))
    refs = [_value(acc, "PrefConRef")] + [_value(r, "ConRef") for r in
                                          (acc.child("ToConRef").children if acc.child("ToConRef") else [])]
    for ref in refs:
        if ref:
            ident = ids.get(ref, ref)
            is_proxy = any(c.type == "PXLOGICAL" and c.parm("PROXY-ID") == ident for c in doc.characteristics)
            app.parms.append(("TO-PROXY" if is_proxy else "TO-NAPID", ident))
    for addr in (acc.child("AppAddr").children if acc.child("AppAddr") else []):
        a = Characteristic("APPADDR", [("ADDR", _value(addr, "Addr") or "")])
        if _value(addr, "AddrType") is not None:
            a.parms.append(("ADDRTYPE", _value(addr, "AddrType")))
        for port in (addr.child("Port").children if addr.child("Port") else []):
            a.children.append(Characteristic("PORT", [("PORTNBR", _value(port, "PortNbr") or "")]))
        app.children.append(a)
    for auth in (acc.child("AppAuth").children if acc.child("AppAuth") else []):
        a = Characteristic("APPAUTH")
        level = _value(auth, "AAuthLevel")
        if level is not None:
            a.parms.append(("AAUTHLEVEL", AUTH_LEVEL_BACK.get(level, level)))
        for p, n in (("AAUTHTYPE", "AAuthType"), ("AAUTHNAME", "AAuthName"), ("AAUTHSECRET", "AAuthSecret"),
                     ("AAUTHDATA", "AAuthData")):
            if _value(auth, n) is not None:
                a.parms.append((p, _value(auth, n)))
        app.children.append(a)
    doc.characteristics.append(app)
    return doc
