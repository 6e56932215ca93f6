"""Issue 19, items 9 and 10: files a careless or hostile user hands cardboot give a one-line typed error
with its exit code — never a traceback, never exit 70 — and are bounded before they are read whole; the
WBXML element limit holds for a whole message, its embedded TNDS documents together."""

import os
import subprocess
import sys
import time

import pytest

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.cli.main import main
from cardboot.wbxml import codec
from cardboot.wbxml.element import Element
from cardboot.wbxml.tables import DMDDF12, NS_DMDDF12

VARS = "profiles/vars/example.toml"
LAYOUT = open("profiles/cards/uicc.toml").read()


def one_line_error(capsys, code, expected_code, *words):
    err = capsys.readouterr().err
    assert code == expected_code, err
    assert "Traceback" not in err and "internal error" not in err and len(err.strip().splitlines()) == 1
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("content, code, words", [
    (b"\xff\xfe bad", 5, ["not UTF-8", "byte 0"]),
    (("a = " + "[" * 5000 + "]" * 5000).encode(), 5, ["deeper than 32"]),
    (("x = " + "[" * 40 + "1" + "]" * 40).encode(), 5, ["deeper than 32"]),
    (b"apn = \"inter\\u0000net\"\n", 5, ["variable 'apn'", "U+0000"]),
])
def test_bad_variables_files(tmp_path, capsys, content, code, words):
    base = open(VARS, "rb").read()
    f = tmp_path / "vars.toml"
    f.write_bytes(content if not content.startswith(b"apn") else base.replace(b'apn = "internet.example"\n', content))
    one_line_error(capsys, main(["message", "build", "--vars", str(f), "--out", str(tmp_path / "m")]), code, *words)


@pytest.mark.parametrize("char", ["\\u0001", "\\uFFFF", "\\u0000"])
def test_the_three_carriers_agree_on_what_a_value_may_hold(tmp_path, capsys, char):
    f = tmp_path / "vars.toml"
    f.write_text(open(VARS).read().replace('apn = "internet.example"', f'apn = "x{char}y"'))
    for carrier in ("plain", "tnds-xml", "tnds-wbxml"):
        one_line_error(capsys, main(["message", "build", "--vars", str(f), "--carrier", carrier,
                                     "--out", str(tmp_path / "m")]), 5, "variable 'apn'")


@pytest.mark.parametrize("old, new, words", [
    ('[pkcs15]\ndf = "3F00/7F50"', "[pkcs15]\ndf = 5", ["df must be a path"]),
    ('efdir = "3F00/2F00"', "efdir = 12", ["efdir must be a path"]),
    ('application = "OMA DM Bootstrap"', 'application = "OMA DM Bootstrap"\napplication_oid = "not.an.oid"',
     ["not an object identifier"]),
    ('application = "OMA DM Bootstrap"', 'application = "OMA DM Bootstrap"\nform = "oid"\noid = "1.x"',
     ["not an object identifier"]),
])
def test_bad_card_layouts(tmp_path, capsys, old, new, words):
    assert old in LAYOUT
    f = tmp_path / "layout.toml"
    f.write_text(LAYOUT.replace(old, new, 1))
    one_line_error(capsys, main(["inspect", "--vsim", str(f)]), 5, str(f), *words)


@pytest.mark.parametrize("text, words", [
    ('[card]\nfamily = "uicc"\natr = "3B00"\n[pin]\nname = "PIN1"\n[[file]]\npath = "3F00"\n',
     ["pin must be an array of tables"]),
    ('[card]\nfamily = "uicc"\natr = "3B00"\n[file]\npath = "3F00"\n', ["file must be an array of tables"]),
    ('[card]\nfamily = "uicc"\natr = "3B00"\n[[file]]\npath = "3F00"\n[pkcs15]\ndf = "3F00"\ndata = 5\n',
     ["pkcs15.data must be an array of tables"]),
    ('[card]\nfamily = "uicc"\natr = "3B00"\n[[file]]\npath = "3F00"\n' + "# pad\n" * 300000, ["limit"]),
])
def test_layouts_of_the_wrong_shape(tmp_path, capsys, text, words):
    f = tmp_path / "layout.toml"
    f.write_text(text)
    one_line_error(capsys, main(["inspect", "--vsim", str(f)]), 5, *words)


