"""The LwM2M bootstrap on a card: written, read, verified and erased through the LwM2M object of the
DODF (oidDO 2.23.43.9.1) beside the DM bootstrap, neither touching the other, the tail rule kept; and
read back the way a device does — the exact APDU sequence of Nordic's nRF91 library (lib/uicc_lwm2m:
MANAGE CHANNEL, SELECT the PKCS#15 AID with P2=04, SELECT by path 7FFF/5031, the ODF's DODF, the oidDO with
the LwM2M OID, its EF) and its EF decoder's framing — in process and through pcscd."""

from __future__ import annotations

import json

import pytest

import vsim
from vsim.state import load_state
from tests.helpers import cli

ADM = {"CB_ADM": "88888888"}
NORDIC = bytes.fromhex("00010036000000003108002EC80025636F61703A2F2F6C657368616E2E65636C6970736570726F6A656374732E"
                       "696F3A35373833C10101C10203")


@pytest.fixture
def built(tmp_path):
    out = tmp_path / "lw.bin"
    done = cli("lwm2m", "build", "--vars", "profiles/vars/lwm2m-example.toml", "--out", str(out))
    assert done.returncode == 0, done.stderr
    small = tmp_path / "nordic.bin"
    small.write_bytes(NORDIC)
    return out, small


def card(tmp_path) -> str:
    return f"uicc-lwm2m:{tmp_path / 'card.json'}"


def test_write_read_verify_erase_beside_the_dm_bootstrap(tmp_path, built):
    lw, small = built
    c = card(tmp_path)
    assert cli("write", "--vsim", c, "--template", "dm-bootstrap", "--vars", "profiles/vars/example.toml",
               "--adm-env", "CB_ADM", env=ADM).returncode == 0
    done = cli("write", "--vsim", c, "--lwm2m", str(lw), "--adm-env", "CB_ADM", env=ADM)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("verified: 224-byte LwM2M bootstrap in 7FFF/6432 (512-byte EF")
    read = cli("read", "--vsim", c, "--lwm2m")
    assert read.returncode == 0 and "secret_key = ****" in read.stdout and "0001020304" not in read.stdout
    assert read.stdout.splitlines()[-1] == ("next: register with coaps://lwm2m.example.com:5684 (short server ID 101, "
                                            "psk, lifetime 86400 s, binding U)")
    assert cli("verify", "--vsim", c, "--lwm2m", str(lw)).returncode == 0
    # the DM bootstrap is untouched by the LwM2M write
    assert cli("read", "--vsim", c, "--format", "wbxml", "--out", str(tmp_path / "dm.wbxml")).returncode == 0
    assert (tmp_path / "dm.wbxml").stat().st_size == 1600
    # a smaller bootstrap leaves nothing of the bigger one (the tail rule)
    assert cli("write", "--vsim", c, "--lwm2m", str(small), "--adm-env", "CB_ADM", env=ADM).returncode == 0
    assert cli("verify", "--vsim", c, "--lwm2m", str(small)).returncode == 0
    ef = _ef(tmp_path)
    assert ef[:len(NORDIC)] == NORDIC and set(ef[len(NORDIC):]) == {0xFF}
    mismatch = cli("verify", "--vsim", c, "--lwm2m", str(lw))
    assert mismatch.returncode == 6 and "differs" in mismatch.stderr
    assert cli("erase", "--vsim", c, "--lwm2m", "--adm-env", "CB_ADM", env=ADM).returncode == 0
    assert cli("read", "--vsim", c, "--lwm2m").stdout.startswith("empty: the LwM2M EF 7FFF/6432 is all FF")
    assert cli("read", "--vsim", c, "--format", "wbxml", "--out", str(tmp_path / "dm2.wbxml")).returncode == 0
    assert (tmp_path / "dm2.wbxml").read_bytes() == (tmp_path / "dm.wbxml").read_bytes()


