"""vsim speaks TS 102 222: CREATE FILE / DELETE FILE / (DE)ACTIVATE FILE on the blank-uicc layout.

The CREATE FILE / DELETE FILE APDUs below are the ones in Onomondo's softsim test scripts for the same
commands (GPL-3.0, quoted as byte vectors only): an EF and a DF created with an EF.ARR reference, a
proprietary A5 template, and an EF.DIR created with a shortened linear-fixed descriptor (record length,
no record count: the count follows from the size).
"""

from __future__ import annotations

import pytest

import vsim
from vsim.state import load_state, save_state

def create(body: str) -> str:
    """CREATE FILE around an FCP body given as hex (lengths computed)."""
    b = bytes.fromhex(body.replace(" ", ""))
    fcp = bytes([0x62, len(b)]) + b
    return "00E00000" + bytes([len(fcp)]).hex() + fcp.hex()


ADM = "0020000A08" + "38" * 8
ONOMONDO_CREATE_EF = "00E0000021621F82024121 83022F05 8A0105 8B032F0605 8002000A 880128 A506D00130D2010F"
ONOMONDO_DELETE_EF = "00E40000022F05"
ONOMONDO_CREATE_DF = "00E000001762158202782183027F208A01058B032F0601A503D20107"
# EF.DIR of the same script: 82 04 42 21 00 26 (record length 38, no count), 80 02 00 98 = 4 records
SHORT_LINEAR = create("820442210026 83022F10 8A0105 8B032F0601 80020098")


def apdu(card, hexstr: str) -> tuple[bytes, int]:
    r = card.process(bytes.fromhex(hexstr.replace(" ", "")))
    return r[:-2], int.from_bytes(r[-2:], "big")


@pytest.fixture
def blank():
    card = vsim.load_card("blank-uicc")
    card.power_on()
    return card


def test_create_needs_the_df_rule_then_selects_the_new_file(blank):
    assert apdu(blank, ONOMONDO_CREATE_EF)[1] == 0x6982  # MF: CREATE needs ADM1 (EF.ARR record 3)
    assert apdu(blank, ADM)[1] == 0x9000
    assert apdu(blank, ONOMONDO_CREATE_EF)[1] == 0x9000
    ef = blank.mf.children[0x2F05]
    assert (ef.size, ef.sfi, ef.structure, bytes(ef.data)) == (10, 5, "transparent", b"\xff" * 10)
    assert blank.channels[0].current_ef is ef  # TS 102 222: the created file is the current file
    assert apdu(blank, ONOMONDO_CREATE_EF)[1] == 0x6A89  # file ID already exists


def test_created_file_answers_its_fcp_and_its_own_rules(blank):
    apdu(blank, ADM)
    assert apdu(blank, ONOMONDO_CREATE_DF)[1] == 0x9000
    fcp, sw = apdu(blank, "00A40004027F2000")
    assert sw == 0x9000 and bytes.fromhex("8B032F0601") in fcp and bytes.fromhex("83027F20") in fcp
    # EF inside it referencing MF EF.ARR record 1 (READ ALW, UPDATE ADM1), found through the parents
    assert apdu(blank, create("82024121 83026F01 8A0105 8B032F0601 80020004 8800"))[1] == 0x9000
    assert apdu(blank, "00D6000002 1234")[1] == 0x9000
    assert apdu(blank, "00B0000004")[0] == bytes.fromhex("1234FFFF")
    blank.power_off(), blank.power_on()  # ADM gone: READ still ALW, UPDATE refused
    apdu(blank, "00A40804047F206F0100")
    assert apdu(blank, "00B0000002")[1] == 0x9000
    assert apdu(blank, "00D6000001 00")[1] == 0x6982


def test_rule_in_an_empty_arr_record_allows_nothing(blank):
    apdu(blank, ADM)
    apdu(blank, ONOMONDO_CREATE_EF)  # references 2F06 record 5: empty in blank-uicc
    assert apdu(blank, "00B0000001")[1] == 0x6982
    assert apdu(blank, ONOMONDO_DELETE_EF)[1] == 0x6982  # its DELETE rule is not met either


