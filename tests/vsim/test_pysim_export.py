"""vsim.pysim_export: a real card's pySim-shell export as a layout, its bytes taken verbatim (the exports
are tests/data/real-cards/, see its README)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vsim
from tests.helpers import cli
from tests.real_cards import real_cards
from vsim.pysim_export import ExportError, layout_from_export, parse_export

FAIRWAVES = next(c for c in real_cards() if c.name == "Fairwaves-SIM")
# the export's own lines for EF.DIR (card_backup_3b9f96801fc78031a073be21136744220610000001a9_...)
EF_DIR_FCP = ("624382050221002a0183022f00a50ac00100cd02ff00ca01848a0105ab20800101900080011ea40683010a9501088001"
              "6097008401d4a40683010a9501088002002a8801f0")
EF_DIR_RECORD = "611d4f10a0000000871002ffffffff890103000050084d54542d5553494dffffffffffffffffffffffff"


def test_the_twin_answers_with_the_cards_own_bytes(tmp_path):
    text = FAIRWAVES.text()
    assert f"# RAW FCP Template: {EF_DIR_FCP}" in text and f"update_record 1 {EF_DIR_RECORD}" in text
    card = vsim.load_card(FAIRWAVES.layout(tmp_path))
    efdir = card.mf.children[0x2F00]
    assert efdir.fcp_raw == bytes.fromhex(EF_DIR_FCP) and bytes(efdir.data) == bytes.fromhex(EF_DIR_RECORD)
    assert card.pins[0x0A].value == bytes.fromhex(FAIRWAVES.adm1) and card.t0  # T=0-only ATR
    usim = next(n for n in card.mf.children.values() if getattr(n, "aid", None))
    assert usim.aid == bytes.fromhex("A0000000871002FFFFFFFF8901030000")  # the FCP's 84, not pySim's short name


def test_every_file_the_export_holds_is_in_the_layout():
    for card in real_cards():
        files, skipped = parse_export(card.text())
        text = layout_from_export(card.text(), atr=card.atr, adm1=card.adm1_bytes)
        twin = vsim.parse_profile(text)
        kept = [f for f in files if f.fcp[:1] == b"\x62" and f.structure != "ber_tlv"]
        assert len(list(twin.mf.walk())) == len(kept), card.name
        for f in files:  # what is left out is said
            if f not in kept:
                assert f"# left out: {f.name}: " in text
        assert all(" SW match failed" not in s for s in skipped)


def test_the_command_writes_a_private_layout(tmp_path):
    script = tmp_path / "export.script"
    script.write_text(FAIRWAVES.text())
    out = tmp_path / "twin.toml"
    r = cli("vsim", "from-pysim", str(script), "--atr", FAIRWAVES.atr.hex(), "--adm-env", "T_ADM", "--out", str(out),
            env={"T_ADM": FAIRWAVES.adm1})
    assert r.returncode == 0, r.stderr
    assert out.stat().st_mode & 0o077 == 0 and FAIRWAVES.adm1 not in r.stdout + r.stderr
    assert cli("inspect", "--vsim", str(out)).returncode == 0
    bad = cli("vsim", "from-pysim", str(out), "--atr", "3B00", "--adm-env", "T_ADM", "--out", str(tmp_path / "x"),
              env={"T_ADM": "12345678"})
    assert bad.returncode == 2 and "not a pySim-shell export" in bad.stderr and "Traceback" not in bad.stderr


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "# directory: MF (3f00)", "# directory: MF/EF.X (3f00/2f00)", "# directory: MF/ADF.U (3f00/a000000087)",
    "# RAW FCP Template: 62", "# RAW FCP Template: 6203820141", "# RAW FCP Template: zz", "# structure: transparent",
    "# structure: linear_fixed", "update_binary 00ff", "update_binary 0", "update_record 1 ff", "update_record x 00",
    "# bad file: MF/EF.Y, SW", "select MF", "#", ""]), max_size=30))
def test_any_script_is_a_layout_or_an_export_error(lines):
    text = "\n".join(lines)
    try:
        layout = layout_from_export(text, atr=bytes.fromhex("3B00"), adm1=b"12345678")
    except ExportError:
        return
    try:
        vsim.parse_profile(layout)
    except Exception as e:  # the converter's output may name a file the layout reader refuses: typed
        assert type(e).__name__ == "ProfileError", e


def test_names_with_quotes_and_long_lengths_stay_a_layout():
    """A file name from the export (or the script's name) with a quote or a backslash is a TOML string, not
    a broken layout; an FCP item with a long-form (81) length is read past."""
    from vsim.pysim_export import _fcp_item

    text = ("# directory: MF (3f00)\n# RAW FCP Template: 620a820278218302" "3f008a0105\n"
            '# directory: MF/EF."x\\\\y (3f00/2f00)\n# structure: transparent\n'
            "# RAW FCP Template: 620f82024121830" "22f00" "80020002" "8a0105\nupdate_binary 0102\n")
    layout = layout_from_export(text, atr=bytes.fromhex("3B00"), adm1=b"12345678", name='a "card"\\x')
    twin = vsim.parse_profile(layout)
    assert twin.name == 'twin of a "card"\\x' and twin.mf.children[0x2F00].name == 'EF."x\\\\y'
    assert _fcp_item(bytes.fromhex("62 81 88 A5 81 80") + b"\x00" * 0x80 + bytes.fromhex("83 02 2F 00"), 0x83) \
        == bytes.fromhex("2F00")
