"""Issue 19, item 11: what `validate` let through, and the commands that stored or created what they
should have refused."""

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.bootstrap.tnds import TndsNode
from cardboot.cli.main import main

VARS = "profiles/vars/example.toml"


def one_line(capsys, code, expected, *words):
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == expected, text
    assert "Traceback" not in text and "internal error" not in text
    for w in words:
        assert w in text, text
    return text


def message_file(tmp_path, change, carrier="tnds-wbxml"):
    boot = load_bootstrap("dm-bootstrap", VARS)
    change(boot.objects[0].root)
    f = tmp_path / "m.wbxml"
    f.write_bytes(encode_message(build_message(boot, carrier)))
    return f


def test_a_node_name_that_climbs_the_tree(tmp_path, capsys):
    f = message_file(tmp_path, lambda root: root.children.append(TndsNode("../../etc", format="chr", value="x")))
    one_line(capsys, main(["message", "validate", str(f)]), 5, "TNDS-NODENAME", "'../../etc'")


def test_a_tree_nested_too_deep(tmp_path, capsys):
    def deepen(root):
        node = root
        for i in range(60):
            child = TndsNode(f"d{i}", format="node")
            node.children.append(child)
            node = child

    f = message_file(tmp_path, deepen, carrier="tnds-xml")
    one_line(capsys, main(["message", "validate", str(f)]), 5, "TNDS-DEPTH", "deeper than 24")
    assert main(["message", "decode", str(f)]) == 0  # and decode still prints it


def test_an_xml_tree_250_deep_is_a_typed_error(tmp_path, capsys):
    xml = tmp_path / "m.xml"
    assert main(["message", "build", "--vars", VARS, "--carrier", "plain", "--xml", "--out", str(xml)]) == 0
    capsys.readouterr()
    text = xml.read_text()
    nested = "".join(f"<Node><NodeName>n{i}</NodeName>" for i in range(250)) + "</Node>" * 250
    tnds = (f'<MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>{nested}</MgmtTree>')
    item = ('<Add><CmdID>99</CmdID><Item><Target><LocURI>./Inbox</LocURI></Target><Meta><Type xmlns="syncml:metinf">'
            f'application/vnd.syncml.dmtnds+xml</Type></Meta><Data>{tnds}</Data></Item></Add>')
    xml.write_text(text.replace("<Final/>", item + "<Final/>") if "<Final/>" in text else text.replace("<Final></Final>", item + "<Final></Final>"))
    for cmd in ("validate", "decode"):
        code = main(["message", cmd, str(xml)])
        one_line(capsys, code, 5)


def test_b64_data_that_is_not_base64(tmp_path, capsys):
    text = open(VARS).read().replace('server_nonce = "MTIzNDU2Nzg="', 'server_nonce = "not base64!"')
    v = tmp_path / "vars.toml"
    v.write_text(text)
    code = main(["message", "build", "--vars", str(v), "--out", str(tmp_path / "m")])
    one_line(capsys, code, 5, "TNDS-B64", "AAuthData")


def test_build_refuses_what_decode_would_refuse(tmp_path, capsys):
    f = message_file(tmp_path, lambda root: root.children.append(
        TndsNode("Big", format="chr", value="x" * (1 << 20))))
    one_line(capsys, main(["message", "validate", str(f)]), 5, "1048576-byte limit")
    text = open(VARS).read().replace('apn = "internet.example"', f'apn = "{"a" * 700_000}"')  # used twice
    v = tmp_path / "vars.toml"
    v.write_text(text)
    code = main(["message", "build", "--vars", str(v), "--out", str(tmp_path / "big.wbxml")])
    one_line(capsys, code, 5, "SIZE")
    assert not (tmp_path / "big.wbxml").exists()


def test_server_refuses_to_store_an_invalid_message(tmp_path, capsys):
    f = message_file(tmp_path, lambda root: root.children.append(TndsNode("../x", format="chr", value="x")))
    code = main(["server", "add-device", "--db", f"sqlite:///{tmp_path / 'd.sqlite'}", "--serial", "SN9",
                 "--message", str(f)])
    one_line(capsys, code, 5, "refusing to store", "TNDS-NODENAME")


def test_csv_iccid_in_other_scripts_digits(tmp_path, capsys, monkeypatch):
    rows = open("profiles/vars/cards-50.csv", encoding="utf-8").read().splitlines()[:2]
    header, row = rows
    iccid = row.split(",")[0]
    arabic = "".join(chr(0x0660 + int(c)) for c in iccid)  # ARABIC-INDIC digits: str.isdigit() is True
    csv = tmp_path / "cards.csv"
    csv.write_text(header + "\n" + row.replace(iccid, arabic, 1) + "\n", encoding="utf-8")
    monkeypatch.setenv("CB_ADM", "88888888")
    code = main(["batch", "run", "--csv", str(csv), "--vsim-slots", "0", "--db", "sqlite://"])
    one_line(capsys, code, 5, "iccid")


def test_batch_status_of_a_typo_creates_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CARDBOOT_LEDGER", raising=False)
    for cmd in ("status", "report"):
        one_line(capsys, main(["batch", cmd, "--batch", "typo"]), 2, "no ledger for batch 'typo'")
    assert not (tmp_path / "typo.ledger.sqlite").exists()
    one_line(capsys, main(["batch", "status", "--batch", "typo", "--db", f"sqlite:///{tmp_path / 'l.sqlite'}"]), 2,
             "holds no batch 'typo'")
