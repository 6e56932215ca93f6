"""Issue 19, item 1: no byte of what was on the card before survives past a new message that `write`
reports verified, whatever the old content held (long FF runs inside an old message, junk of an even
older one behind it); and `verify` refuses a card where such bytes remain."""

import pytest

from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.cli.main import main
from cardboot.provision.access import Secrets
from cardboot.provision.write import write_stored
from cardboot.secret import Secret

VARS = "profiles/vars/example.toml"
MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", VARS), "tnds-wbxml"))
SMALL = encode_message(build_message(load_bootstrap("dmacc-only", VARS), "tnds-wbxml"))
SECRET = b"AAuthSecret-of-the-old-server"


def ef(vcard):
    return vcard.mf.children[0x7F50].children[0x5300]


@pytest.mark.parametrize("profile", ["uicc", "sim", "usim-arr"])
@pytest.mark.parametrize("gap", [0, 300, 1000])
def test_nothing_old_survives_a_shorter_message(make_card, profile, gap):
    """Old content: a message, then `gap` FF bytes (an opaque item's FF run, or free space), then
    secret-bearing bytes an older message left."""
    vcard, _, card, trace = make_card(profile)
    data = ef(vcard).data
    old = MESSAGE + b"\xff" * gap + SECRET
    data[: len(old)] = old
    secrets = Secrets(pin=Secret("1234"), adm=Secret("88888888"), force=profile == "sim")
    result = write_stored(card, SMALL, secrets)
    assert result.verified and result.previous == len(old)
    assert bytes(data) == SMALL + b"\xff" * (len(data) - len(SMALL))
    assert SECRET not in bytes(data)


def test_junk_at_the_very_end_of_the_ef_is_found(make_card):
    vcard, _, card, _ = make_card("uicc")
    data = ef(vcard).data
    data[-4:] = b"JUNK"
    assert write_stored(card, SMALL, Secrets(adm=Secret("88888888"))).previous == len(data)
    assert bytes(data) == SMALL + b"\xff" * (len(data) - len(SMALL))


def test_reading_backwards_stops_at_the_old_content(make_card):
    """The scan reads only the trailing FF chunks and the chunk where old content ends."""
    vcard, _, card, trace = make_card("uicc")
    ef(vcard).data[: len(MESSAGE)] = MESSAGE  # 1600 bytes of an old message, FF after
    n = trace.count
    write_stored(card, SMALL, Secrets(adm=Secret("88888888")))
    reads_before_update = []
    for e in trace.entries[n:]:
        if e.name == "UPDATE BINARY":
            break
        if e.name == "READ BINARY" and e.stage == "" and int.from_bytes(e.header[2:4], "big") >= len(SMALL):
            reads_before_update.append(e)
    # chunks from 4096 down to the one holding byte 1599: [3840..4096) ... [1536..1792)
    assert len(reads_before_update) == (4096 - 1536) // 256


def test_verify_refuses_a_card_with_old_bytes_after_the_message(tmp_path, capsys, monkeypatch):
    state = tmp_path / "card.json"
    monkeypatch.setenv("T_ADM", "88888888")
    message = tmp_path / "m.wbxml"
    message.write_bytes(SMALL)
    assert main(["write", "--vsim", f"uicc:{state}", "--message", str(message), "--adm-env", "T_ADM"]) == 0
    assert main(["verify", "--vsim", f"uicc:{state}", "--message", str(message)]) == 0
    # an old tail appears behind the message (another tool, or a write from before this fix)
    import json

    doc = json.loads(state.read_text())
    raw = bytearray(bytes.fromhex(doc["files"]["3F00/7F50/5300"]))
    raw[3000:3000 + len(SECRET)] = SECRET
    doc["files"]["3F00/7F50/5300"] = raw.hex().upper()
    state.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["verify", "--vsim", f"uicc:{state}", "--message", str(message)]) == 6
    assert "byte 3000 of 7FFF/5300 is not FF" in capsys.readouterr().out
    # a new write clears it, and verify agrees again
    assert main(["write", "--vsim", f"uicc:{state}", "--message", str(message), "--adm-env", "T_ADM"]) == 0
    assert main(["verify", "--vsim", f"uicc:{state}", "--message", str(message)]) == 0
