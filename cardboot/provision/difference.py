"""One home for "this file is not the same here and there": pkcs15 init compares the card with a layout,
``diff`` compares two cards or dumps; both report :class:`Difference`."""

from __future__ import annotations

from dataclasses import dataclass

CARD_VS_LAYOUT = ("on the card", "in the layout")


@dataclass(frozen=True)
class Difference:
    """Where two descriptions of one card file disagree: ``what`` is ``a`` on one side, ``b`` on the other.

    ``sides`` names them for the sentence (:data:`CARD_VS_LAYOUT` for pkcs15 init); without it the two
    sides are A and B of ``cardboot diff`` and the sentence reads ``path: what: a | b``."""

    path: str
    what: str
    a: str
    b: str
    sides: tuple[str, str] | None = None

    def __str__(self) -> str:
        if self.sides:
            return f"{self.path}: {self.what} is {self.a} {self.sides[0]}, {self.b} {self.sides[1]}"
        return f"{self.path}: {self.what}: {self.a} | {self.b}"

    def as_dict(self) -> dict:
        return {"path": self.path, "what": self.what, "a": self.a, "b": self.b}
