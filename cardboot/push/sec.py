"""Who may push a bootstrap: the SEC methods and the MAC (OMA Provisioning Bootstrap, as OMA DM Security
uses it for the DM bootstrap push): HMAC-SHA1 over the WBXML body, sent as 40 upper-case hex digits.

Keys:
- NETWPIN (0): the IMSI as semi-octets — an odd number of digits gets a leading 9, an even number a leading
  1 and a trailing F; then the two digits of each octet swap (IMSI 001010123456789 -> 09 10 10 10 32 54 76 98).
  Some servers key with the IMSI as ASCII instead (``imsi_ascii``; an interop trap, named in the output).
- USERPIN (1): the PIN as ASCII.
- USERNETWPIN (2): the NETWPIN key followed by the PIN as ASCII.
- USERPINMAC (3): the key is the PIN; the user types the PIN followed by as many decimal digits as the
  PIN has, digit i = byte i of the HMAC mod 10 (PIN of at least 5 digits). The device checks that.

The PIN is a :class:`cardboot.secret.Secret`; it never appears in output or errors.
"""

from __future__ import annotations

import hashlib
import hmac

from ..errors import UsageError
from ..secret import Secret

METHODS = ("NETWPIN", "USERPIN", "USERNETWPIN", "USERPINMAC")
NETWPIN, USERPIN, USERNETWPIN, USERPINMAC = range(4)


def method_number(name: str) -> int:
    try:
        return METHODS.index(name.upper())
    except ValueError:
        raise UsageError(f"--sec must be one of {', '.join(METHODS)}, not {name!r}") from None


def choose_method(name: str | None, imsi: str | None, pin: Secret | None) -> int:
    """``--sec`` when given, else what the secrets allow: USERNETWPIN with both, NETWPIN with the IMSI,
    USERPIN with the PIN."""
    if name:
        return method_number(name)
    if imsi and pin is not None:
        return USERNETWPIN
    if imsi:
        return NETWPIN
    if pin is not None:
        return USERPIN
    raise UsageError("give --imsi, a PIN (--pin-env/--pin-file/--pin-prompt) or both")


def imsi_semi_octets(imsi: str) -> bytes:
    if not imsi.isascii() or not imsi.isdigit() or not 6 <= len(imsi) <= 15:
        raise UsageError(f"IMSI must be 6 to 15 digits, not {imsi!r}")
    digits = ("9" + imsi) if len(imsi) % 2 else ("1" + imsi + "F")
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def _pin_bytes(pin: Secret | None, method: int) -> bytes:
    if pin is None:
        raise UsageError(f"{METHODS[method]} needs the user PIN (--pin-env)")
    raw = pin.reveal()
    if not raw.isascii() or not raw.isdigit():
        raise UsageError(f"the {METHODS[method]} PIN must be decimal digits (****)")
    if method == USERPINMAC and len(raw) < 5:
        raise UsageError("the USERPINMAC PIN must have at least 5 digits (****)")
    return raw


def mac_key(method: int, imsi: str | None, pin: Secret | None, *, imsi_ascii: bool = False) -> bytes:
    """The HMAC key of a SEC method."""
    if method in (NETWPIN, USERNETWPIN):
        if imsi is None:
            raise UsageError(f"{METHODS[method]} needs the IMSI (--imsi)")
        netw = imsi.encode("ascii") if imsi_ascii else imsi_semi_octets(imsi)
        if imsi_ascii and not imsi.isdigit():
            raise UsageError(f"IMSI must be digits, not {imsi!r}")
        return netw if method == NETWPIN else netw + _pin_bytes(pin, method)
    return _pin_bytes(pin, method)


def mac_hex(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha1).hexdigest().upper()


def userpinmac_digits(pin: Secret, body: bytes) -> str:
    """What the user types for USERPINMAC: the PIN, then digit i = HMAC(PIN, body)[i] mod 10."""
    key = _pin_bytes(pin, USERPINMAC)
    digest = hmac.new(key, body, hashlib.sha1).digest()
    return key.decode("ascii") + "".join(str(digest[i] % 10) for i in range(len(key)))


def check_userpinmac(typed: str, body: bytes) -> bool:
    """A device's check of what the user typed (PIN followed by its MAC digits)."""
    n = len(typed) // 2
    if len(typed) % 2 or n < 5 or not typed.isdigit():
        return False
    return hmac.compare_digest(userpinmac_digits(Secret(typed[:n]), body), typed)
