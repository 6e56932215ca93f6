"""The layouts modeled on real cards through pcscd + vpcd, T=0 and T=1 (their ATR offers both): the write
/ read / verify / erase cycle, the APDUs a pySim-style reader sends (SELECT with P2=04, EF.DIR records,
EF.ICCID) answered as TS 102 221 says, and OpenSC's pkcs15-tool reading the PKCS#15 application."""

import shutil

import pytest

from cardboot.apdu import Trace
from cardboot.bootstrap.builder import build_message, encode_message
from cardboot.bootstrap.template import load_bootstrap
from cardboot.card import connect_card
from cardboot.provision.access import Secrets
from cardboot.provision.read import read_stored
from cardboot.provision.write import erase_stored, write_stored
from cardboot.secret import Secret
from tests.helpers import needs_opensc, pkcs15_tool, reader_index

pytestmark = pytest.mark.pcsc
VARS = "profiles/vars/example.toml"
MESSAGE = encode_message(build_message(load_bootstrap("dm-bootstrap", VARS), "tnds-wbxml"))
BOTH = Secrets(pin=Secret("1234"), adm=Secret("88888888"))
PROTOCOLS = [pytest.param(False, "T=1", id="T=1"), pytest.param(True, "T=0", id="T=0")]
EF_OF = {"usim-arr": (0x7F50, 0x5300), "lwm2m": (0x7F50, 0x5300), "no-efdir": (0x5015, 0x5300)}


@pytest.mark.parametrize("t0, protocol", PROTOCOLS)
@pytest.mark.parametrize("profile", ["usim-arr", "lwm2m", "no-efdir"])
def test_write_read_verify_erase_through_pcscd(vsim_reader_factory, profile, t0, protocol):
    handle = vsim_reader_factory(profile, t0=t0)
    t = handle.transport(protocol)
    t.connect()
    trace = Trace()
    try:
        assert t.protocol == protocol
        card = connect_card(t, trace=trace)
        assert write_stored(card, MESSAGE, BOTH).verified
        steps = [e.name for e in trace.entries]
        assert "VERIFY ADM1" in steps[: steps.index("UPDATE BINARY")]
        stored = read_stored(card, BOTH)
        assert stored.data == MESSAGE and not stored.findings
        erase_stored(card, BOTH)
    finally:
        t.disconnect()
    df, ef = EF_OF[profile]
    assert set(handle.card.mf.children[df].children[ef].data) == {0xFF}


@pytest.mark.parametrize("t0, protocol", PROTOCOLS)
def test_pysim_style_reads(vsim_reader_factory, t0, protocol):
    """What pySim sends to a UICC (real-cards.md): SELECT with P2=04 by FID, READ RECORD of EF.DIR,
    READ BINARY of EF.ICCID — raw APDUs, answered per TS 102 221 under either protocol."""
    from smartcard.scard import (SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_SHARE_SHARED, SCardConnect,
                                 SCardDisconnect, SCardEstablishContext, SCardReleaseContext, SCardTransmit,
                                 SCARD_LEAVE_CARD, SCARD_SCOPE_USER)

    handle = vsim_reader_factory("usim-arr", t0=t0)
    _, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
    proto = SCARD_PROTOCOL_T0 if t0 else SCARD_PROTOCOL_T1
    hr, card, active = SCardConnect(ctx, handle.reader, SCARD_SHARE_SHARED, proto)
    assert hr == 0 and active == proto

    def send(hex_apdu: str) -> tuple[bytes, int]:
        hr, resp = SCardTransmit(card, active, list(bytes.fromhex(hex_apdu.replace(" ", ""))))
        assert hr == 0
        return bytes(resp[:-2]), (resp[-2] << 8) | resp[-1]

    def exchange(hex_apdu: str) -> tuple[bytes, int]:
        data, sw = send(hex_apdu)
        if sw >> 8 == 0x61:  # T=0: GET RESPONSE
            data, sw = send(f"00 C0 00 00 {sw & 0xFF:02X}")
        return data, sw

    try:
        fcp, sw = exchange("00 A4 00 04 02 2F00" + ("" if t0 else " 00"))
        assert sw == 0x9000 and fcp[0] == 0x62 and bytes.fromhex("8B032F0601") in fcp
        rec, sw = exchange("00 B2 01 04 26")
        assert sw == 0x9000 and rec.startswith(bytes.fromhex("61124F10A0000000871002"))
        _, sw = exchange("00 A4 00 04 02 2FE2" + ("" if t0 else " 00"))
        iccid, sw = exchange("00 B0 00 00 0A")
        assert sw == 0x9000 and iccid == bytes.fromhex("98944499990000 0030F7".replace(" ", ""))
        # STATUS with a wrong Le: T=0 names the right length (6Cxx); T=1 returns what there is
        data, sw = send("80 F2 00 00 02")
        assert (sw >> 8 == 0x6C) if t0 else (sw == 0x9000 and len(data) == 2)
        # a case-3 command under T=1 gets no data back
        if not t0:
            data, sw = send("00 A4 00 04 02 2F00")
            assert sw == 0x9000 and data == b""
    finally:
        SCardDisconnect(card, SCARD_LEAVE_CARD)
        SCardReleaseContext(ctx)


@needs_opensc
def test_pkcs15_tool_reads_the_usim_with_arr_references(vsim_reader_factory, opensc_env):
    handle = vsim_reader_factory("usim-arr", t0=True)  # OpenSC connects with T=0, the ATR's first protocol
    idx = reader_index(opensc_env, handle.reader)
    listing = pkcs15_tool(opensc_env, idx, "--list-data-objects")
    assert "Data object 'DM_Bootstrap'" in listing and "Path:            3f007f505300" in listing
    assert "Auth ID:         01" in listing


@needs_opensc
def test_pkcs15_tool_gives_up_on_the_field_dodf_that_cardboot_reads(vsim_reader_factory, opensc_env):
    """OpenSC 0.23 binds the lwm2m card (EF.DIR with the longer AID, TokenInfo) but stops at the Nordic
    LwM2M entry (pkcs15-data.c: "ASN.1 decoding failed") and lists no data object at all — the DODF
    cardboot reads entry by entry (tests/provision/test_real_card_layouts.py)."""
    handle = vsim_reader_factory("lwm2m", t0=True)
    idx = reader_index(opensc_env, handle.reader)
    assert "Data object" not in pkcs15_tool(opensc_env, idx, "--list-data-objects")
    dump = pkcs15_tool(opensc_env, idx, "--dump")
    assert "Serial number  : 01020304" in dump and "Manufacturer ID: test" in dump


def test_opensc_is_there_when_ci_runs():
    """CI installs OpenSC (scripts/install.sh): a missing pkcs15-tool must fail, not skip, there."""
    import os

    if os.environ.get("CI"):
        assert shutil.which("pkcs15-tool")
