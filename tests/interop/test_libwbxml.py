"""libwbxml (Debian libwbxml2-utils, an independent C implementation) as a second opinion, both ways:
what cardboot encodes, ``wbxml2xml`` decodes to the same tree; what ``xml2wbxml`` encodes, cardboot
decodes to the same tree. Trees are compared parsed (namespaces, tags, text), not as text. libwbxml
expands an embedded WBXML TNDS into XML and rewrites its Meta Type to +xml; cardboot's
``expand_embedded_tnds`` does the same before comparing.
"""

import shutil
import subprocess

import pytest

from cardboot.bootstrap.builder import CARRIERS, build_message, encode_message
from cardboot.bootstrap.syncml import TNDS_WBXML, TNDS_XML, expand_embedded_tnds, message_to_element
from cardboot.bootstrap.template import load_bootstrap, load_toml
from cardboot.wbxml import decode
from cardboot.wbxml.xml import canonical, element_from_xml, parse_xml, to_xml_bytes

pytestmark = pytest.mark.skipif(shutil.which("wbxml2xml") is None or shutil.which("xml2wbxml") is None,
                                reason="libwbxml2-utils not installed")

VALUES = [
    {},  # the example, ASCII
    {"server_name": "Сервер управления — ünïcødé ✓", "apn": "интернет.example", "client_name": "日本語"},
]


def messages():
    return list(_messages())


def _messages():
    base = load_toml("profiles/vars/example.toml", "vars")
    for i, extra in enumerate(VALUES):
        boot = load_bootstrap("dm-bootstrap", {**base, **extra})
        for carrier in CARRIERS:
            yield pytest.param(build_message(boot, carrier), id=f"{carrier}-{'ascii' if i == 0 else 'unicode'}")


def run(*args, stdin=None) -> subprocess.CompletedProcess:
    out = subprocess.run(args, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out


@pytest.mark.parametrize("version", [1, 2, 3])
@pytest.mark.parametrize("msg", messages())
def test_libwbxml_decodes_what_cardboot_encodes(msg, version, tmp_path):
    data = encode_message(msg, wbxml_version=version)
    f = tmp_path / "m.wbxml"
    f.write_bytes(data)
    xml = run("wbxml2xml", "-o", str(tmp_path / "m.xml"), str(f))
    del xml
    theirs = element_from_xml(parse_xml((tmp_path / "m.xml").read_bytes()))
    ours = expand_embedded_tnds(decode(data).root)
    assert canonical(theirs) == canonical(ours)


@pytest.mark.parametrize("version", ["1.1", "1.2", "1.3"])
@pytest.mark.parametrize("msg", messages())
def test_cardboot_decodes_what_libwbxml_encodes(msg, version, tmp_path):
    source = message_to_element(msg)  # embedded TNDS as bytes; libwbxml wants the XML form to embed it
    xml_tree = _as_xml_children(source)
    (tmp_path / "in.xml").write_bytes(to_xml_bytes(xml_tree))
    run("xml2wbxml", "-v", version, "-o", str(tmp_path / "out.wbxml"), str(tmp_path / "in.xml"))
    data = (tmp_path / "out.wbxml").read_bytes()
    assert data[0] == {"1.1": 1, "1.2": 2, "1.3": 3}[version]
    ours = _undo_libwbxml_type_rewrite(decode(data).root)
    assert canonical(expand_embedded_tnds(ours)) == canonical(expand_embedded_tnds(source))


def _undo_libwbxml_type_rewrite(root):
    """xml2wbxml rewrites every Meta Type application/vnd.syncml.dmtnds+xml to +wbxml, even when Data holds
    the TNDS as XML *text* (which it then writes as text — opaque or, with non-ASCII, STR_I — not as WBXML). Put the type back where the
    opaque Data is XML text, so the trees compare; the quirk itself is noted in README."""
    work = [root]
    while work:
        e = work.pop()
        if e.tag == "Item":
            typ = e.first("Meta").first("Type") if e.first("Meta") is not None else None
            data = e.first("Data")
            text = data.text if data is not None else ""
            if typ is not None and typ.text == TNDS_WBXML and text.lstrip()[:1] == "<":
                typ.children = [TNDS_XML]
        work.extend(e.elements())
    return root


def _as_xml_children(root):
    """The message as libwbxml's input wants it: an embedded TNDS written as XML inside Data, the Type
    still saying +wbxml so that xml2wbxml embeds it as WBXML."""
    import copy

    out = copy.deepcopy(root)
    work = [out]
    while work:
        e = work.pop()
        if e.tag == "Data" and e.children and isinstance(e.children[0], bytes):
            try:
                e.children = [decode(e.children[0]).root]
            except Exception:
                pass
        work.extend(e.elements())
    return out
