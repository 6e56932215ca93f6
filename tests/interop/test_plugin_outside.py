"""The pytest plugin works for a project that only installed cardboot: a test file in a fresh folder,
run by its own pytest, gets ``vsim_card`` and ``vsim_reader`` without importing anything from tests/."""

import subprocess
import sys
import textwrap

import pytest

OUTSIDE_TEST = textwrap.dedent('''
    import pytest
    from cardboot.card import read_applications


    @pytest.mark.parametrize("vsim_card", ["sim", "uicc"], indirect=True)
    def test_in_process(vsim_card):
        card = vsim_card.connect()
        assert read_applications(card)[-1].kind == "PKCS#15"


    @pytest.mark.vsim_profile("sim")
    def test_real_reader(vsim_reader):
        from smartcard.System import readers
        assert vsim_reader.reader in [str(r) for r in readers()]
        conn = [r for r in readers() if str(r) == vsim_reader.reader][0].createConnection()
        conn.connect()
        data, sw1, sw2 = conn.transmit([0xA0, 0xA4, 0x00, 0x00, 0x02, 0x2F, 0xE2])
        assert (sw1, sw2) == (0x9F, 0x0F)
''')


@pytest.mark.pcsc
def test_fixtures_from_a_foreign_test_file(tmp_path, vsim_pcscd):
    (tmp_path / "test_foreign.py").write_text(OUTSIDE_TEST)
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 passed" in out.stdout
