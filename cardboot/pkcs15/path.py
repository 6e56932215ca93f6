"""PKCS#15 ``Path`` (section 6.1.5): a file path, with an optional index and length inside the file."""

from __future__ import annotations

from dataclasses import dataclass

from ..card.path import FilePath, as_path
from . import asn1


@dataclass(frozen=True)
class Pkcs15Path:
    """``path`` bytes (2 bytes: relative to the PKCS#15 DF/ADF; 3F00...: absolute), ``index``/``length``:
    the part of the file that holds the object."""

    path: bytes
    index: int | None = None
    length: int | None = None

    @property
    def fids(self) -> FilePath:
        return as_path(self.path)

    def __str__(self) -> str:
        text = "/".join(f"{f:04X}" for f in self.fids) if len(self.path) % 2 == 0 and self.path else self.path.hex()
        if self.index is not None or self.length is not None:
            text += f" [{self.index or 0}+{self.length if self.length is not None else '*'}]"
        return text

    @classmethod
    def from_asn1(cls, p) -> "Pkcs15Path":
        index = int(p["index"]) if p["index"].isValue else None
        length = int(p["length"]) if p["length"].isValue else None
        return cls(bytes(p["path"]), index, length)

    def to_asn1(self) -> asn1.Path:
        p = asn1.Path()
        p["path"] = self.path
        if self.index is not None:
            p["index"] = self.index
        if self.length is not None:
            p["length"] = self.length
        return p
