"""vsim/pcscd.py: a vpcd port held by a client socket in TIME_WAIT (it did not set SO_REUSEADDR, so vpcd
cannot bind the port and pcscd never lists the reader) is seen before pcscd starts, and waited out; a
TIME_WAIT left by a listener's own connection (SO_REUSEADDR, as vpcd's) is not in the way."""

import socket

from vsim.pcscd import port_bindable, wait_for_ports


def _time_wait_port() -> int:
    """A port on which this machine now holds a TIME_WAIT socket (the client side closed first)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        port = client.getsockname()[1]
        client.close()
        accepted.close()
    return port


def test_a_port_in_time_wait_is_not_bindable_and_a_free_one_is():
    busy = _time_wait_port()
    assert not port_bindable(busy)
    with socket.socket() as s:
        s.bind(("", 0))
        free = s.getsockname()[1]
    assert port_bindable(free)


def test_waiting_for_ports_names_those_still_busy():
    busy = _time_wait_port()
    assert wait_for_ports([busy], timeout=0.6) == [busy]
    with socket.socket() as s:
        s.bind(("", 0))
        free = s.getsockname()[1]
    assert wait_for_ports([free], timeout=0) == []


def test_a_time_wait_of_a_reuseaddr_listener_is_not_in_the_way():
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the listener's side closes first: its TIME_WAIT is on the listening port
        client.close()
    assert port_bindable(port)
