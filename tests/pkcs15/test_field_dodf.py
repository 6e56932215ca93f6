"""DODF and ODF content as field cards encode it (vectors from real-cards.md, each with its source): each
entry decodes on its own, field variants of oidDO are accepted, anything else is kept raw and never
stops the lookup of the bootstrap object."""

from hypothesis import given
from hypothesis import strategies as st

from cardboot import tlv
from cardboot.pkcs15.dodf import read_dodf
from cardboot.pkcs15.bootstrap_rule import BootstrapRule, ObjectSelector
from cardboot.pkcs15.odf import read_odf

# Nordic nRF Connect SDK test vector (tests/lib/uicc_lwm2m), real-cards.md: oidDO [1] with empty
# CommonObjectAttributes, label in the class attributes, OidDO SEQUENCE inside [1], OID wrapped twice
NORDIC_ODF = bytes.fromhex("A706300404026430")
NORDIC_LWM2M = bytes.fromhex("A127300030110C0F") + b"LwM2M Bootstrap" + \
    bytes.fromhex("A110300E06060604672B0901300404026432")
# The same object with the OID once (real-cards.md: "Other cards encode the OID once: 06 04 67 2B 09 01")
LWM2M_OID_ONCE = bytes.fromhex("A125300030110C0F") + b"LwM2M Bootstrap" + \
    bytes.fromhex("A10E300C0604672B0901300404026432")
# ... and in the ISO/IEC 7816-15 form (implicit [1] OidDO: no SEQUENCE inside), OID once
LWM2M_ISO = bytes.fromhex("A123300030110C0F") + b"LwM2M Bootstrap" + \
    bytes.fromhex("A10C0604672B0901300404026432")
# GlobalPlatform-style access rule object, real-cards.md (path filled in: 4200)
GP_ENTRY = bytes.fromhex("A12B3000300F0C0D") + b"SATSA GTO 1.1" + \
    bytes.fromhex("A1163014060C2B0601040 12A026E03010101300404024200".replace(" ", ""))
# real-cards.md: "A second ODF seen in a vector" — DODF 4407, [5] CDF-trusted 4404, FF padding
SECOND_ODF = bytes.fromhex("A70630040402 4407 A50630040402 4404 FFFFFF".replace(" ", ""))
# The DM bootstrap opaqueDO (PKCS#15 v1.1 DataType opaqueDO, label DM_Bootstrap, path 5300), checked
# with `openssl asn1parse` when this vector was written
DM_ENTRY = bytes.fromhex("302C300E0C0C444D5F426F6F74737472617030120C104F4D4120444D20426F6F747374726170"
                         "A106300404025300")
def test_nordic_vector_decodes_with_both_variants_noted():
    objects, skipped = read_dodf(NORDIC_LWM2M)
    [o] = objects
    assert not skipped
    assert o.form == "oid" and o.oid == "2.23.43.9.1" and o.known_as == "OMA LwM2M bootstrap"
    assert o.label is None and o.application_name == "LwM2M Bootstrap" and o.title == "LwM2M Bootstrap"
    assert o.path.path == bytes.fromhex("6432")
    assert o.variants == ("OidDO SEQUENCE kept inside [1]", "OID wrapped twice")


def test_oid_once_and_iso_form_are_the_same_object():
    a = read_dodf(LWM2M_OID_ONCE)[0][0]
    b = read_dodf(LWM2M_ISO)[0][0]
    c = read_dodf(NORDIC_LWM2M)[0][0]
    assert a == b == c
    assert a.variants == ("OidDO SEQUENCE kept inside [1]",) and b.variants == ()


def test_nordic_odf_and_the_second_odf_vector():
    [entry], skipped = read_odf(NORDIC_ODF)
    assert entry.kind == "DODF" and entry.path.path == bytes.fromhex("6430") and not skipped
    entries, skipped = read_odf(SECOND_ODF)
    assert [(e.kind, e.path.path.hex().upper()) for e in entries] == [("DODF", "4407"), ("CDF-trusted", "4404")]
    assert not skipped


