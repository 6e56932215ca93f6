"""A bootstrap processed as a DM client does (5.5.5): the spec's example (PrefConRef ./Inbox/Internet),
a ConnMO renamed because the tree has one of that name with its references rewritten, two versions of one
MO, an EXT item, an unsupported MO, a message with only a DMAcc, the plain carrier giving the same tree,
ACLs from the TNDS (5.5.3), and Add/Replace on existing and missing nodes."""

from __future__ import annotations

import json

from cardboot.bootstrap.builder import build_message
from cardboot.bootstrap.syncml import Command, Item, Message, SyncHdr
from cardboot.bootstrap.template import load_bootstrap
from cardboot.bootstrap.tnds import MgmtTree, TndsNode
from cardboot.device.apply import apply_message
from cardboot.device.tree import from_json, new_tree, to_json
from tests.helpers import cli

TNDS = "application/vnd.syncml.dmtnds+xml"


def leaf(name, value):
    return TndsNode(name, format="chr", value=value)


def node(name, *children, ddf=None, acl=None):
    return TndsNode(name, format="node", ddf_name=ddf, acl=acl, children=list(children))


def message(*objects) -> Message:
    item = Item(target="./Inbox", format="xml", type=TNDS, data=MgmtTree(list(objects)))
    return Message(SyncHdr("IMEI:1", "https://dm.example.com/"), [Command("Add", "1", [item])])


def operator_x(conn="./Inbox/Internet", ddf="org.openmobilealliance/1.0/w7", *extra):
    return node("OperatorX", leaf("AppID", "w7"), leaf("ServerID", "opx"), leaf("PrefConRef", conn),
                node("AppAddr", node("1", leaf("Addr", "https://dm.opx.example/"), leaf("AddrType", "URI"))),
                *extra, ddf=ddf, acl="Get=opx&Replace=opx")


INTERNET = node("Internet", leaf("ID", "Internet"), node("NAP", leaf("Addr", "internet.opx")),
                ddf="org.openmobilealliance/1.0/ConnMO")


def test_the_5_5_5_example():
    out = apply_message(message(operator_x(), INTERNET), new_tree())
    t = out.tree
    assert t.get("./DMAcc/OperatorX/PrefConRef").value == "./ConnMO/Internet"
    assert t.get("./ConnMO/Internet/NAP/Addr").value == "internet.opx"
    assert t.get("./DMAcc/OperatorX").acl == "Get=opx&Replace=opx"  # 5.5.3: from the TNDS
    assert t.effective_acl("./DMAcc/OperatorX/ServerID") == "Get=opx&Replace=opx"
    assert out.servers == [{"account": "./DMAcc/OperatorX", "server_id": "opx",
                            "addresses": ["https://dm.opx.example/"], "connection": "./ConnMO/Internet"}]


def test_renamed_connmo_and_rewritten_references():
    before = new_tree()
    apply_message(message(INTERNET), before)  # the device has an Internet ConnMO already
    out = apply_message(message(operator_x(), INTERNET), before)
    assert "./ConnMO/Internet_2" in out.added and any("renamed" in n for n in out.notes)
    assert out.tree.get("./DMAcc/OperatorX/PrefConRef").value == "./ConnMO/Internet_2"
    assert out.tree.get("./ConnMO/Internet/ID").value == "Internet"  # the old one untouched


def test_two_versions_ext_and_unsupported_mo():
    newer = operator_x("./Inbox/Internet", "org.openmobilealliance/9.9/w7")
    ext = operator_x("./Inbox/Internet", "org.openmobilealliance/1.0/w7", node("Ext", leaf("Vendor", "x")))
    unknown = node("Gadget", leaf("Mode", "1"), ddf="urn:oma:mo:ext-gadget:1.0")
    out = apply_message(message(newer, ext, INTERNET, unknown), new_tree())
    assert out.tree.get("./DMAcc/OperatorX/Ext") is None and out.tree.get("./DMAcc/OperatorX/ServerID").value == "opx"
    notes = "\n".join(out.notes)
    assert "version 9.9, which this client does not support" in notes
    assert "./DMAcc/OperatorX/Ext: EXT item ignored" in notes and "Gadget" in notes and "does not support" in notes


def test_only_a_dmacc_and_the_plain_carrier_agree():
    boot = load_bootstrap("dmacc-only", "profiles/vars/example.toml")
    tnds = apply_message(build_message(boot, "tnds-wbxml"), new_tree())
    plain = apply_message(build_message(boot, "plain"), new_tree())
    assert list(tnds.tree.children) == ["DMAcc"] and tnds.servers[0]["server_id"] == "com.example.dm"
    values = lambda t: {p: n.value for p, n in t.walk() if not n.interior}  # noqa: E731
    assert values(tnds.tree) == values(plain.tree)


def test_plain_add_and_replace_semantics():
    tree = new_tree()
    msg = Message(SyncHdr("IMEI:1", "s"), [
        Command("Add", "1", [Item(target="./DMAcc", format="node"), Item(target="./DMAcc/a", format="node"),
                             Item(target="./DMAcc/a/ServerID", format="chr", data="one")]),
        Command("Add", "2", [Item(target="./DMAcc/a/ServerID", format="chr", data="two"),
                             Item(target="./Nope/x/y", format="chr", data="z")]),
        Command("Replace", "3", [Item(target="./DMAcc/a/ServerID", format="chr", data="three"),
                                 Item(target="./DMAcc/a/Missing", format="chr", data="m")]),
        Command("Exec", "4", [Item(target="./DMAcc/a")])])
    out = apply_message(msg, tree)
    assert out.tree.get("./DMAcc/a/ServerID").value == "three"
    notes = "\n".join(out.notes)
    assert "exists (418)" in notes and "parent node does not exist (404)" in notes and "no such node (404)" in notes
    assert "Exec (CmdID 4): not processed" in notes


def test_tree_json_round_trip_and_cli(tmp_path):
    out = apply_message(message(operator_x(), INTERNET), new_tree())
    assert to_json(from_json(to_json(out.tree))) == to_json(out.tree)
    m = tmp_path / "m.wbxml"
    assert cli("message", "build", "--vars", "profiles/vars/example.toml", "--out", str(m)).returncode == 0
    t = tmp_path / "tree.json"
    r = cli("message", "apply", str(m), "--out", str(t), "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 0 and data["servers"][0]["connection"] == "./ConnMO/Internet"
    assert "srv-s3cret" not in r.stdout and "srv-s3cret" in t.read_text() and (t.stat().st_mode & 0o777) == 0o600
    r = cli("message", "apply", str(m), "--tree", str(t))  # again on the tree it made: ConnMO renamed
    assert r.returncode == 0 and "Internet_2" in r.stdout and "next: ./DMAcc/com.example.dm" in r.stdout
