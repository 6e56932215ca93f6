"""The LwM2M TLV codec and EF LwM2M_Bootstrap content against bytes we did not write: Nordic's nRF Connect
SDK test vector (tests/lib/uicc_lwm2m: the EF as its modem library reads it) and the TLV examples of the
LwM2M TS (Device object: a string, a multiple resource with 8-bit-length and in-type-length instances);
typed errors with byte offsets; hypothesis round trips and garbage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from cardboot.errors import DecodeError
from cardboot.lwm2m import tlv
from cardboot.lwm2m.bootstrap import Instance, LwBootstrap, LwObject, decode_ef, describe, encode_ef, first_contact
from cardboot.lwm2m.template import fill, load
from cardboot.lwm2m.validate import validate

# nRF Connect SDK tests/lib/uicc_lwm2m: EF(DODF-bootstrap) 6432 as read by AT+CSIM (its FF padding included)
NORDIC = bytes.fromhex("00010036000000003108002EC80025636F61703A2F2F6C657368616E2E65636C6970736570726F6A656374732E"
                       "696F3A35373833C10101C10203FFFF")


def test_nordics_vector_decodes_and_encodes_back_byte_for_byte():
    boot = decode_ef(NORDIC)
    (obj,) = boot.objects
    assert obj.object_id == 0 and obj.version is None
    (inst,) = obj.instances
    assert inst.ident == 0
    assert inst.values == {0: "coap://leshan.eclipseprojects.io:5783", 1: True, 2: 3}
    assert encode_ef(boot) == NORDIC[:-2]
    assert first_contact(boot) == ["bootstrap from coap://leshan.eclipseprojects.io:5783 (nosec, client-initiated bootstrap)"]
    assert validate(boot) == []


def test_the_ts_device_object_examples():
    # Manufacturer "Open Mobile Alliance": resource 0, 8-bit length field
    manufacturer = bytes.fromhex("C800144F70656E204D6F62696C6520416C6C69616E6365")
    (r,) = tlv.decode(manufacturer)
    assert (r.kind, r.ident, r.value) == (tlv.RESOURCE, 0, b"Open Mobile Alliance")
    # Available Power Sources (6): instances 0 = 1, 1 = 5, lengths in the type byte
    sources = bytes.fromhex("86064100014101 05".replace(" ", ""))
    (m,) = tlv.decode(sources)
    assert m.kind == tlv.MULTIPLE_RESOURCE and [(i.ident, tlv.decode_int(i.value)) for i in m.children] == [(0, 1), (1, 5)]
    # Power Source Voltage (7): 3800 and 5000 mV, the multiple resource's length in an 8-bit field
    voltage = bytes.fromhex("88070842000ED842011388")
    (v,) = tlv.decode(voltage)
    assert [(i.ident, tlv.decode_int(i.value)) for i in v.children] == [(0, 3800), (1, 5000)]
    for data in (manufacturer, sources, voltage):
        assert tlv.encode(tlv.decode(data)) == data


@pytest.mark.parametrize("data, says, offset", [
    (bytes.fromhex("C8"), "truncated header", 0),
    (bytes.fromhex("C80005414243"), "a 5-byte value past the end (3 left)", 0),
    (bytes.fromhex("0303C10101" "4100"), "resource instance at the top", 5),
    (bytes.fromhex("0303410007"), "resource instance inside a object instance", 2),
    (bytes.fromhex("8301C10101"), "resource inside a multiple resource", 2),
])
def test_malformed_tlv_says_what_and_where(data, says, offset):
    with pytest.raises(tlv.LwTlvError) as caught:
        tlv.decode(data)
    assert says in str(caught.value) and caught.value.offset == offset


@pytest.mark.parametrize("content, says", [
    (b"\x00\x01", "shorter than the 4-byte header"),
    (bytes.fromhex("00010040"), "announces 64 bytes of objects, 0 follow"),
    (NORDIC[:-2] + b"\x00", "other than FF after the content"),
    (bytes.fromhex("00020005" "0000" "00" "0000"), "object 2 of 2: truncated header"),
])
def test_a_broken_ef_content_is_refused_with_its_place(content, says):
    with pytest.raises(DecodeError, match=says):
        decode_ef(content)


def test_a_boolean_that_is_no_boolean_names_its_byte_in_the_ef():
    broken = NORDIC.replace(bytes.fromhex("C10101"), bytes.fromhex("C10102"))
    with pytest.raises(DecodeError) as caught:
        decode_ef(broken)
    assert caught.value.offset == 52 and "boolean of 02" in str(caught.value)


def test_the_shipped_template_builds_a_valid_bootstrap_with_its_secrets_masked():
    boot = load("lwm2m-bootstrap", "profiles/vars/lwm2m-example.toml")
    assert validate(boot) == []
    data = encode_ef(boot)
    back = decode_ef(data + b"\xff" * 100)
    assert encode_ef(back) == data
    text = describe(back)
    assert "000102030405060708090A0B0C0D0E0F" not in text and "secret_key = ****" in text
    assert "000102030405060708090A0B0C0D0E0F" in describe(back, show_secrets=True)
    assert first_contact(back) == ["register with coaps://lwm2m.example.com:5684 (short server ID 101, psk, lifetime "
                                   "86400 s, binding U)"]


@pytest.mark.parametrize("change, finding", [
    (lambda t: t["security"][1].pop("short_server_id"), "needs a short server ID 1..65534"),
    (lambda t: t["server"][0].update(short_server_id=7), "no Server instance has short server ID 101"),
    (lambda t: t["security"][1].pop("secret_key"), "mode psk needs resource 5 (secret key)"),
    (lambda t: t["security"][1].update(uri="coap://lwm2m.example.com"), "mode psk needs a coaps URI"),
    (lambda t: t["security"][1].update(uri="http://lwm2m.example.com"), "is no coap/coaps URI"),
    (lambda t: t["security"][1].update(bootstrap=True), "more than one bootstrap-server account"),
    (lambda t: t["server"][0].update(binding="X"), "binding 'X' is not made of U, T, S, N, Q"),
    (lambda t: t["security"][0].update(mode="nosec"), "is secure and the mode is NoSec"),
])
def test_each_rule_names_its_clause(change, finding):
    import tomllib

    template = tomllib.loads(open("profiles/templates/lwm2m-bootstrap.toml").read())
    variables = tomllib.loads(open("profiles/vars/lwm2m-example.toml").read())
    change(template)
    findings = [str(f) for f in validate(fill(template, variables))]
    assert any(finding in f and "LwM2M Core" in f for f in findings), findings


def test_a_template_with_an_unknown_resource_or_variable_is_refused():
    from cardboot.errors import MessageError

    with pytest.raises(MessageError, match="'colour' is no resource"):
        fill({"security": [{"colour": "red"}]}, {})
    with pytest.raises(MessageError, match="variable 'uri' is not set"):
        fill({"security": [{"uri": "{uri}"}]}, {})


values = st.one_of(st.integers(-2**63, 2**63 - 1), st.binary(max_size=300))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 65535), st.dictionaries(st.integers(0, 65535), st.binary(max_size=300),
                                                                  max_size=6)), max_size=4))
def test_any_tlv_round_trips(instances):
    entries = [tlv.Tlv(tlv.OBJECT_INSTANCE, i, children=[tlv.Tlv(tlv.RESOURCE, r, v) for r, v in res.items()])
               for i, res in instances]
    data = tlv.encode(entries)
    assert tlv.encode(tlv.decode(data)) == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_is_a_typed_error_or_a_bootstrap(data):
    try:
        boot = decode_ef(data)
    except DecodeError:
        return
    assert isinstance(boot, LwBootstrap)


def test_integers_take_the_smallest_of_1_2_4_8_bytes():
    assert [len(tlv.encode_int(v)) for v in (0, 127, -128, 128, 32767, 32768, 2**31, -2**63)] == [1, 1, 1, 2, 2, 4, 8, 8]
    boot = LwBootstrap([LwObject(1, (1, 1), [Instance(0, {0: 101, 1: 86400, 7: "U"})])])
    assert decode_ef(encode_ef(boot)).objects[0].version == (1, 1)
