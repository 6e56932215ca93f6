"""dump -> twin -> the same card: every built-in layout dumped, served back by vsim from the dump, and
compared by what cardboot sees (`diff` empty, `inspect --json` equal) and by the bytes `read` returns; a
dump holds no value read from the card, only those given; `diff` of two layouts lists their differences."""

from __future__ import annotations

import json
import os
import stat

import pytest

import vsim
from cardboot.card import connect_card
from cardboot.provision.dump import diff_dumps, dump_card, to_layout
from cardboot.transport.virtual import VirtualTransport
from tests.helpers import cli

LAYOUTS = ["uicc", "usim-arr", "sim", "lwm2m", "no-efdir", "uicc-private", "sim-private", "blank-uicc", "blank-sim"]


def dump_of(vcard):
    t = VirtualTransport(vcard)
    t.connect()
    return dump_card(connect_card(t), "test")


def _inspect(spec: str) -> dict:
    r = cli("inspect", "--vsim", spec, "--json")
    assert r.returncode in (0, 5), r.stderr
    out = json.loads(r.stdout)
    out.pop("reader")
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
def test_twin_is_the_same_card_to_cardboot(layout, tmp_path):
    original = vsim.load_card(layout)
    dump = dump_of(original)
    twin_file = tmp_path / f"{layout}.toml"
    twin_file.write_text(to_layout(dump, {0x01: b"1234", 0x0A: b"88888888"}))
    twin = vsim.load_card(twin_file)
    assert diff_dumps(dump, dump_of(twin)) == []
    assert _inspect(layout) == _inspect(str(twin_file))
    for path, f in dump.files.items():  # every SELECT response is the card's own
        assert f.info.raw


def test_twin_reads_the_same_message_bytes(tmp_path):
    env = {"CB_ADM": "88888888", "CB_PIN": "1234"}
    state = tmp_path / "s.json"
    r = cli("write", "--vsim", f"usim-arr:{state}", "--template", "dm-bootstrap", "--vars",
            "profiles/vars/example.toml", "--adm-env", "CB_ADM", "--pin-env", "CB_PIN", env=env)
    assert r.returncode == 0, r.stderr
    twin = tmp_path / "twin.toml"
    # READ of usim-arr's EF DM_Bootstrap needs PIN1: without it dump cannot read the EF, and says so
    r = cli("dump", "--vsim", f"usim-arr:{state}", "--out", str(twin), "--adm-env", "CB_ADM", env=env)
    assert r.returncode == 0 and "3F00/7F50/5300: content not read: READ needs PIN1" in r.stdout
    assert stat.S_IMODE(os.stat(twin).st_mode) == 0o600
    r = cli("diff", f"usim-arr:{state}", str(twin))
    assert r.returncode == 0 and r.stdout.startswith("same:")  # both sides show the same (unread) EF
    # with PIN1 given, dump verifies it once and reads the EF: the twin returns the message to `read`
    r = cli("dump", "--vsim", f"usim-arr:{state}", "--out", str(twin), "--pin-env", "CB_PIN", "--adm-env", "CB_ADM",
            "--trace", env=env)
    assert r.returncode == 0 and "content not read" not in r.stdout, r.stdout
    verifies = [line for line in r.stderr.splitlines() if "VERIFY" in line and "****" in line]
    assert len(verifies) == 1 and "VERIFY PIN1" in verifies[0] and "1234" not in r.stdout + r.stderr
    for spec, out in ((f"usim-arr:{state}", "p.wbxml"), (str(twin), "q.wbxml")):
        r = cli("read", "--vsim", spec, "--pin-env", "CB_PIN", "--out", str(tmp_path / out), env=env)
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "p.wbxml").read_bytes() == (tmp_path / "q.wbxml").read_bytes()
    # a wrong PIN stops the dump (exit 4) and writes nothing
    bad = tmp_path / "bad.toml"
    r = cli("dump", "--vsim", f"usim-arr:{state}", "--out", str(bad), "--pin-env", "CB_PIN", env={"CB_PIN": "9999"})
    assert r.returncode == 4 and not bad.exists() and "9999" not in r.stdout + r.stderr
    # a public message is read by dump: the twin returns the same bytes to `read`
    state2 = tmp_path / "u.json"
    cli("write", "--vsim", f"uicc:{state2}", "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
        "--adm-env", "CB_ADM", env=env)
    cli("dump", "--vsim", f"uicc:{state2}", "--out", str(twin))
    a = cli("read", "--vsim", f"uicc:{state2}", "--out", str(tmp_path / "a.wbxml"))
    b = cli("read", "--vsim", str(twin), "--out", str(tmp_path / "b.wbxml"))
    assert a.returncode == b.returncode == 0
    assert (tmp_path / "a.wbxml").read_bytes() == (tmp_path / "b.wbxml").read_bytes()


def test_dump_holds_only_the_values_given(tmp_path):
    out = tmp_path / "d.toml"
    r = cli("dump", "--vsim", "uicc", "--out", str(out))
    text = out.read_text()
    assert r.returncode == 0 and "88888888" not in text and "1234" not in text
    assert text.count('value = "00000000"') == 2  # PIN1 and ADM1, placeholders


def test_diff_of_two_layouts_lists_differences_and_exits_6():
    r = cli("diff", "uicc", "usim-arr", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 6 and not out["same"]
    whats = {(d["path"], d["what"]) for d in out["differences"]}
    assert ("card", "ATR") in whats and ("3F00/2F06", "file") in whats
    assert ("3F00/7F50/5300", "read rule") in whats  # ALW on uicc, PIN1 on usim-arr
    r = cli("diff", "uicc", "uicc")
    assert r.returncode == 0 and r.stdout.startswith("same: 10 files")


def test_scan_finds_files_nothing_points_to():
    vcard = vsim.load_card("uicc")
    t = VirtualTransport(vcard)
    t.connect()
    plain = dump_card(connect_card(t), "x")
    t.connect()
    scanned = dump_card(connect_card(t), "x", scan=True)
    assert (0x3F00, 0x7FF0, 0x6F07) in set(scanned.files) - set(plain.files)  # USIM EF.IMSI
    assert scanned.files[(0x3F00, 0x7FF0, 0x6F07)].note == "content not read: READ needs PIN1"


def test_a_16_hex_digit_adm_key_loads_back_and_goes_only_to_adm1(tmp_path):
    """ADM keys given as 16 hex digits (8 arbitrary bytes, as pySim's card_data.csv lists for real cards,
    e.g. CAE743DB9C5B5A58) are written as value_hex, which the layout reader takes; the PIN value goes
    to PIN1 only."""
    from cardboot.card.access_rule import Key
    from cardboot.provision.access import Secrets
    from cardboot.provision.dump import twin_values
    from cardboot.secret import Secret

    dump = dump_of(vsim.load_card("uicc"))
    dump.keys[0x81] = ("PIN2-APPL1", 3)
    values = twin_values(dump, Secrets(pin=Secret("1234"), adm=Secret("CAE743DB9C5B5A58")))
    assert values == {0x01: b"1234", 0x0A: bytes.fromhex("CAE743DB9C5B5A58")}
    text = to_layout(dump, values)
    assert text.count("value_hex = ") == 1  # ADM1's; PIN1's "1234" and the placeholder stay text
    twin = vsim.parse_profile(text)
    assert twin.pins[0x0A].value == bytes.fromhex("CAE743DB9C5B5A58") and twin.pins[0x01].value == b"1234"
    assert twin.pins[0x81].value == b"00000000"