def _ef(tmp_path) -> bytes:
    c = vsim.load_card("uicc-lwm2m")
    load_state(c, tmp_path / "card.json")
    return next(bytes(n.data) for n in c.mf.walk() if n.name == "LwM2M_Bootstrap")


def test_old_bytes_after_the_content_fail_verify(tmp_path, built):
    _lw, small = built
    c = card(tmp_path)
    assert cli("write", "--vsim", c, "--lwm2m", str(small), "--adm-env", "CB_ADM", env=ADM).returncode == 0
    state = json.loads((tmp_path / "card.json").read_text())
    text = json.dumps(state)
    # plant a byte of an older bootstrap past the content, as a card written by another tool may hold
    raw = _ef(tmp_path)
    planted = raw[:300] + b"\x42" + raw[301:]
    assert raw.hex().upper() in text.upper() or raw.hex() in text
    (tmp_path / "card.json").write_text(text.replace(raw.hex().upper(), planted.hex().upper()).replace(raw.hex(), planted.hex()))
    done = cli("verify", "--vsim", c, "--lwm2m", str(small))
    assert done.returncode == 6 and "byte 300" in done.stderr and "is not FF" in done.stderr


def test_an_invalid_or_oversized_bootstrap_is_refused_before_any_update(tmp_path, built):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(NORDIC.replace(bytes.fromhex("C10203"), bytes.fromhex("C10200")))  # PSK without keys
    done = cli("write", "--vsim", card(tmp_path), "--lwm2m", str(bad), "--adm-env", "CB_ADM", env=ADM)
    assert done.returncode == 5 and "mode psk needs resource 3" in done.stderr
    lw, _small = built
    done = cli("write", "--vsim", "lwm2m", "--lwm2m", str(lw), "--adm-env", "CB_ADM", env=ADM)
    assert done.returncode == 5 and "224 bytes does not fit EF 7FFF/6432" in done.stderr
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x05\x00\x02\xc8")
    done = cli("write", "--vsim", card(tmp_path), "--lwm2m", str(garbage), "--adm-env", "CB_ADM", env=ADM)
    assert done.returncode == 5 and "malformed LwM2M" in done.stderr and "Traceback" not in done.stderr


def _nordic_read(transmit) -> bytes:
    """Nordic's uicc_lwm2m_bootstrap_read, APDU for APDU (its unit test's AT+CSIM strings), with its ASN.1
    choices: the ODF's [7] path, the DODF's [1] oidDO whose OID is 2.23.43.9.1, a 2-byte FID under 7FFF."""
    def ok(apdu: str) -> bytes:
        r = transmit(bytes.fromhex(apdu))
        assert r[-2:] == b"\x90\x00", (apdu, r.hex())
        return r[:-2]

    def tlvs(data: bytes):
        pos = 0
        while pos + 2 <= len(data) and data[pos] not in (0x00, 0xFF):
            tag, length = data[pos], data[pos + 1]
            pos += 2
            if length & 0x80:
                n = length & 0x7F
                length = int.from_bytes(data[pos:pos + n], "big")
                pos += n
            yield tag, data[pos:pos + length]
            pos += length

    def find(data: bytes, *path: int) -> bytes | None:
        for tag, value in tlvs(data):
            if tag == path[0]:
                return value if len(path) == 1 else find(value, *path[1:])
        return None

    assert ok("0070000001") == b"\x01"
    ok("01A404040CA000000063504B43532D313500")
    ok("01A40804047FFF503100")
    odf = ok("01B0000000")
    dodf_fid = find(odf, 0xA7, 0x30, 0x04)
    ok(f"01A40804047FFF{dodf_fid.hex().upper()}00")
    dodf = ok("01B0000000")
    lwm2m_fid = None
    for tag, entry in tlvs(dodf):
        if tag != 0xA1:
            continue
        oid_do = find(entry, 0xA1, 0x30)
        oid = find(oid_do, 0x06) if oid_do else None
        if oid == bytes.fromhex("672B0901"):
            lwm2m_fid = find(oid_do, 0x30, 0x04)
    assert lwm2m_fid is not None, "no oidDO with the LwM2M OID"
    ok(f"01A40804047FFF{lwm2m_fid.hex().upper()}00")
    content = ok("01B0000000")
    ok("01708001")
    return content


