"""The LwM2M bootstrap on a card (OMA LwM2M Core Appendix G): the DODF's LwM2M object (oidDO
2.23.43.9.1) found as the DM bootstrap is (D.2.5 / D.3.5), written, read, verified and erased with the
same access handling, retry guard and tail rule (no byte of an older bootstrap survives past a new one)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..card.connect import Card
from ..errors import CardbootError, ExitCode, MessageError, VerifyMismatchError
from ..card.path import path_str
from ..lwm2m.bootstrap import LwBootstrap, content_length, decode_ef
from ..lwm2m.validate import LwFinding, refuse_if_invalid, validate
from ..pkcs15.bootstrap_rule import ObjectSelector
from ..pkcs15.oids import LWM2M_BOOTSTRAP
from .access import Secrets, present, read_keys
from .lookup import BootstrapLocation, locate_bootstrap
from .read import CHUNK, first_leftover
from .write import WriteResult, erase_stored, write_stored

LWM2M_OBJECT = ObjectSelector(LWM2M_BOOTSTRAP)


class Lwm2mMismatch(CardbootError):
    """The card does not hold the LwM2M bootstrap it was compared with (exit 6)."""

    exit_code = ExitCode.MISMATCH


@dataclass
class StoredLwm2m:
    location: BootstrapLocation
    data: bytes  # the content (header + objects), without the padding
    empty: bool
    boot: LwBootstrap | None = None
    findings: list[LwFinding] = field(default_factory=list)
    leftover_at: int | None = None  # with check_tail: the first byte past the content that is not FF


def prepared(content: bytes, where: str = "LwM2M bootstrap") -> LwBootstrap:
    """``content`` decoded and checked: a write never puts what a client would refuse on a card."""
    return refuse_if_invalid(decode_ef(content, where), "refusing to write an invalid LwM2M bootstrap")


def write_lwm2m(card: Card, content: bytes, secrets: Secrets | None = None, *, pad_all: bool = False) -> WriteResult:
    prepared(content)
    return write_stored(card, content, secrets, pad_all=pad_all, rule=LWM2M_OBJECT)


def erase_lwm2m(card: Card, secrets: Secrets | None = None) -> WriteResult:
    return erase_stored(card, secrets, rule=LWM2M_OBJECT)


def read_lwm2m(card: Card, secrets: Secrets | None = None, *, check_tail: bool = False) -> StoredLwm2m:
    """The header first (4 bytes), then as far as it says: a read costs what the content needs."""
    secrets = secrets or Secrets()
    loc = locate_bootstrap(card, LWM2M_OBJECT)
    try:
        secrets = secrets.for_object(loc)
        files = loc.session.files
        present(files, read_keys(loc, secrets), secrets, "reading the LwM2M bootstrap")
        files.select(loc.path)
        head = files.read_binary(loc.offset, min(CHUNK, loc.size))
        length = content_length(head)
        if length == 0:
            data, empty = b"", set(head) <= {0xFF}
        else:
            if length > loc.size:
                raise MessageError(f"{path_str(loc.path)}: the LwM2M header announces {length} bytes in a "
                                   f"{loc.size}-byte EF")
            if length > len(head):
                head += files.read_binary(loc.offset + len(head), length - len(head))
            data, empty = head[:length], False
        stored = StoredLwm2m(loc, data, empty)
        if not empty:
            stored.boot = decode_ef(data, f"EF {path_str(loc.path)}")
            stored.findings = validate(stored.boot)
        if check_tail:
            stored.leftover_at = first_leftover(files, loc.offset, len(data), loc.size)
        return stored
    finally:
        loc.session.close()


def verify_lwm2m(card: Card, expected: bytes, secrets: Secrets | None = None) -> StoredLwm2m:
    """The card holds ``expected`` byte for byte and only FF after it; else :class:`Lwm2mMismatch` (an empty
    EF: :class:`VerifyMismatchError`)."""
    stored = read_lwm2m(card, secrets, check_tail=True)
    where = path_str(stored.location.path)
    if stored.empty:
        raise VerifyMismatchError.empty(where)
    if stored.data != expected:
        at = next((i for i, (a, b) in enumerate(zip(stored.data, expected)) if a != b), min(len(stored.data), len(expected)))
        raise Lwm2mMismatch(f"{where}: the card's LwM2M bootstrap ({len(stored.data)} bytes) differs from the file's "
                            f"({len(expected)} bytes) from byte {at}")
    if stored.leftover_at is not None:
        raise Lwm2mMismatch(f"old content remains after the LwM2M bootstrap: byte {stored.leftover_at} of {where} "
                            "is not FF; write again to clear it")
    return stored
