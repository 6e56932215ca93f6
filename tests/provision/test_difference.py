"""provision/difference.py: the one report of a file that is not the same on two sides, in its two
sentences (pkcs15 init: card vs layout; diff: A | B) and as the JSON `diff --json` prints."""

from cardboot.provision.difference import CARD_VS_LAYOUT, Difference


def test_card_against_layout_reads_as_init_says_it():
    d = Difference("3F00/7F50/5300", "size", "2048 bytes", "4096 bytes", CARD_VS_LAYOUT)
    assert str(d) == "3F00/7F50/5300: size is 2048 bytes on the card, 4096 bytes in the layout"


def test_two_cards_read_as_diff_says_it_and_json_keeps_its_keys():
    d = Difference("3F00/2F06", "file", "present", "absent")
    assert str(d) == "3F00/2F06: file: present | absent"
    assert d.as_dict() == {"path": "3F00/2F06", "what": "file", "a": "present", "b": "absent"}
