"""PIN safety: never send a VERIFY that could block a PIN unless the user forces it.

The retry counter is read first (UICC: VERIFY without data → 63Cx, TS 102 221 11.1.9; SIM: the CHV status
byte of the DF's GET RESPONSE, TS 51.011 9.2.1). With ``retries <= GUARD_THRESHOLD`` a wrong value would
block the PIN, so cardboot refuses unless forced. A blocked PIN is reported, never retried.
"""

from __future__ import annotations

from ..errors import PinBlockedError, PinRetryGuardError, UsageError
from ..secret import Secret

GUARD_THRESHOLD = 1
PIN_BLOCK_LEN = 8


def pin_block(pin: Secret, name: str) -> bytes:
    """The 8-byte VERIFY data: ASCII digits padded with FF (TS 102 221 9.5.1, TS 51.011 9.2.9), or
    an ADM key given as 16 hex digits. Errors never contain the value."""
    if not isinstance(pin, Secret):
        raise TypeError("PIN values travel as Secret")
    raw = pin.reveal()
    if len(raw) == 16:
        try:
            return bytes.fromhex(raw.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise UsageError(f"{name}: a 16-character value must be hex digits (****)") from None
    if not 1 <= len(raw) <= PIN_BLOCK_LEN:
        raise UsageError(f"{name}: value must be 1 to 8 bytes (ASCII digits or characters) or 16 hex digits, "
                         f"got {len(raw)} bytes (****)")
    return raw.ljust(PIN_BLOCK_LEN, b"\xff")


def check_guard(name: str, retries: int | None, force: bool) -> None:
    """Raise unless a VERIFY of ``name`` with ``retries`` tries left is safe (or forced).

    ``retries`` None means the card does not say; that is only accepted when forced.
    """
    if retries == 0:
        raise PinBlockedError(name)
    if force:
        return
    if retries is None:
        raise PinRetryGuardError.unknown(name)
    if retries <= GUARD_THRESHOLD:
        raise PinRetryGuardError(name, retries)
