"""Issue 19, item 4: a secret never reaches a finding or `message decode`'s output — not through an
./Inbox reference check, not as the base64 of an embedded WBXML TNDS in an XML file."""

import base64

from cardboot.cli.main import main

VARS = "profiles/vars/example.toml"


def test_inbox_ref_finding_does_not_echo_a_secret(tmp_path, capsys):
    text = open(VARS).read().replace('server_secret = "srv-s3cret"', 'server_secret = "./Inbox/top-s3cret-value"')
    vars_file = tmp_path / "vars.toml"
    vars_file.write_text(text)
    code = main(["message", "build", "--vars", str(vars_file), "--out", str(tmp_path / "m.wbxml")])
    out = capsys.readouterr()
    assert code == 5 and "INBOX-REF" in out.out + out.err
    assert "top-s3cret-value" not in out.out + out.err and "AAuthSecret = ****" in out.out + out.err


def test_decode_of_xml_with_embedded_wbxml_tnds_shows_no_secret(tmp_path, capsys):
    xml = tmp_path / "m.xml"
    assert main(["message", "build", "--vars", VARS, "--xml", "--out", str(xml)]) == 0
    capsys.readouterr()
    embedded = xml.read_text().split("<Data>")[-1].split("</Data>")[0]
    assert b"srv-s3cret" in base64.b64decode(embedded)  # the file itself carries it (it is the message)
    assert main(["message", "decode", str(xml)]) == 0
    out = capsys.readouterr().out
    assert "srv-s3cret" not in out and "cli-s3cret" not in out and embedded[:40] not in out
    assert out.count("****") >= 2
    assert main(["message", "decode", str(xml), "--show-secrets"]) == 0
    assert "srv-s3cret" in capsys.readouterr().out


def test_embedded_tnds_that_is_not_base64_is_a_typed_error(tmp_path, capsys):
    xml = tmp_path / "m.xml"
    assert main(["message", "build", "--vars", VARS, "--xml", "--out", str(xml)]) == 0
    text = xml.read_text()
    start = text.index("<Data>", text.index("dmtnds+wbxml")) + len("<Data>")
    xml.write_text(text[:start] + "!!not base64!!" + text[text.index("</Data>", start):])
    capsys.readouterr()
    code = main(["message", "decode", str(xml)])
    out = capsys.readouterr()
    assert code == 5 and "not base64" in out.err and "Traceback" not in out.err
