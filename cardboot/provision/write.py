"""Write a bootstrap message to EF DM_Bootstrap and prove it is there (D.4.3).

Steps: locate (D.2.5 / D.3.5); refuse a message larger than the EF; find how far old content reaches past
the new message (one READ BINARY when it does not: its tail must become FF again); VERIFY what UPDATE needs (ADM) and, for a private object, what reading back
needs; UPDATE BINARY in 255-byte chunks (message, then FF over what the old message used); read back in
256-byte chunks and compare. Only a read-back equal to what was written is "verified". ``pad_all``
writes FF through the whole EF instead of only over the old message.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import MessageTooBigError, VerifyMismatchError
from ..card.path import path_str
from ..pkcs15.locate import BootstrapLocation, BootstrapRule, locate_bootstrap
from .access import Secrets, present, read_keys, require_secrets, update_keys
from .read import read_message_bytes


@dataclass
class WriteResult:
    location: BootstrapLocation
    written: int  # message bytes
    padded: int  # FF bytes written after the message
    previous: int  # where old content ended when it reached past the new message, else 0
    verified: bool
    apdus: int


def write_stored(card, message: bytes, secrets: Secrets | None = None, *, pad_all: bool = False,
                 rule: BootstrapRule | None = None) -> WriteResult:
    secrets = secrets or Secrets()
    start = card.exchange.count
    loc = locate_bootstrap(card, rule)
    try:
        capacity = loc.size
        where = f"EF DM_Bootstrap {path_str(loc.path)}"
        if len(message) > capacity:
            raise MessageTooBigError(len(message), capacity, where)
        files = loc.session.files
        reading, updating = read_keys(loc, secrets), update_keys(loc, secrets)
        writing = [k for k in updating if k not in reading]
        require_secrets(reading, secrets, "reading the bootstrap message")
        require_secrets(writing, secrets, "writing EF DM_Bootstrap (UPDATE is ADM, D.4.3)")
        present(files, reading, secrets, "reading the bootstrap message")
        files.select(loc.path)
        if pad_all:
            previous = capacity
        else:
            previous = _old_extent(files, loc.offset, capacity, len(message))
        present(files, writing, secrets, "writing EF DM_Bootstrap (UPDATE is ADM, D.4.3)")
        end = max(len(message), previous)
        payload = message + b"\xff" * (end - len(message))
        files.update_binary(loc.offset, payload)
        back = files.read_binary(loc.offset, len(payload))
        if back != payload:
            i = next(i for i, (a, b) in enumerate(zip(payload, back)) if a != b)
            raise VerifyMismatchError(where, loc.offset + i, payload[i], back[i])
        return WriteResult(loc, len(message), end - len(message), previous, True, card.exchange.count - start)
    finally:
        loc.session.close()


def _old_extent(files, offset: int, capacity: int, new_size: int) -> int:
    """Where old content ends when it reaches past the new message, else 0. One READ BINARY of the chunk
    just after the new message: all FF there means nothing to clear; otherwise the old message is read to
    its end (or, when it is no WBXML, to the last non-FF byte of what was read)."""
    if new_size >= capacity:
        return 0
    after = files.read_binary(offset + new_size, min(256, capacity - new_size))
    if set(after) == {0xFF}:
        return 0
    old, _read, _empty = read_message_bytes(files, offset, capacity)
    return max(len(old), new_size + len(after.rstrip(b"\xff")))


def erase_stored(card, secrets: Secrets | None = None, rule: BootstrapRule | None = None) -> WriteResult:
    """Reset EF DM_Bootstrap to all FF (D.4.3), verified."""
    return write_stored(card, b"", secrets, pad_all=True, rule=rule)