@pytest.mark.parametrize("state, words", [
    (b"\x9e\x01binary", ["not UTF-8"]),
    (b"[]", ["JSON object"]),
    (b'{"version": 1, "files": []}', ['"files" and "pins"']),
    (b'{"version": 1, "files": {}, "pins": {"01": {"value": "31", "retries": -3, "puk_retries": 1, "enabled": true}}}',
     ["retries must be an integer 0..3"]),
    (b'{"version": 1, "files": {"3F00/2FE2": "zz"}}', ["not hex"]),
    (b'{"version": 1, "files": {}, "pins": {"01": "1234"}}', ["PIN 01 must be a JSON object"]),
    (b"[" * 100000, ["nests deeper"]),
])
def test_bad_state_files(tmp_path, capsys, state, words):
    f = tmp_path / "card.json"
    f.write_bytes(state)
    one_line_error(capsys, main(["inspect", "--vsim", f"uicc:{f}"]), 5, *words)


def _limited(args, seconds=20):
    """Run the command line in a child with 300 MB of address space: reading a file whole would fail it."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (600 << 20, 600 << 20)); "
            "from cardboot.cli.main import main; sys.exit(main(sys.argv[1:]))")
    env = dict(os.environ, CB_ADM="88888888")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=seconds,
                          env=env)


@pytest.mark.parametrize("args, code, words", [
    (["message", "decode", "/dev/zero"], 5, ["limit"]),
    (["message", "validate", "/dev/zero"], 5, ["limit"]),
    (["read", "--vsim", "uicc", "--pin-file", "/dev/zero"], 5, ["--pin-file", "limit"]),
    (["message", "build", "--vars", "/dev/zero", "--out", "/dev/null"], 5, ["limit"]),
])
def test_endless_inputs_are_bounded(args, code, words):
    r = _limited(args)
    assert r.returncode == code, r.stderr
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    for w in words:
        assert w in r.stderr


def test_pin_file_errors_never_show_the_value(tmp_path, capsys):
    f = tmp_path / "pin"
    f.write_bytes(b"12\xff34\n")
    one_line_error(capsys, main(["read", "--vsim", "uicc-private", "--pin-file", str(f)]), 2, "not UTF-8")


def _many_nodes_tnds(n: int) -> bytes:
    ns = NS_DMDDF12
    nodes = [Element("Node", ns, [Element("NodeName", ns, ["n"])]) for _ in range(n // 2)]
    tree = Element("MgmtTree", ns, [Element("VerDTD", ns, ["1.2"])] + nodes)
    return codec.encode(tree, language=DMDDF12)


def test_the_element_limit_holds_for_the_whole_message(tmp_path, capsys):
    """Three embedded TNDS of 90,000 elements each: each under the 200,000 limit, together over it."""
    message = encode_message(build_message(load_bootstrap("dm-bootstrap", VARS), "tnds-wbxml"))
    doc = codec.decode(message)
    body = doc.root.first("SyncBody")
    add = body.elements()[0]
    item = add.first("Item")
    blob = _many_nodes_tnds(90_000)
    for _ in range(2):
        clone = item.copy()
        clone.first("Data").children = [blob]
        add.children.append(clone)
    item.first("Data").children = [blob]
    big = codec.encode(doc.root, version=doc.version)
    assert len(big) > 500_000
    f = tmp_path / "big.wbxml"
    f.write_bytes(big)
    t0 = time.monotonic()
    one_line_error(capsys, main(["message", "decode", str(f)]), 5, "more than 200000 elements")
    assert time.monotonic() - t0 < 10


def test_literal_elements_count_too():
    """WBXML 1.2, public id by string table (index 0), UTF-8, a root LITERAL_C <a> holding ten LITERAL <a/>:
    eleven elements, over a limit of five (they were not counted against the limit)."""
    from cardboot.errors import WbxmlError

    table = b"-//SYNCML//DTD SyncML 1.2//EN\x00a\x00"
    literal = len(table) - 2
    header = bytes([0x02, 0x00, 0x00, 0x6A, len(table)]) + table
    body = bytes([0x44, literal]) + bytes([0x04, literal]) * 10 + bytes([0x01])
    assert codec.decode(header + body).elements == 11
    with pytest.raises(WbxmlError, match="more than 5 elements"):
        codec.decode(header + body, max_elements=5)
