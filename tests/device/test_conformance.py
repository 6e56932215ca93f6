"""Appendix B items a message shows, from a file, a card and a server (the last in test_fetch.py's server):
a full bootstrap passes what it can, an XML message fails the WBXML items, the plain carrier makes the TNDS
items not applicable, a Bootstrap Config MO without its URL fails BOOTCFGMO-001-M, a CP-converted message
passes DM-BOOT-C-004-O only with the 5.4.4 ACL; device behaviour is never claimed."""

from __future__ import annotations

import json

from cardboot.bootstrap.builder import build_message
from cardboot.bootstrap.conformance import FAIL, NA, PASS, check_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.cp.document import from_xml
from cardboot.cp.mapping import cp_to_bootstrap
from cardboot.provision.prepare import from_bootstrap
from tests.helpers import cli

VARS = "profiles/vars/example.toml"


def status(items, name):
    return next(i.status for i in items if i.item == name)


def test_full_bootstrap_and_carriers():
    boot = load_bootstrap("dm-bootstrap", VARS)
    p = from_bootstrap(boot)
    items = check_message(p.message, p.wbxml, source="x")
    assert all(i.status in (PASS, NA) for i in items)
    assert status(items, "BOOTCFGMO-001-M") == PASS and status(items, "DM-BOOT-C-008-O") == NA
    xml = check_message(p.message, None, source="x.xml")
    assert status(xml, "DM-BOOT-S-003-M") == FAIL and status(xml, "DM-BOOT-C-016-M") == FAIL
    plain = from_bootstrap(boot, carrier="plain")
    items = check_message(plain.message, plain.wbxml, source="x")
    assert status(items, "DM-BOOT-C-011-M") == NA and status(items, "DM-BOOT-S-002-M") == PASS


def test_bootcfg_without_url_fails():
    boot = load_bootstrap("dm-bootstrap", VARS)
    cfg = boot.objects[-1].root
    cfg.children = [c for c in cfg.children if c.name != "BootSrvInfo"]
    msg = build_message(boot, "tnds-wbxml")
    items = check_message(msg, b"\x02", source="x")
    assert status(items, "BOOTCFGMO-001-M") == FAIL


def test_cp_acl_item():
    converted = cp_to_bootstrap(from_xml(open("tests/data/cp/w7-napdef-proxy.xml", "rb").read()))
    p = from_bootstrap(converted.bootstrap)
    assert status(check_message(p.message, p.wbxml, source="cp", from_cp=True), "DM-BOOT-C-004-O") == PASS
    converted.bootstrap.objects[0].root.acl = "Get=com.example.dm"
    p = from_bootstrap(converted.bootstrap)
    assert status(check_message(p.message, p.wbxml, source="cp", from_cp=True), "DM-BOOT-C-004-O") == FAIL


def test_cli_on_a_card(tmp_path):
    state = tmp_path / "c.json"
    assert cli("write", "--vsim", f"uicc:{state}", "--template", "dm-bootstrap", "--vars", VARS, "--adm-env", "A",
               env={"A": "88888888"}).returncode == 0
    r = cli("conformance", "--card", "--vsim", f"uicc:{state}", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["source"].startswith("vsim uicc")
    assert {i["item"]: i["status"] for i in out["items"]}["DM-BOOT-S-003-M"] == "pass"
    r = cli("conformance", "--card", "--vsim", "uicc")
    assert r.returncode == 5 and "holds no bootstrap message (empty)" in r.stderr
