"""The wire model (ISO/IEC 7816-3 character times) with hand-counted vectors."""

import pytest

from vsim.link import LinkModel


def test_t0_read_binary_256_bytes_at_9600():
    link = LinkModel(9600, "T=0")
    # header 5 (P3 = Le), procedure byte 1, 256 data bytes, SW 2 = 264 characters of 12 etu
    assert link.wire_bytes(0, 256, 256) == 264
    assert link.seconds(0, 256, 256) == pytest.approx(264 * 12 / 9600)


def test_t0_update_binary_255_bytes():
    # header 5 with P3 = Lc, 255 data bytes, procedure byte, SW
    assert LinkModel(9600, "T=0").wire_bytes(255, None, 0) == 5 + 255 + 1 + 2


def test_t1_frames_each_way():
    link = LinkModel(115200, "T=1")
    # command I-block: NAD PCB LEN + (CLA INS P1 P2 Le) + LRC; response: NAD PCB LEN + 256 + SW + LRC
    assert link.wire_bytes(0, 256, 256) == (3 + 5 + 1) + (3 + 256 + 2 + 1)
    assert link.char_seconds == pytest.approx(11 / 115200)


def test_card_time_is_added_per_apdu():
    assert LinkModel(9600, "T=0", card_ms=2.0).seconds(0, None, 0) == pytest.approx(8 * 12 / 9600 + 0.002)
