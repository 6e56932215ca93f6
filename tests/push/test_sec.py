"""MAC vectors for the four SEC methods, computed here with the standard library from keys written out
by hand from the spec text (semi-octets of the IMSI, ASCII PIN), odd and even IMSI lengths; and every
broken link refused: tampered body, wrong IMSI, wrong PIN."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from cardboot.push import sec
from cardboot.push.delivery import PushMacError, build_push, verify_push
from cardboot.secret import Secret
from tests.push.test_wsp_sms import MESSAGE

# IMSI 001010123456789 (15 digits, odd): "9" + IMSI, digits of each octet swapped (push-and-cp.md)
ODD_IMSI, ODD_KEY = "001010123456789", bytes.fromhex("0910101032547698")
# IMSI 26201123456789 (14 digits, even): "1" + IMSI + "F" = 1 2 6 2 0 1 1 2 3 4 5 6 7 8 9 F, swapped
EVEN_IMSI, EVEN_KEY = "26201123456789", bytes.fromhex("21261021436587F9")


def _mac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha1).hexdigest().upper()


def test_imsi_semi_octets_odd_and_even():
    assert sec.imsi_semi_octets(ODD_IMSI) == ODD_KEY
    assert sec.imsi_semi_octets(EVEN_IMSI) == EVEN_KEY


@pytest.mark.parametrize("imsi, key", [(ODD_IMSI, ODD_KEY), (EVEN_IMSI, EVEN_KEY)])
def test_netwpin_and_usernetwpin_macs(imsi, key):
    pin = Secret("1234")
    assert build_push(MESSAGE, sec.NETWPIN, imsi=imsi).mac == _mac(key, MESSAGE)
    assert build_push(MESSAGE, sec.USERNETWPIN, imsi=imsi, pin=pin).mac == _mac(key + b"1234", MESSAGE)


def test_userpin_and_userpinmac():
    assert build_push(MESSAGE, sec.USERPIN, pin=Secret("1234")).mac == _mac(b"1234", MESSAGE)
    built = build_push(MESSAGE, sec.USERPINMAC, pin=Secret("13579"))
    digest = hmac.new(b"13579", MESSAGE, hashlib.sha1).digest()
    assert built.mac_digits == "".join(str(b % 10) for b in digest[:5])
    assert sec.check_userpinmac("13579" + built.mac_digits, MESSAGE)
    assert not sec.check_userpinmac("13579" + built.mac_digits, MESSAGE + b"x")
    with pytest.raises(Exception, match="at least 5 digits"):
        build_push(MESSAGE, sec.USERPINMAC, pin=Secret("1234"))


def test_imsi_ascii_is_the_other_servers_key():
    built = build_push(MESSAGE, sec.NETWPIN, imsi=ODD_IMSI, imsi_ascii=True)
    assert built.mac == _mac(ODD_IMSI.encode(), MESSAGE) and "ASCII" in built.notes[0]


def _deliver(built):
    return [(f"s{i}", t) for i, t in enumerate(built.deliver)]


def test_every_broken_link_is_refused():
    built = build_push(MESSAGE, sec.USERNETWPIN, imsi=ODD_IMSI, pin=Secret("1234"))
    ok = verify_push(_deliver(built), imsi=ODD_IMSI, pin=Secret("1234"))
    assert ok.method == "USERNETWPIN" and not ok.findings
    with pytest.raises(PushMacError, match="IMSI and PIN"):
        verify_push(_deliver(built), imsi=ODD_IMSI[:-1] + "0", pin=Secret("1234"))
    with pytest.raises(PushMacError):
        verify_push(_deliver(built), imsi=ODD_IMSI, pin=Secret("4321"))
    tampered = list(built.deliver)
    last = bytearray(tampered[-1])
    last[-1] ^= 0x01
    tampered[-1] = bytes(last)
    with pytest.raises(PushMacError) as e:
        verify_push([(f"s{i}", t) for i, t in enumerate(tampered)], imsi=ODD_IMSI, pin=Secret("1234"))
    assert e.value.exit_code == 6 and "1234" not in str(e.value)
