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


PKCS15 = GOOD + """
[[file]]
path = "3F00/7F50"
type = "df"

[pkcs15]
df = "3F00/7F50"
update = "ADM1"

[pkcs15.dodf]
fid = "5207"
size = 128

[[pkcs15.pin]]
label = "ADM"
auth_id = "01"
pin = "ADM1"

[[pkcs15.data]]
label = "DM_Bootstrap"
fid = "5300"
size = 64
auth_id = "01"
private = true
"""


def test_pkcs15_section_builds_the_files():
    from cardboot.pkcs15 import decode_dodf

    prof = parse_profile(PKCS15, "p.toml")
    df = prof.mf.children[0x7F50]
    assert set(df.children) == {0x5031, 0x5032, 0x5012, 0x5207, 0x5300}
    [obj] = decode_dodf(bytes(df.children[0x5207].data))
    assert obj.label == "DM_Bootstrap" and obj.private and obj.auth_id == b"\x01"


@pytest.mark.parametrize("old, new, reason, line", [
    ('auth_id = "01"\nprivate', 'auth_id = "02"\nprivate', "matches no [[pkcs15.pin]]", 43),
    ('pin = "ADM1"', 'pin = "PIN7"', "names no PIN", 37),
    ("size = 128", "size = 8", "more than size 8", 32),
    ('df = "3F00/7F50"', 'df = "3F00/7F51"', "not declared", 27),
    ('fid = "5300"', 'fid = "53G0"', "4 hex digits", 41),
])
def test_pkcs15_section_errors_name_the_line(old, new, reason, line):
    with pytest.raises(ProfileError) as e:
        parse_profile(PKCS15.replace(old, new, 1), "p.toml")
    assert reason in str(e.value)
    assert e.value.line == line, str(e.value)
