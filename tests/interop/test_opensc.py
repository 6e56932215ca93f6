"""Independent readers of what cardboot encodes: OpenSC's pkcs15-tool reads the virtual UICC's PKCS#15
through pcscd + vpcd, and ``openssl asn1parse`` accepts every DER object cardboot builds.

OpenSC 0.23 does not know the virtual card's ATR: its default driver is forced with an OPENSC_CONF
holding ``app default { enable_default_driver = true; }`` and OPENSC_DRIVER=default (README, "OpenSC").
It has no CLA A0 driver, so only the UICC personality can be cross-checked this way.
"""

import shutil
import subprocess

import pytest

import vsim
from tests.helpers import needs_opensc, pkcs15_tool, reader_index
from cardboot.pkcs15 import der

pytestmark = pytest.mark.pcsc

PAYLOAD = bytes.fromhex("02 00 00 6A 00 6D 6C 71 03 31 2E 32 00 01".replace(" ", "")) + b"cardboot" * 4


def _put_bootstrap(handle, data: bytes) -> None:
    ef = handle.card.mf.children[0x7F50].children[0x5300]
    ef.data[: len(data)] = data


@needs_opensc
def test_pkcs15_tool_lists_and_reads_the_bootstrap(vsim_reader_factory, opensc_env):
    handle = vsim_reader_factory("uicc")
    _put_bootstrap(handle, PAYLOAD)
    idx = reader_index(opensc_env, handle.reader)
    listing = pkcs15_tool(opensc_env, idx, "--list-data-objects")
    assert "Data object 'DM_Bootstrap'" in listing
    assert "applicationName: OMA DM Bootstrap" in listing
    assert "Path:            3f007f505300" in listing
    data = pkcs15_tool(opensc_env, idx, "--read-data-object", "DM_Bootstrap")
    hexdump = "".join(data.split("<", 1)[1].split()).upper() if "<" in data else data.upper()
    assert hexdump.startswith(PAYLOAD.hex().upper())
    dump = pkcs15_tool(opensc_env, idx, "--dump")
    assert "Serial number  : 89494499990000000028" in dump and "Manufacturer ID: cardboot vsim" in dump
    assert "Reference      : 1 (0x01)" in dump and "local, initialized, needs-padding" in dump


@needs_opensc
def test_pkcs15_tool_sees_the_private_flag_and_auth_id(vsim_reader_factory, opensc_env):
    handle = vsim_reader_factory("uicc-private")
    idx = reader_index(opensc_env, handle.reader)
    dump = pkcs15_tool(opensc_env, idx, "--dump")
    section = dump.split("Data object 'DM_Bootstrap'", 1)[1]
    assert "Auth ID" in section and "01" in section.split("Auth ID", 1)[1][:20]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
@pytest.mark.parametrize("profile", ["uicc", "sim", "uicc-private", "sim-private"])
def test_openssl_asn1parse_accepts_every_encoded_object(profile, tmp_path):
    card = vsim.load_card(profile)
    df = card.mf.children[0x7F50]
    checked = 0
    for fid in (0x5031, 0x5032, 0x5012, 0x5207):
        content = bytes(df.children[fid].data)
        for offset, encoded in der.split_objects(content, f"EF {fid:04X}", profile):
            f = tmp_path / f"{fid:04X}-{offset}.der"
            f.write_bytes(encoded)
            out = subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", str(f)], capture_output=True,
                                 text=True, timeout=30)
            assert out.returncode == 0 and "error" not in out.stderr.lower(), (fid, out.stderr)
            checked += 1
    assert checked >= 5
