"""Card layouts are data: errors in them name the file and the line."""

import pytest

import vsim
from cardboot.errors import ProfileError
from vsim.profile import builtin_profiles, parse_profile

GOOD = """
[card]
family = "uicc"
atr = "3B 02 14 50"

[[pin]]
name = "ADM1"
ref = 0x0A
value = "88888888"

[[file]]
path = "3F00"
type = "mf"

[[file]]
path = "3F00/2FE2"
type = "transparent"
size = 10
read = "always"
update = "ADM1"
"""


def test_builtin_profiles_load():
    assert {"sim", "uicc"} <= set(builtin_profiles())
    for name in ("sim", "uicc"):
        card = vsim.load_card(name)
        assert card.atr[0] == 0x3B


def test_good_profile():
    prof = parse_profile(GOOD, "good.toml")
    assert prof.mf.children[0x2FE2].size == 10


@pytest.mark.parametrize(
    "old, new, line, reason",
    [
        ('path = "3F00/2FE2"', 'path = "3F00/2FXE"', 16, "bad FID"),
        ("size = 10", "size = 0", 18, "size"),
        ('type = "transparent"\nsize = 10', 'type = "transparent"\nsize = 10\ncontent = "ZZ"', 19, "hex"),
        ('update = "ADM1"', 'update = "PIN9"', 20, "names no PIN"),
        ('path = "3F00/2FE2"', 'path = "3F00"', 16, "twice"),
    ],
)
def test_layout_errors_name_file_and_line(old, new, line, reason):
    text = GOOD.replace(old, new, 1)
    with pytest.raises(ProfileError) as e:
        parse_profile(text, "bad.toml")
    assert e.value.file == "bad.toml"
    assert reason.lower() in str(e.value).lower()
    assert e.value.line == line, str(e.value)


def test_duplicate_fid():
    text = GOOD + '\n[[file]]\npath = "3F00/2FE2"\ntype = "transparent"\nsize = 4\n'
    with pytest.raises(ProfileError, match="(?i)duplicate|twice|already"):
        parse_profile(text, "dup.toml")


def test_not_toml():
    with pytest.raises(ProfileError) as e:
        parse_profile("[card\nfamily=1", "broken.toml")
    assert e.value.line == 1