def test_a_foreign_entry_first_does_not_hide_the_bootstrap():
    data = NORDIC_LWM2M + DM_ENTRY + GP_ENTRY + bytes.fromhex("A2 03 020101".replace(" ", "")) + b"\xff" * 20
    objects, skipped = read_dodf(data, "EF(DODF) 6430")
    assert [o.title for o in objects] == ["LwM2M Bootstrap", "DM_Bootstrap", "SATSA GTO 1.1"]
    assert [o.offset for o in objects] == [0, 41, 87]
    [raw] = skipped
    assert raw.offset == 132 and raw.raw == bytes.fromhex("A203020101") and "[2]" not in raw.reason
    assert "no DataType alternative" in str(raw) and "EF(DODF) 6430 entry at byte 132" in str(raw)
    assert BootstrapRule().choose(objects).label == "DM_Bootstrap"
    assert ObjectSelector("2.23.43.9.1").choose(objects).title == "LwM2M Bootstrap"


def test_the_fallback_never_picks_another_applications_object():
    """Without the DM names, the rule's fallback skips objects a well-known OID gives away."""
    unnamed = bytes.fromhex("3012" "3000" "3000" "A10C" "300A" "04025300" "020100" "800100")
    objects, skipped = read_dodf(NORDIC_LWM2M + unnamed)
    assert not skipped and len(objects) == 2
    assert BootstrapRule().choose(objects) is None
    chosen = BootstrapRule().fallback(objects)
    assert chosen is objects[1] and chosen.path.index == 0 and chosen.path.length == 0
    assert BootstrapRule().fallback(objects[:1]) is None


def test_padding_and_empty_directories():
    assert read_dodf(b"\xff" * 64) == ([], [])
    assert read_dodf(b"\x00" * 8 + DM_ENTRY + b"\x00\xff" * 8)[0][0].label == "DM_Bootstrap"
    assert read_odf(b"\xff" * 16) == ([], [])


def test_an_entry_that_does_not_decode_is_kept_and_the_next_still_counts():
    broken = bytes.fromhex("3005" "0C03414243")  # an opaqueDO without its required parts
    objects, skipped = read_dodf(broken + DM_ENTRY)
    assert [o.label for o in objects] == ["DM_Bootstrap"]
    assert skipped[0].offset == 0 and skipped[0].raw == broken


def test_a_broken_length_keeps_the_rest_raw():
    objects, skipped = read_dodf(DM_ENTRY + bytes.fromhex("30 7F 01 02".replace(" ", "")) + b"\xff" * 4)
    assert [o.label for o in objects] == ["DM_Bootstrap"]
    assert skipped[0].offset == len(DM_ENTRY) and "announces" in skipped[0].reason


foreign_tags = st.sampled_from([0x30, 0xA0, 0xA1, 0xA2, 0xA5, 0xBF20, 0x04, 0x06, 0x0C])


@st.composite
def foreign_entries(draw):
    """Any framing-valid TLV: what another application may put in the DODF, well formed or not inside."""
    tag = draw(foreign_tags)
    value = draw(st.one_of(st.binary(max_size=48), st.sampled_from([b"", NORDIC_LWM2M, GP_ENTRY[2:]])))
    return tlv.encode(tag, value)


@given(st.lists(foreign_entries(), max_size=5), st.lists(foreign_entries(), max_size=5),
       st.sampled_from([b"", b"\xff" * 7, b"\x00" * 3]))
def test_random_entries_around_the_bootstrap_never_stop_the_lookup(before, after, padding):
    data = b"".join(before) + DM_ENTRY + b"".join(after) + padding
    objects, skipped = read_dodf(data)
    chosen = BootstrapRule().choose(objects)
    assert chosen is not None and chosen.label == "DM_Bootstrap" and chosen.path.path == b"\x53\x00"
    assert all(s.raw for s in skipped)
