"""vsim on its own feet (issue 15): its DER, TLV, APDU, ICCID and ATR code is its own, so a card it builds
is a second opinion on cardboot's decoders. DER is unique: where both implementations are right they
agree byte for byte — for every built-in layout and for objects cardboot's encoders build."""

import subprocess
import sys

import pytest

import vsim
from cardboot.apdu.command import CommandApdu
from cardboot.card.atr import atr_protocols as cardboot_atr_protocols
from cardboot.pkcs15.aodf import PinObject, encode_aodf
from cardboot.pkcs15.dodf import DataObject, encode_dodf
from cardboot.pkcs15.path import Pkcs15Path
from cardboot.pkcs15.tokeninfo import TokenInfo, encode_tokeninfo
from vsim import der
from vsim.apdu import MalformedApdu, parse_command
from vsim.profile import builtin_profiles
from vsim.vpcd import atr_protocols


def test_vsim_imports_no_cardboot_encoder():
    code = ("import sys, vsim, vsim.serve; vsim.load_card('usim-arr'); "
            "bad = [m for m in sys.modules if m.startswith(('cardboot.pkcs15', 'cardboot.apdu', 'cardboot.tlv', "
            "'cardboot.card', 'cardboot.cli', 'cardboot.bootstrap', 'cardboot.wbxml'))]; print(bad); "
            "sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("data", [
    DataObject("DM_Bootstrap", True, True, b"\x01", "OMA DM Bootstrap", "2.23.43.7.1", Pkcs15Path(b"\x53\x00")),
    DataObject(None, application_name="LwM2M Bootstrap", path=Pkcs15Path(b"\x64\x32"), form="oid",
               oid="2.23.43.9.1"),
    DataObject("ext", path=Pkcs15Path(b"\x44\x01"), form="external"),
])
def test_data_objects_agree_byte_for_byte(data):
    mine = der.data_object(der.Data(int.from_bytes(data.path.path, "big"), data.label, data.application_name,
                                    data.application_oid, data.private, data.modifiable, data.auth_id,
                                    str(data.form), data.oid))
    assert mine == encode_dodf([data])


def test_pin_objects_and_tokeninfo_agree():
    pin = PinObject("PIN1", b"\x01", 0x01, frozenset({"local", "initialized", "needs-padding"}), "ascii-numeric",
                    4, 8, 8, b"\xff")
    assert der.pin_object(der.Pin("PIN1", b"\x01", 1, pin.flags, "ascii-numeric", 4, 8, 8, b"\xff")) == \
        encode_aodf([pin])
    ti = TokenInfo(serial=bytes.fromhex("8949"), manufacturer="m", label="l", flags=frozenset({"readonly"}))
    assert der.token_info(der.Token(ti.serial, "m", "l", ti.flags)) == encode_tokeninfo(ti)


@pytest.mark.parametrize("raw", ["00A40004022F00", "00A4000402 2F00 00", "80F20000", "00B0000000",
                                 "01A4040C0CA000000063504B43532D3135"])
def test_apdu_parsers_agree(raw):
    data = bytes.fromhex(raw.replace(" ", ""))
    mine, theirs = parse_command(data), CommandApdu.from_bytes(data)
    assert (mine.cla, mine.ins, mine.p1, mine.p2, mine.data, mine.le) == \
        (theirs.cla, theirs.ins, theirs.p1, theirs.p2, theirs.data, theirs.le)


@pytest.mark.parametrize("raw", ["00A4", "00A400000200", "00A40000002F00"])
def test_malformed_apdus(raw):
    with pytest.raises(MalformedApdu):
        parse_command(bytes.fromhex(raw))


@pytest.mark.parametrize("name", builtin_profiles())
def test_atr_readers_agree(name):
    atr = vsim.load_card(name).atr
    assert atr_protocols(atr) == cardboot_atr_protocols(atr)


def test_python_m_vsim_serve_help():
    r = subprocess.run([sys.executable, "-m", "vsim", "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--profile" in r.stdout
