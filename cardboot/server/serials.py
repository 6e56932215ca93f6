"""A device's serial number, checked once wherever one enters (add-device, init-pki --device, push,
remove-device): 1..64 printable ASCII characters (X.520 serialNumber's upper bound, RFC 5280 appendix A),
without ``:`` (HTTP Basic's user-id cannot hold one, RFC 7617 2: such a device could never log in), without
``/`` or ``\\`` (init-pki names files after it) and without spaces or control characters (it is printed)."""

from __future__ import annotations

import re

from ..errors import UsageError
from ..text import shown

MAX_SERIAL = 64
_SERIAL = re.compile(r"[\x21-\x7e]{1,%d}" % MAX_SERIAL)


def check_serial(serial: str) -> str:
    """``serial`` when it is one (see the module docstring), else a UsageError saying why."""
    if not isinstance(serial, str) or not _SERIAL.fullmatch(serial) or set(serial) & set(":/\\") \
            or serial in (".", ".."):
        raise UsageError(f"device serial {shown(repr(serial), 80)}: 1..{MAX_SERIAL} printable ASCII characters "
                         "without spaces, ':', '/' or '\\'")
    return serial
