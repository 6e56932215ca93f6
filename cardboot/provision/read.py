"""Read the stored bootstrap message (D.2.5 / D.3.5), trimmed at the WBXML document's real end.

The EF is read in 256-byte chunks only as far as the message goes: after each chunk the bytes so far are
decoded; a "truncated" answer asks for the next chunk, anything else ends the read. A first chunk of all
FF is an empty EF (D.4.3). So a 1.6 KB message in a 4 KB EF costs 7 READ BINARYs, not 16.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..bootstrap.io import LoadedMessage, load_message_bytes
from ..bootstrap.validate import Finding, validate_message
from ..errors import CardbootError, WbxmlError
from .lookup import BootstrapLocation, locate_bootstrap
from ..pkcs15.bootstrap_rule import BootstrapRule, ObjectSelector
from ..wbxml import codec
from ..card.connect import Card
from ..card.files import FileAccess
from .access import Secrets, present, read_keys

CHUNK = 256


@dataclass
class StoredMessage:
    location: BootstrapLocation
    data: bytes  # the message bytes, without padding
    empty: bool
    read_bytes: int  # how much of the EF was read
    loaded: LoadedMessage | None = None
    error: str = ""  # why the content could not be decoded
    findings: list[Finding] = field(default_factory=list)
    leftover_at: int | None = None  # with check_tail: the first byte past the message that is not FF


def read_message_bytes(files: FileAccess, offset: int, size: int) -> tuple[bytes, int, bool]:
    """(message bytes, bytes read, empty) reading chunk by chunk until the WBXML document ends."""
    buf = b""
    while len(buf) < size:
        n = min(CHUNK, size - len(buf))
        buf += files.read_binary(offset + len(buf), n)
        if len(buf) <= CHUNK and set(buf) == {0xFF}:
            return b"", len(buf), True
        if buf[0] not in (0x01, 0x02, 0x03):
            break  # not WBXML: read no further, the caller reports it
        try:
            doc = codec.decode(buf, trailing="ignore")
            return buf[: doc.end], len(buf), False
        except WbxmlError as e:
            if not e.reason.startswith("truncated") or len(buf) >= size:
                break
    return buf.rstrip(b"\xff"), len(buf), False


def first_leftover(files: FileAccess, offset: int, start: int, size: int) -> int | None:
    """The first byte in ``[start, size)`` of the object that is not FF (D.4.3: the bytes after the
    message are FF), or None."""
    pos = start
    while pos < size:
        n = min(CHUNK, size - pos)
        chunk = files.read_binary(offset + pos, n)
        kept = chunk.lstrip(b"\xff")
        if kept:
            return pos + n - len(kept)
        pos += n
    return None


def read_stored(card: Card, secrets: Secrets | None = None, rule: BootstrapRule | None = None,
                location: BootstrapLocation | None = None, *, check_tail: bool = False) -> StoredMessage:
    """Locate, VERIFY if the object needs it, read and decode. The application session (a logical channel
    on a UICC) is closed before returning when this call opened it; a ``location`` the caller gives stays
    the caller's to close.

    ``check_tail`` also reads the rest of the EF and records in ``leftover_at`` where a byte that is not FF
    remains after the message (what ``verify`` must refuse)."""
    secrets = secrets or Secrets()
    loc = location or locate_bootstrap(card, rule)
    try:
        return _read(loc, secrets.for_object(loc), check_tail)
    finally:
        if location is None:
            loc.session.close()


def _read(loc: BootstrapLocation, secrets: Secrets, check_tail: bool) -> StoredMessage:
    files = loc.session.files
    present(files, read_keys(loc, secrets), secrets, "reading the bootstrap message")
    files.select(loc.path)
    data, read_bytes, empty = read_message_bytes(files, loc.offset, loc.size)
    stored = StoredMessage(loc, data, empty, read_bytes)
    if check_tail:
        stored.leftover_at = first_leftover(files, loc.offset, len(data), loc.size)
    if not empty:
        try:
            stored.loaded = load_message_bytes(data, "EF DM_Bootstrap")
            stored.findings = validate_message(stored.loaded.message, encoded=stored.loaded.wbxml, max_size=loc.size)
        except CardbootError as e:
            stored.error = str(e)
    return stored


@dataclass
class StoredObject:
    location: BootstrapLocation
    data: bytes  # the object's bytes: the whole EF, or the Path's index/length part


def read_object(card: Card, wanted: str, secrets: Secrets | None = None) -> StoredObject:
    """Any data object the DODF lists, by label / application name or OID, read whole with the same
    access handling as the bootstrap (DODF private flag + authId, the card's READ rule)."""
    secrets = secrets or Secrets()
    loc = locate_bootstrap(card, ObjectSelector(wanted))
    try:
        secrets = secrets.for_object(loc)
        files = loc.session.files
        present(files, read_keys(loc, secrets), secrets, f"reading {loc.data_object.title!r}")
        files.select(loc.path)
        return StoredObject(loc, files.read_binary(loc.offset, loc.size))
    finally:
        loc.session.close()