def test_delete_frees_the_fid_and_the_memory(blank):
    apdu(blank, ADM)
    create_big = create("82024121 83025031 8A0105 8B032F0601 80023000 8800")
    assert apdu(blank, "00A4000C027F50")[1] == 0x9000
    assert apdu(blank, create_big)[1] == 0x9000
    assert apdu(blank, create_big)[1] == 0x6A89  # the FID is taken before memory is counted
    assert apdu(blank, create_big.replace("83025031", "83025032"))[1] == 0x6A84  # 2 x 12288 > 16384
    assert apdu(blank, "00A4000C027F50")[1] == 0x9000
    assert apdu(blank, "00E4000002 5031")[1] == 0x9000
    assert apdu(blank, "00A400040250 3100")[1] == 0x6A82
    assert apdu(blank, create_big)[1] == 0x9000


def test_shortened_linear_descriptor_and_bad_fcps(blank):
    apdu(blank, ADM)
    assert apdu(blank, SHORT_LINEAR)[1] == 0x9000
    ef = blank.mf.children[0x2F10]
    assert (ef.record_size, ef.record_count) == (38, 4)
    for bad in (create("83022F11 8B032F0601 80020010"),              # no descriptor
                create("82024121 83022F11 80020010"),                 # no security attributes
                create("82024121 83023F00 8B032F0601 80020010"),      # the MF's FID
                create("8205422100 2603 83022F12 8B032F0601 80020050"),  # 80 bytes != 3 x 38
                create("82024121 83022F13 8B032F0601 8C0101 80020010"),  # two forms of attributes
                "00E00000056203820178"):  # truncated template
        assert apdu(blank, bad)[1] in (0x6A80, 0x6700), bad


def test_deactivated_ef_is_neither_read_nor_updated(blank):
    apdu(blank, ADM)
    assert apdu(blank, "00A4000C022FE2")[1] == 0x9000
    assert apdu(blank, "0004000000"[:8])[1] == 0x9000  # DEACTIVATE the current file
    assert apdu(blank, "00B000000A")[1] == 0x6283
    fcp, _ = apdu(blank, "00A40004022FE200")
    assert bytes.fromhex("8A0104") in fcp
    assert apdu(blank, "00440000022FE2")[1] == 0x9000
    assert apdu(blank, "00B000000A")[1] == 0x9000


def test_state_file_replays_created_and_deleted_files(blank, tmp_path):
    apdu(blank, ADM)
    apdu(blank, ONOMONDO_CREATE_DF)
    apdu(blank, create("82024121 83026F01 8A0105 8B032F0601 80020004 8800"))
    apdu(blank, "00D6000002ABCD")
    apdu(blank, "00A4000C023F00")
    apdu(blank, SHORT_LINEAR)
    apdu(blank, "00A4000C023F00")
    apdu(blank, "00E40000022F10")
    state = tmp_path / "card.json"
    save_state(blank, state)
    again = vsim.load_card("blank-uicc")
    assert load_state(again, state)
    assert 0x2F10 not in again.mf.children
    ef = again.mf.children[0x7F20].children[0x6F01]
    assert bytes(ef.data) == bytes.fromhex("ABCDFFFF") and ef.enforce_security


def test_sim_has_no_create_file():
    sim = vsim.load_card("blank-sim")
    sim.power_on()
    assert apdu(sim, "A0E00000056203820178 00"[:-3])[1] == 0x6D00  # TS 51.011 9.4.6: unknown instruction


def test_filling_and_repeat_patterns_and_the_memory_the_df_reports(blank):
    apdu(blank, ADM)
    fcp, _ = apdu(blank, "00A40004023F0000")
    assert bytes.fromhex("A50483") in fcp  # available memory, TS 102 221 11.1.1.4.6.4
    free = int.from_bytes(fcp[fcp.index(bytes.fromhex("A50483")) + 4:][:2], "big")
    assert apdu(blank, create("82024121 83022F20 A505C1031100FF 8B032F0601 80020006"))[1] == 0x9000
    assert bytes(blank.mf.children[0x2F20].data) == bytes.fromhex("1100FFFFFFFF")  # W-1 bytes, then the last
    apdu(blank, "00A4000C023F00")
    assert apdu(blank, create("8205422100020383022F21 A504C2020102 8B032F0601 80020006"))[1] == 0x9000
    assert bytes(blank.mf.children[0x2F21].data) == bytes.fromhex("010201020102")  # per record
    fcp, _ = apdu(blank, "00A40004023F0000")
    assert int.from_bytes(fcp[fcp.index(bytes.fromhex("A50483")) + 4:][:2], "big") == free - 12