def _nordic_decode(record: bytes) -> list[tuple[int, int]]:
    """lwm2m_client_utils' lwm2m_ef_decode: (object ID, TLV length) of each object the header counts."""
    count, size = int.from_bytes(record[0:2], "big"), int.from_bytes(record[2:4], "big")
    record, pos, out = record[:4 + size], 4, []
    for _ in range(count):
        object_id, major = int.from_bytes(record[pos:pos + 2], "big"), record[pos + 2]
        pos += 3 + (1 if major else 0)
        length = int.from_bytes(record[pos:pos + 2], "big")
        pos += 2
        assert pos + length <= len(record)
        out.append((object_id, length))
        pos += length
    return out


def test_a_nordic_modem_reads_what_cardboot_wrote_in_process(tmp_path, built):
    lw, _small = built
    assert cli("write", "--vsim", card(tmp_path), "--lwm2m", str(lw), "--adm-env", "CB_ADM", env=ADM).returncode == 0
    c = vsim.load_card("uicc-lwm2m")
    load_state(c, tmp_path / "card.json")
    c.power_on()
    content = _nordic_read(c.process)
    assert content[:224] == lw.read_bytes() and set(content[224:]) <= {0xFF}
    assert _nordic_decode(content) == [(0, 186), (1, 24)]  # Security's 2 instances, Server's 1: 4 + 191 + 29 bytes


def test_a_blank_card_laid_out_by_pkcs15_init_is_read_by_a_nordic_modem(tmp_path, built):
    """cardboot's own DODF encoder (pkcs15 init), not vsim's: the LwM2M oidDO as devices read it."""
    lw, _small = built
    blank = f"blank-uicc:{tmp_path / 'blank.json'}"
    done = cli("pkcs15", "init", "--vsim", blank, "--layout", "uicc-lwm2m", "--adm-env", "CB_ADM", env=ADM)
    assert done.returncode == 0, done.stderr
    assert cli("write", "--vsim", blank, "--lwm2m", str(lw), "--adm-env", "CB_ADM", env=ADM).returncode == 0
    c = vsim.load_card("blank-uicc")
    load_state(c, tmp_path / "blank.json")
    c.power_on()
    assert _nordic_read(c.process)[:224] == lw.read_bytes()


@pytest.mark.pcsc
def test_a_nordic_modem_reads_what_cardboot_wrote_through_pcscd(tmp_path, built, vsim_reader_factory):
    from smartcard.System import readers

    lw, _small = built
    assert cli("write", "--vsim", card(tmp_path), "--lwm2m", str(lw), "--adm-env", "CB_ADM", env=ADM).returncode == 0
    reader = vsim_reader_factory("uicc-lwm2m", state_path=str(tmp_path / "card.json"))
    conn = next(r for r in readers() if str(r) == reader.reader).createConnection()
    conn.connect()

    def transmit(apdu: bytes) -> bytes:
        """What AT+CSIM gives: the modem runs the T=0 procedure (61xx GET RESPONSE, 6Cxx again) below it."""
        data, sw1, sw2 = conn.transmit(list(apdu))
        if sw1 == 0x6C:
            data, sw1, sw2 = conn.transmit(list(apdu[:-1]) + [sw2])
        while sw1 == 0x61:
            more, sw1, sw2 = conn.transmit([apdu[0], 0xC0, 0x00, 0x00, sw2])
            data = data + more
        return bytes(data) + bytes([sw1, sw2])

    content = _nordic_read(transmit)
    conn.disconnect()
    assert content[:224] == lw.read_bytes()
