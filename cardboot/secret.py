"""A value that must never be shown: PINs, ADM keys, authentication secrets.

``str()``, ``repr()`` and f-strings of a :class:`Secret` give ``****``; only :meth:`reveal` gives the
bytes, and only code that sends them to the card calls it.
"""

from __future__ import annotations

import os

MASK = "****"


class Secret:
    """Bytes that print as ``****``."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes | str):
        if isinstance(value, str):
            value = value.encode("utf-8")
        if not isinstance(value, (bytes, bytearray)):
            raise TypeError("Secret needs bytes or str")
        self._value = bytes(value)

    def reveal(self) -> bytes:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self):  # pickling would write the value somewhere: refuse
        raise TypeError("a Secret cannot be pickled")

    @classmethod
    def from_env(cls, var: str) -> "Secret":
        from .errors import UsageError

        value = os.environ.get(var)
        if value is None:
            raise UsageError(f"environment variable {var} is not set")
        return cls(value)
