"""A card dumped through pcscd + vpcd, its twin served from the dump in a second vpcd slot: cardboot sees
the same card (diff of reader against reader is empty, `inspect --json` equal, `read` the same bytes), and
OpenSC's pkcs15-tool --dump prints the same for both."""

from __future__ import annotations

import json

import pytest

from tests.helpers import cli, needs_opensc, pkcs15_tool, reader_index

pytestmark = pytest.mark.pcsc


def _inspect(reader: str) -> dict:
    r = cli("inspect", "--reader", reader, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    out.pop("reader")
    return out


ENV = {"CB_ADM": "88888888", "CB_PIN": "1234"}


@pytest.mark.parametrize("layout", ["uicc", "usim-arr", "lwm2m"])
def test_twin_over_pcscd(vsim_reader_factory, layout, tmp_path):
    original = vsim_reader_factory(layout, slot=0)
    r = cli("write", "--reader", original.reader, "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
            "--adm-env", "CB_ADM", "--pin-env", "CB_PIN", env=ENV)
    assert r.returncode == 0, r.stderr  # a message on the card that only dump can carry over
    twin_file = tmp_path / "twin.toml"
    r = cli("dump", "--reader", original.reader, "--out", str(twin_file))
    assert r.returncode == 0, r.stderr
    twin = vsim_reader_factory(str(twin_file), slot=1)
    r = cli("diff", f"reader:{original.reader}", f"reader:{twin.reader}")
    assert r.returncode == 0 and r.stdout.startswith("same:"), r.stdout
    assert _inspect(original.reader) == _inspect(twin.reader)
    if layout != "usim-arr":  # usim-arr's message is private: dump cannot read it without the PIN
        reads = [cli("read", "--reader", h.reader, "--out", str(tmp_path / f"{i}.wbxml")) for i, h in
                 enumerate((original, twin))]
        assert all(x.returncode == 0 for x in reads), [x.stderr for x in reads]
        assert (tmp_path / "0.wbxml").read_bytes() == (tmp_path / "1.wbxml").read_bytes()


@needs_opensc
def test_opensc_cannot_tell_the_twin(vsim_reader_factory, opensc_env, tmp_path):
    original = vsim_reader_factory("uicc", slot=0)
    twin_file = tmp_path / "twin.toml"
    assert cli("dump", "--reader", original.reader, "--out", str(twin_file)).returncode == 0
    twin = vsim_reader_factory(str(twin_file), slot=1)
    dumps = [pkcs15_tool(opensc_env, reader_index(opensc_env, h.reader), "--dump") for h in (original, twin)]
    assert dumps[0] == dumps[1] and "DM_Bootstrap" in dumps[0]
