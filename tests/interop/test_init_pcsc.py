"""pkcs15 init through pcscd + vpcd on a blank UICC (T=0 and T=1), then write / read, and OpenSC's
pkcs15-tool reading the PKCS#15 application init laid out: an independent reader of the result."""

import pytest

from cardboot.apdu import Trace
from cardboot.card import connect_card
from cardboot.provision.access import Secrets
from cardboot.provision.init import init_card
from cardboot.provision.layout import load_layout
from cardboot.provision.read import read_stored
from cardboot.provision.write import write_stored
from cardboot.secret import Secret
from tests.helpers import needs_opensc, pkcs15_tool, reader_index
from tests.provision.test_init import MESSAGE

pytestmark = pytest.mark.pcsc
BOTH = Secrets(pin=Secret("1234"), adm=Secret("88888888"))


@pytest.mark.parametrize("t0, protocol", [pytest.param(False, "T=1", id="T=1"), pytest.param(True, "T=0", id="T=0")])
def test_blank_uicc_init_write_read_over_pcscd(vsim_reader_factory, t0, protocol):
    handle = vsim_reader_factory("blank-uicc", t0=t0)
    t = handle.transport(protocol)
    t.connect()
    try:
        result = init_card(connect_card(t), load_layout("uicc"), BOTH)
        assert len(result.steps) == 11 and all(s.done for s in result.steps)
        trace = Trace(keep=True)
        again = init_card(connect_card(t, trace=trace), load_layout("uicc"), BOTH)
        assert again.unchanged and not [e for e in trace.entries if e.header[1] in (0xD6, 0xDC, 0xE0)]
        assert write_stored(connect_card(t), MESSAGE, BOTH).verified
        assert read_stored(connect_card(t), BOTH).data == MESSAGE
    finally:
        t.disconnect()


@needs_opensc
def test_pkcs15_tool_reads_what_init_laid_out(vsim_reader_factory, opensc_env):
    handle = vsim_reader_factory("blank-uicc")
    t = handle.transport()
    t.connect()
    try:
        init_card(connect_card(t), load_layout("uicc"), BOTH)
    finally:
        t.disconnect()
    idx = reader_index(opensc_env, handle.reader)
    dump = pkcs15_tool(opensc_env, idx, "--dump")
    assert "Serial number  : 89494499990000000028" in dump and "Manufacturer ID: cardboot vsim" in dump
    assert "Reference      : 1 (0x01)" in dump and "local, initialized, needs-padding" in dump
    listing = pkcs15_tool(opensc_env, idx, "--list-data-objects")
    assert "Data object 'DM_Bootstrap'" in listing and "Path:            3f007f505300" in listing
