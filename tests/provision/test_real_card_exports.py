"""Five real UICCs from public exports (tests/real_cards.py: pySim's tests/card_sanitizer, each file's
SELECT response and content as the card gave them, unedited) as virtual twins: pkcs15 init -> write ->
read -> verify -> erase, and dump -> load -> dump -> diff (issue 25).

What they bring that cardboot's own layouts did not: an EF.DIR template whose length counts padding
(Fairwaves-SIM), an EF.DIR with one record, used by the USIM (Fairwaves-SIM), no PKCS#15 ADF with the MF's
files referencing EF.ARR 2F06 (Wavemobile-SIM, sysmoISIM-*), 16-hex-digit ADM keys (Fairwaves-SIM,
Wavemobile-SIM), USIM ADFs whose FCP has no 83 (sysmoISIM-SJA2/SJA5) or 83 = 7FFF (sysmoUSIM-SJS1,
Fairwaves-SIM), T=0-only ATRs."""

from __future__ import annotations

import pytest

import vsim
from cardboot.card.fcp import decode_fcp
from cardboot.cli.main import main
from tests.real_cards import PIN1, real_cards
from vsim.state import StateKeeper, dump_state

CARDS = {c.name: c for c in real_cards()}
VARS = "profiles/vars/example.toml"
EF_DIR = "3F00/2F00"


def content_of(layout, state) -> dict[str, str]:
    card = vsim.load_card(layout)
    keeper = StateKeeper(card, state)
    keeper.acquire(5)
    try:
        return dump_state(card)["files"]
    finally:
        keeper.release()


@pytest.fixture
def env(monkeypatch):
    def set_card(card):
        monkeypatch.setenv("T_ADM", card.adm1)
        monkeypatch.setenv("T_PIN", PIN1.decode())
    return set_card


def test_the_five_cards_are_there():
    assert sorted(CARDS) == ["Fairwaves-SIM", "Wavemobile-SIM", "sysmoISIM-SJA2", "sysmoISIM-SJA5-S17",
                             "sysmoUSIM-SJS1"]


@pytest.mark.parametrize("name", sorted(CARDS))
def test_init_write_read_verify_erase(tmp_path, env, capsys, name):
    card = CARDS[name]
    env(card)
    layout = card.layout(tmp_path)
    state = tmp_path / "card.json"
    spec = f"{layout}:{state}"
    before = content_of(layout, state)
    init = ["pkcs15", "init", "--layout", "uicc", "--vsim", spec, "--adm-env", "T_ADM"]
    if name == "Fairwaves-SIM":  # one EF.DIR record, used by the USIM: the operator must choose
        assert main(init) == 5
        out = capsys.readouterr().out
        assert "give --recreate to grow it by one record" in out and "nothing was changed" in out
        assert content_of(layout, state) == before
        init.append("--recreate")
    assert main(init) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "initialized, every change read back" in out
    mf_arr = decode_fcp(vsim.load_card(layout).mf.fcp_raw).access.arr  # the MF's own rules in EF.ARR?
    # the new ADF's files reference the MF's EF.ARR where the MF uses one (TS 102 221 9.2.7), else AB
    assert ("its files reference the MF's EF.ARR 3F00/2F06" in out) == (mf_arr is not None)
    assert main(init) == 0 and "already as the layout says" in capsys.readouterr().out
    after = content_of(layout, state)
    for path, data in before.items():  # what the card had is still there, byte for byte
        if path == EF_DIR:  # every used record kept; the new one in a free record or after them
            size = 2 * vsim.load_card(layout).mf.children[0x2F00].record_size
            old = [data[i:i + size] for i in range(0, len(data), size)]
            new = [after[path][i:i + size] for i in range(0, len(after[path]), size)]
            assert all(o == n for o, n in zip(old, new) if set(o) != {"F"})
            assert len(new) == len(old) + (name == "Fairwaves-SIM")
        elif not path.endswith("/2F06"):  # EF.ARR: a free record may take the new rules
            assert after[path] == data, path
    message = tmp_path / "m.wbxml"
    assert main(["message", "build", "--vars", VARS, "--out", str(message)]) == 0
    assert main(["write", "--vsim", spec, "--message", str(message), "--adm-env", "T_ADM", "--pin-env", "T_PIN"]) == 0
    assert main(["read", "--vsim", spec, "--out", str(tmp_path / "back.wbxml")]) == 0
    assert (tmp_path / "back.wbxml").read_bytes() == message.read_bytes()
    assert main(["verify", "--vsim", spec, "--message", str(message)]) == 0
    assert main(["erase", "--vsim", spec, "--adm-env", "T_ADM"]) == 0
    assert main(["verify", "--vsim", spec, "--message", str(message)]) == 6
    capsys.readouterr()
    assert main(["inspect", "--vsim", spec]) == 0
    text = capsys.readouterr().out
    assert "PKCS#15     EF.DIR record" in text and ", T=0" in text.splitlines()[0]
    if name == "Fairwaves-SIM":
        assert "counts 1 byte(s) of padding" in text


def test_no_efdir_leaves_a_full_efdir_alone_and_says_what_it_costs(tmp_path, env, capsys):
    card = CARDS["Fairwaves-SIM"]
    env(card)
    layout = card.layout(tmp_path)
    state = tmp_path / "card.json"
    before = content_of(layout, state)
    assert main(["pkcs15", "init", "--layout", "uicc", "--vsim", f"{layout}:{state}", "--adm-env", "T_ADM",
                 "--no-efdir"]) == 0
    out = capsys.readouterr().out
    assert "reachable by its AID only" in out and "D.3.1" in out
    assert content_of(layout, state)[EF_DIR] == before[EF_DIR]
    assert main(["inspect", "--vsim", f"{layout}:{state}"]) == 0
    assert "ADF selected directly by the PKCS#15 AID" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(CARDS))
def test_dump_load_dump_diff(tmp_path, env, capsys, name):
    card = CARDS[name]
    env(card)
    layout = card.layout(tmp_path)
    twin, twin2 = tmp_path / "twin.toml", tmp_path / "twin2.toml"
    assert main(["dump", "--vsim", str(layout), "--adm-env", "T_ADM", "--pin-env", "T_PIN", "--out", str(twin)]) == 0
    out = capsys.readouterr().out
    assert "not reached" not in out  # every application EF.DIR lists, with or without an FID of its own
    text = twin.read_text()
    assert "7FFF" not in "".join(line for line in text.splitlines() if line.startswith("path"))
    assert ('value_hex' in text) == (len(card.adm1) == 16)
    assert main(["dump", "--vsim", str(twin), "--adm-env", "T_ADM", "--pin-env", "T_PIN", "--out", str(twin2)]) == 0
    assert main(["diff", str(layout), str(twin)]) == 0
    assert main(["diff", str(twin), str(twin2)]) == 0
    def body(path):  # the layout without the lines naming where it came from
        return [line for line in path.read_text().splitlines()
                if not line.startswith("#") and not line.startswith('name = "twin of')]
    assert body(twin) == body(twin2)
    pins = vsim.parse_profile(twin.read_text()).pins  # the values given, each for its own key only
    assert pins[0x0A].value == card.adm1_bytes and pins[0x01].value == PIN1
    assert all(p.value == b"00000000" for ref, p in pins.items() if ref not in (0x01, 0x0A))
