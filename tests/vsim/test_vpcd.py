"""The vpcd link against a stand-in vpcd (a local TCP server speaking vsmartcard's framing): controls,
APDUs, one write per reply, reconnect after the server goes away, clean stop; state files; faults."""

import json
import socket

import pytest

import vsim
from cardboot.errors import ProfileError
from vsim.faults import FaultPlan
from vsim.state import StateKeeper, load_state, save_state
from vsim.vpcd import VPCD_CTRL_ATR, VPCD_CTRL_ON, VpcdCard, wait_for


def frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(2, "big") + payload


def recv_frame(conn) -> bytes:
    hdr = b""
    while len(hdr) < 2:
        hdr += conn.recv(2 - len(hdr))
    n = int.from_bytes(hdr, "big")
    body = b""
    while len(body) < n:
        body += conn.recv(n - len(body))
    return body


@pytest.fixture
def fake_vpcd():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(2)
    srv.settimeout(10)
    yield srv
    srv.close()


def test_controls_apdus_and_reconnect(fake_vpcd):
    port = fake_vpcd.getsockname()[1]
    card = vsim.load_card("uicc")
    server = VpcdCard(card, port=port, reconnect_delay=0.05)
    thread = server.start_thread()
    for round_ in range(2):  # the second round proves the reconnect after vpcd went away
        conn, _ = fake_vpcd.accept()
        conn.settimeout(10)
        conn.sendall(frame(bytes([VPCD_CTRL_ON])))
        conn.sendall(frame(bytes([VPCD_CTRL_ATR])))
        assert recv_frame(conn) == card.atr
        conn.sendall(frame(bytes.fromhex("00A4000C022FE2")))
        assert recv_frame(conn) == b"\x90\x00", round_
        conn.sendall(frame(bytes.fromhex("00B000000A")))
        assert recv_frame(conn) == bytes.fromhex("989444999900000020F8 9000")
        conn.close()
    server.stop()
    thread.join(5)
    assert not thread.is_alive() and server.connections >= 2


def test_reply_is_one_segment_and_socket_options(fake_vpcd):
    port = fake_vpcd.getsockname()[1]
    card = vsim.load_card("sim")
    server = VpcdCard(card, port=port)
    server.start_thread()
    conn, _ = fake_vpcd.accept()
    conn.settimeout(10)
    assert wait_for(lambda: server._sock is not None, 5)
    assert server._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    conn.sendall(frame(bytes([VPCD_CTRL_ON])))
    conn.sendall(frame(bytes.fromhex("A0A40000022FE2")))
    data = conn.recv(64)  # one read gets length and payload: they left in one write
    assert data == frame(bytes.fromhex("9F0F"))
    server.stop()


def test_fault_plan_drops_once_and_answers_sw():
    card = vsim.load_card("uicc")
    card.power_on()
    card.fault = FaultPlan(drop_after=1, sw_at={2: 0x6F00})
    assert card.process(bytes.fromhex("00A4000C022FE2")) == b"\x90\x00"
    with pytest.raises(ConnectionError):
        card.process(bytes.fromhex("00B000000A"))
    assert card.process(bytes.fromhex("00B000000A")) == b"\x6f\x00"
    assert card.process(bytes.fromhex("00B000000A"))[-2:] == b"\x90\x00"
    assert FaultPlan.parse(None, ["3:6A82"], "5:2", 1.5).sw_at == {3: 0x6A82}


def test_state_round_trip_and_atomic_save(tmp_path):
    path = tmp_path / "s.json"
    card = vsim.load_card("uicc")
    ef = card.mf.children[0x7F50].children[0x5300]
    ef.data[:4] = b"abcd"
    card.pins[1].retries = 2
    save_state(card, path)
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary left behind
    fresh = vsim.load_card("uicc")
    assert load_state(fresh, path)
    assert bytes(fresh.mf.children[0x7F50].children[0x5300].data[:4]) == b"abcd" and fresh.pins[1].retries == 2
    assert not load_state(vsim.load_card("uicc"), tmp_path / "none.json")
    keeper = StateKeeper(fresh, path)
    keeper.after(bytes.fromhex("00B0000000"))  # a read does not save
    keeper.after(bytes.fromhex("00D6000001FF"))
    assert json.loads(path.read_text())["version"] == 1


@pytest.mark.parametrize("text, reason", [
    ("{", "not valid JSON"),
    ('{"version": 9}', "unsupported state version"),
    ('{"version": 1, "files": {"3F00/9999": "00"}}', "does not have"),
    ('{"version": 1, "files": {"3F00/2FE2": "00"}}', "has 1 bytes"),
    ('{"version": 1, "pins": {"01": {"value": "zz"}}}', "damaged"),
])
def test_damaged_state_is_a_typed_error(tmp_path, text, reason):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ProfileError, match=reason):
        load_state(vsim.load_card("uicc"), path)
