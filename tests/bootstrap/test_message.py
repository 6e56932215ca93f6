"""Bootstrap message: template → three carriers → WBXML → back, validation rules, secrets, diff."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardboot.bootstrap.builder import CARRIERS, build_message, encode_message
from cardboot.bootstrap.io import load_message_bytes
from cardboot.bootstrap.syncml import TNDS_WBXML, TNDS_XML, message_to_element
from cardboot.bootstrap.template import fill_template, load_bootstrap, load_toml, resolve_template
from cardboot.bootstrap.tnds import MgmtTree
from cardboot.bootstrap.validate import validate_message
from cardboot.bootstrap.view import diff, flatten, mask_secrets
from cardboot.errors import MessageError, WbxmlError, XmlError
from cardboot.wbxml import decode
from cardboot.wbxml.xml import to_xml_bytes

VARS = load_toml("profiles/vars/example.toml", "vars")


@pytest.fixture(scope="module")
def boot():
    return load_bootstrap("dm-bootstrap", dict(VARS))


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize("version", [1, 2, 3])
def test_carriers_build_validate_and_round_trip(boot, carrier, version):
    msg = build_message(boot, carrier)
    data = encode_message(msg, wbxml_version=version)
    assert data[0] == version
    assert validate_message(msg, encoded=data, max_size=8192) == []  # tnds-xml is ~5 KB, the others ~2-3 KB
    back = load_message_bytes(data + b"\xff" * 100)  # as read from EF DM_Bootstrap, padded
    assert back.wbxml == data and back.version == version
    assert flatten(back.message) == flatten(msg)
    assert validate_message(back.message, encoded=back.wbxml) == []


def test_carrier_shapes(boot):
    plain, txml, twb = (build_message(boot, c) for c in CARRIERS)
    assert all(i.target.startswith(("./DMAcc/", "./ConnMO/", "./DMSettings/")) for _c, i in plain.items()
               if "?prop" not in i.target)
    acl = [i for c, i in plain.items() if c.kind == "Replace"]
    assert acl and acl[0].target.endswith("?prop=ACL")
    [(_, item)] = list(txml.items())
    assert item.target == "./Inbox" and item.type == TNDS_XML and isinstance(item.data, MgmtTree)
    [(_, item)] = list(twb.items())
    assert item.type == TNDS_WBXML
    data = message_to_element(twb).first("SyncBody").first("Add").first("Item").first("Data").children[0]
    assert isinstance(data, bytes) and decode(data).root.tag == "MgmtTree"
    # 5.5.5: the DMAcc's connectivity reference points into the same TNDS
    tree = item.data
    assert tree.find("com.example.dm/PrefConRef").value == "./Inbox/Internet" and tree.find("Internet")
    # plain carrier: the reference is rebased on the ConnMO's device path
    pref = [i for _c, i in plain.items() if i.target.endswith("/PrefConRef")][0]
    assert pref.data == "./ConnMO/Internet"


def test_acl_is_a_tnds_property(boot):
    tree = build_message(boot, "tnds-xml").commands[0].items[0].data
    assert tree.nodes[0].acl == "Get=com.example.dm&Replace=com.example.dm&Delete=com.example.dm"


def _broken(boot, mutate, carrier="tnds-xml"):
    b = copy.deepcopy(boot)
    mutate(b)
    msg = build_message(b, carrier)
    return {f.rule for f in validate_message(msg)}, validate_message(msg)


def _node(b, path):
    obj, *rest = path.split("/")
    node = next(o.root for o in b.objects if o.root.name == obj)
    for name in rest:
        node = node.child(name)
    return node


@pytest.mark.parametrize("mutate, rule, section", [
    (lambda b: setattr(b.message, "source", "https://other.example/dm"), "SOURCE-ADDR", "5.5.4"),
    (lambda b: setattr(_node(b, "com.example.dm/AppID"), "value", "w4"), "DMACC-APPID", "DMAcc"),
    (lambda b: _node(b, "com.example.dm").children.remove(_node(b, "com.example.dm/ServerID")), "DMACC-SERVERID", "DMAcc"),
    (lambda b: setattr(_node(b, "com.example.dm/AppAddr/srv/AddrType"), "value", "SMTP"), "DMACC-ADDRTYPE", "DMAcc"),
    (lambda b: setattr(_node(b, "com.example.dm/AppAddr/srv/Port/p1/PortNbr"), "value", "http"), "DMACC-PORT", "DMAcc"),
    (lambda b: setattr(_node(b, "com.example.dm/AppAuth/srv/AAuthLevel"), "value", "ANY"), "DMACC-AAUTHLEVEL", "DMAcc"),
    (lambda b: setattr(_node(b, "com.example.dm/PrefConRef"), "value", "./Inbox/Nowhere"), "INBOX-REF", "5.5.5"),
    (lambda b: setattr(_node(b, "BootCfg/InitialARInfo/a1/AccessCode"), "value", "64"), "BOOTCFG-ACCESSCODE", "6.3"),
    (lambda b: setattr(_node(b, "BootCfg/BootSrvDiscovery"), "value", "2"), "BOOTCFG-DISCOVERY", "6.3"),
    (lambda b: setattr(b.objects[0].root, "ddf_name", "x"), "DMACC-PRESENT", "5.5.4"),
])
def test_each_rule_names_its_section(boot, mutate, rule, section):
    rules, findings = _broken(boot, mutate)
    assert rule in rules, findings
    assert any(f.rule == rule and section in f.section for f in findings)


def test_plain_carrier_rules_too(boot):
    rules, _ = _broken(boot, lambda b: setattr(_node(b, "com.example.dm/AppID"), "value", "w4"), "plain")
    assert "DMACC-APPID" in rules
    rules, _ = _broken(boot, lambda b: setattr(_node(b, "BootCfg/BootSrvDiscovery"), "value", "7"), "plain")
    assert "BOOTCFG-DISCOVERY" in rules


def test_size_and_version_rules(boot):
    msg = build_message(boot, "tnds-wbxml")
    data = encode_message(msg)
    assert {f.rule for f in validate_message(msg, encoded=data, max_size=100)} == {"SIZE"}
    assert "WBXML-VERSION" in {f.rule for f in validate_message(msg, encoded=b"\x00" + data[1:])}


def test_template_errors_name_the_variable():
    tpl = load_toml(resolve_template("dm-bootstrap"), "t")
    partial = {k: v for k, v in VARS.items() if k != "apn"}
    with pytest.raises(MessageError, match="variable 'apn' is not set"):
        fill_template(tpl, partial, "dm-bootstrap.toml")
    with pytest.raises(MessageError, match="plain variable name"):
        fill_template({"message": {"target": "{a.b}", "source": "x"}, "object": [{"name": "n", "nodes": {}}]}, {}, "t")


def test_secrets_are_masked_for_display(boot):
    for carrier in CARRIERS:
        data = encode_message(build_message(boot, carrier))
        from cardboot.bootstrap.syncml import expand_embedded_tnds

        shown = to_xml_bytes(mask_secrets(expand_embedded_tnds(decode(data).root, xml_text=True)))
        assert b"srv-s3cret" not in shown and b"cli-s3cret" not in shown and b"****" in shown
        assert b"srv-s3cret" in to_xml_bytes(expand_embedded_tnds(decode(data).root, xml_text=True))


def test_semantic_diff_across_carriers(boot):
    plain, twb = build_message(boot, "plain"), build_message(boot, "tnds-wbxml")
    lines = diff(twb, plain)
    assert "~ com.example.dm/PrefConRef: chr:./Inbox/Internet -> chr:./ConnMO/Internet" in lines
    assert diff(twb, build_message(boot, "tnds-xml")) == []
    assert not any("s3cret" in line for line in diff(twb, build_message(boot, "tnds-xml")))


def test_message_level_errors_are_typed():
    with pytest.raises(MessageError, match="all bytes FF"):
        load_message_bytes(b"\xff" * 64)
    with pytest.raises(MessageError, match="neither WBXML"):
        load_message_bytes(b"\x00\x01")
    with pytest.raises(WbxmlError):
        load_message_bytes(bytes.fromhex("02 A401 6A 00 6D 6C"))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_messages_only_raise_typed_errors(boot, data):
    msg = encode_message(build_message(boot, data.draw(st.sampled_from(CARRIERS))))
    buf = bytearray(msg)
    for _ in range(data.draw(st.integers(1, 4))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    try:
        loaded = load_message_bytes(bytes(buf))
        validate_message(loaded.message)
    except (WbxmlError, MessageError, XmlError):
        pass



def test_embed_is_the_inverse_of_expand(boot):
    from cardboot.bootstrap.syncml import embed_tnds, expand_embedded_tnds
    from cardboot.wbxml import encode
    from cardboot.wbxml.xml import canonical

    data = encode_message(build_message(boot, "tnds-wbxml"))
    expanded = expand_embedded_tnds(decode(data).root)
    again = encode(embed_tnds(expanded.copy()))
    assert again == data and canonical(decode(again).root) == canonical(decode(data).root)
