"""RFC 8572 section 8 DHCP options and the Appendix E DNS SRV record."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.errors import DecodeError, UsageError
from cardboot.server.dhcp import decode, encode_v4, encode_v6
from cardboot.server.dns import srv_record


def test_v4_layout():
    data = encode_v4(["https://boot.example.com"])
    uri = b"https://boot.example.com"
    assert data == bytes([143, 2 + len(uri)]) + len(uri).to_bytes(2, "big") + uri


def test_v6_layout():
    data = encode_v6(["https://[2001:db8::1]:8443"])
    uri = b"https://[2001:db8::1]:8443"
    assert data == (136).to_bytes(2, "big") + (2 + len(uri)).to_bytes(2, "big") + len(uri).to_bytes(2, "big") + uri


def test_v4_list_over_255_octets_is_split_per_rfc3396():
    uris = [f"https://bootstrap-server-{i:02d}.operator-network.example.com:8443" for i in range(6)]
    raw_list_len = sum(2 + len(u) for u in uris)
    assert raw_list_len > 255
    data = encode_v4(uris)
    assert data[0] == 143 and data[1] == 255 and data[257] == 143 and data[258] == raw_list_len - 255
    assert decode(data) == ("v4", uris)


def test_320_octet_list_splits_into_255_and_65():
    uris = ["https://" + "a" * 150 + ".example",  # 166 octets + 2 = 168
            "https://" + "b" * 134 + ".example"]  # 150 octets + 2 = 152: the list is 320 octets
    data = encode_v4(uris)
    assert [data[1], data[2 + 255 + 1]] == [255, 65] and len(data) == 2 + 255 + 2 + 65
    assert decode(data)[1] == uris


@pytest.mark.parametrize("uri", ["http://x.example", "https://x.example/path", "https://x.example:99999",
                                 "https://", "ftp://x"])
def test_bad_uris_refused(uri):
    with pytest.raises(UsageError):
        encode_v4([uri])


@pytest.mark.parametrize("hexdata, reason", [("8F05000968", "runs past|truncated"), ("0100", "neither 143"),
                                             ("0088000600034142", "option-length")])
def test_bad_option_bytes(hexdata, reason):
    with pytest.raises(DecodeError, match=reason):
        decode(bytes.fromhex(hexdata))


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){1,3}", fullmatch=True).filter(
    lambda h: not any(p.endswith("-") for p in h.split(".")))


@given(st.lists(st.tuples(hosts, st.one_of(st.none(), st.integers(1, 65535))), min_size=1, max_size=12),
       st.booleans())
def test_round_trip(entries, v4):
    uris = [f"https://{h}" + (f":{p}" if p else "") for h, p in entries]
    data = encode_v4(uris) if v4 else encode_v6(uris)
    assert decode(data) == ("v4" if v4 else "v6", uris)


@given(st.binary(max_size=300))
def test_fuzz_decode(data):
    try:
        decode(data)
    except DecodeError:
        pass


def test_srv_record():
    assert srv_record("example.com", "boot.example.com", 8443) == \
        "_omadm-bootstrap._tcp.example.com. 3600 IN SRV 0 0 8443 boot.example.com."
    with pytest.raises(UsageError):
        srv_record("bad_domain!", "boot.example.com")
    with pytest.raises(UsageError):
        srv_record("example.com", "boot.example.com", 0)
