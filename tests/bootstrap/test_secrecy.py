"""One home for secrecy (issue 15): a leaf the template marks ``secret = true`` is masked by summary(),
diff() and mask_secrets() like AAuthSecret, when the face knows the template."""

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.io import load_message_bytes
from cardboot.bootstrap.template import fill_template, load_toml, resolve_template, secret_leaves
from cardboot.bootstrap.view import diff, mask_secrets, summary
from cardboot.wbxml.xml import to_xml_bytes

VARS = load_toml("profiles/vars/example.toml", "vars")


def template_with_secret_nonce():
    tpl = load_toml(resolve_template("dm-bootstrap"), "template")
    tpl["object"][0]["nodes"]["AppAuth"]["srv"]["AAuthData"]["secret"] = True
    return tpl


def test_flagged_leaves_are_masked_everywhere():
    tpl = template_with_secret_nonce()
    assert secret_leaves(tpl) >= {"AAuthSecret", "AAuthData"}
    msg = build_message(fill_template(tpl, VARS), "tnds-wbxml")
    rows = dict(summary(msg))
    assert rows["  AppAuth/srv/AAuthData"] == "****" and rows["  AppAuth/srv/AAuthSecret"] == "****"
    # decoded from bytes no flag survives: the template's names do the masking
    decoded = load_message_bytes(encode_message(msg)).message
    assert dict(summary(decoded))["  AppAuth/srv/AAuthData"] != "****"
    assert dict(summary(decoded, secret_names=secret_leaves(tpl)))["  AppAuth/srv/AAuthData"] == "****"
    other = build_message(fill_template(tpl, {**VARS, "server_nonce": "T1RIRVI="}), "tnds-wbxml")
    changes = diff(decoded, other, secret_leaves(tpl))
    assert changes and all("T1RIRVI=" not in c and VARS["server_nonce"] not in c for c in changes)
    loaded = load_message_bytes(encode_message(msg))
    from cardboot.bootstrap.syncml import expand_embedded_tnds

    xml = to_xml_bytes(mask_secrets(expand_embedded_tnds(loaded.root, xml_text=True), secret_leaves(tpl)))
    assert VARS["server_nonce"].encode() not in xml and VARS["server_secret"].encode() not in xml
