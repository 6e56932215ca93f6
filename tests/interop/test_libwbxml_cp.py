"""libwbxml's xml2wbxml / wbxml2xml as an independent reader and writer of Client Provisioning documents:
what it encodes (WBXML 1.1-1.3, with and without a string table) cardboot decodes to the same document;
what cardboot encodes it decodes to the same document. Without a string table the two encodings differ
only where libwbxml switches back to attribute page 0 for a token page 1 has as well: cardboot's is never
longer."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cardboot.cp.document import from_xml
from cardboot.cp.wbxml import decode, encode

pytestmark = pytest.mark.skipif(shutil.which("xml2wbxml") is None, reason="libwbxml2-utils not installed")
DOC = "tests/data/cp/w7-napdef-proxy.xml"


@pytest.mark.parametrize("version", ["1.1", "1.2", "1.3"])
@pytest.mark.parametrize("table", [True, False])
def test_libwbxml_encodes_cardboot_decodes(tmp_path, version, table):
    out = tmp_path / "cp.wbxml"
    cmd = ["xml2wbxml", "-v", version, "-o", str(out), DOC] if table else \
        ["xml2wbxml", "-n", "-v", version, "-o", str(out), DOC]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    doc = from_xml(open(DOC, "rb").read())
    assert decode(out.read_bytes()) == doc
    if not table:
        ours = encode(doc, {"1.1": 1, "1.2": 2, "1.3": 3}[version])
        assert decode(ours) == doc and len(ours) <= len(out.read_bytes())


def test_cardboot_encodes_libwbxml_decodes(tmp_path):
    doc = from_xml(open(DOC, "rb").read())
    wb = tmp_path / "ours.wbxml"
    wb.write_bytes(encode(doc))
    xml = tmp_path / "back.xml"
    subprocess.run(["wbxml2xml", "-o", str(xml), str(wb)], check=True, capture_output=True, timeout=60)
    assert from_xml(xml.read_bytes()) == doc
