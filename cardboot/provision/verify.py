"""``verify``: does the card hold this message, and nothing of an older one after it (D.4.3)?"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..bootstrap.builder import encode_message
from ..bootstrap.io import LoadedMessage
from ..bootstrap.view import diff
from ..card.connect import Card
from ..card.path import path_str
from ..errors import MessageError, VerifyMismatchError
from .access import Secrets
from .read import read_stored


@dataclass
class Verification:
    """What the card holds against the expected message: byte-wise, semantically, and after it."""

    path: str  # EF DM_Bootstrap's path
    expected_bytes: int
    stored_bytes: int
    bytes_equal: bool
    differences: list[str] = field(default_factory=list)  # semantic, secrets masked
    leftover_at: int | None = None  # the first byte past the message that is not FF

    @property
    def semantic_equal(self) -> bool:
        return not self.differences

    @property
    def holds(self) -> bool:
        """The card holds this message (the same bytes, or the same content) and nothing after it."""
        return self.leftover_at is None and (self.bytes_equal or self.semantic_equal)


def verify_stored(card: Card, expected: LoadedMessage, secrets: Secrets | None = None) -> Verification:
    """Read the stored message and every byte after it, compare with ``expected``. An empty EF is a
    :class:`VerifyMismatchError`, content that is no bootstrap message a :class:`MessageError`."""
    stored = read_stored(card, secrets, check_tail=True)
    where = path_str(stored.location.path)
    if stored.empty:
        raise VerifyMismatchError.empty(where)
    if stored.loaded is None:
        raise MessageError(f"the stored content is not a bootstrap message: {stored.error}")
    exp_bytes = expected.wbxml if expected.wbxml is not None else encode_message(expected.message)
    return Verification(where, len(exp_bytes), len(stored.data), stored.data == exp_bytes,
                        diff(expected.message, stored.loaded.message), stored.leftover_at)
