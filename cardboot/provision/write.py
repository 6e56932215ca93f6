"""Write a bootstrap message to EF DM_Bootstrap and prove it is there (D.4.3).

Steps: locate (D.2.5 / D.3.5); refuse a message larger than the EF; VERIFY what reading needs (a private
object); find how far what was on the card reaches past the new message; VERIFY what UPDATE needs (ADM);
UPDATE BINARY in 255-byte chunks (the message, then FF over everything old past it); read back in
256-byte chunks and compare. Only a read-back equal to what was written is "verified".

No byte of what was on the card before survives past the new message (D.4.3: the bytes after the message
are FF). An old message's own structure cannot promise that — its data may hold long FF runs, and junk of
an even older message may lie behind it — so the EF is read from its end backwards, 256 bytes at a time,
until a chunk holds a byte that is not FF: everything from the new message's end to that byte is
overwritten with FF and read back with the message; everything after it was just seen to be FF. Reading
backwards never reads what will be overwritten anyway. ``pad_all`` writes FF through the whole EF.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..card.connect import Card
from ..card.files import READ_CHUNK, FileAccess
from ..card.path import path_str
from ..errors import MessageTooBigError
from ..pkcs15.bootstrap_rule import BootstrapRule
from .access import Secrets, present, read_keys, require_secrets, update_keys
from .lookup import BootstrapLocation, locate_bootstrap


@dataclass
class WriteResult:
    location: BootstrapLocation
    written: int  # message bytes
    padded: int  # FF bytes written after the message
    previous: int  # where old content ended when it reached past the new message, else 0
    verified: bool
    apdus: int


def write_stored(card: Card, message: bytes, secrets: Secrets | None = None, *, pad_all: bool = False,
                 rule: BootstrapRule | None = None) -> WriteResult:
    secrets = secrets or Secrets()
    start = card.exchange.count
    loc = locate_bootstrap(card, rule)
    try:
        capacity = loc.size
        where = f"EF DM_Bootstrap {path_str(loc.path)}" if rule is None or isinstance(rule, BootstrapRule) else \
            f"EF {path_str(loc.path)} ({loc.data_object.title})"
        if len(message) > capacity:
            raise MessageTooBigError(len(message), capacity, where)
        files = loc.session.files
        secrets = secrets.for_object(loc)
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
        files.update_verified(loc.offset, payload, where)
        return WriteResult(loc, len(message), end - len(message), previous, True, card.exchange.count - start)
    finally:
        loc.session.close()


def _old_extent(files: FileAccess, offset: int, capacity: int, new_size: int) -> int:
    """Where what was on the card ends past the new message (0: only FF there), read from the EF's end
    backwards in 256-byte chunks down to the first chunk that holds a byte other than FF."""
    end = capacity
    while end > new_size:
        start = max(new_size, end - READ_CHUNK)
        kept = files.read_binary(offset + start, end - start).rstrip(b"\xff")
        if kept:
            return start + len(kept)
        end = start
    return 0


def erase_stored(card: Card, secrets: Secrets | None = None, rule: BootstrapRule | None = None) -> WriteResult:
    """Reset EF DM_Bootstrap to all FF (D.4.3), verified."""
    return write_stored(card, b"", secrets, pad_all=True, rule=rule)
