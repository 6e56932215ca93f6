"""What a SELECT tells about a file, in one shape for SIM and UICC.

SIM: the GET RESPONSE data of TS 51.011 9.2.1 (decoded in ``sim_response.py``).
UICC: the FCP template of TS 102 221 11.1.1.3 (decoded in ``fcp.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .access_rule import AccessRules, Key, key_ref_name, sim_nibble


def sim_chv_name(ref: int) -> str:
    """Name on a SIM: CHV1, CHV2, ADM levels 4..E as the access nibbles say (TS 51.011 9.3: 0A is
    'ADM1'), other codes by their TS 102 221 name."""
    if 1 <= ref <= 0x0E:
        rule = sim_nibble(ref)
        if isinstance(rule, Key):
            return rule.name
    return key_ref_name(ref)


class FileKind(StrEnum):
    """What a SELECT found (a str enum: compares equal to its text)."""

    MF = "MF"
    DF = "DF"
    ADF = "ADF"
    EF = "EF"


@dataclass(frozen=True)
class PinStatus:
    """A PIN known to a DF: its key reference, whether it is enabled and, when the card says, tries left."""

    key_ref: int
    name: str
    enabled: bool = True
    retries: int | None = None
    unblock_retries: int | None = None


@dataclass(frozen=True)
class FileInfo:
    """A selected file.

    ``kind`` is 'MF', 'DF', 'ADF' or 'EF'; ``structure`` 'transparent', 'linear', 'cyclic' or 'ber-tlv'
    for EFs; ``size`` the EF's size in bytes (records × record size for record files); ``access`` maps an
    operation ('read', 'update', ...) to its :class:`~cardboot.card.access_rule.Rule`; on a UICC whose FCP
    references EF.ARR it holds only the reference until ``FileAccess.access_rules`` reads the record.
    """

    kind: FileKind
    fid: int | None = None
    structure: str | None = None
    size: int | None = None
    record_size: int | None = None
    record_count: int | None = None
    aid: bytes | None = None
    sfi: int | None = None
    lifecycle: str | None = None
    access: AccessRules = field(default_factory=AccessRules)
    pins: tuple[PinStatus, ...] = ()
    raw: bytes = b""
    free_memory: int | None = None  # a DF's available memory (FCP A5/83, TS 102 221 11.1.1.4.6.4)

    @property
    def is_df(self) -> bool:
        return self.kind in (FileKind.MF, FileKind.DF, FileKind.ADF)

    def pin(self, key_ref: int) -> PinStatus | None:
        for p in self.pins:
            if p.key_ref == key_ref:
                return p
        return None

    def describe(self) -> str:
        """One line for people: '5031 EF transparent 8 bytes read ALW update ADM1'."""
        parts = [f"{self.fid:04X}" if self.fid is not None else "----", self.kind.value]
        if self.structure:
            parts.append(self.structure)
        if self.structure in ("linear", "cyclic") and self.record_count is not None:
            parts.append(f"{self.record_count}x{self.record_size}")
        elif self.size is not None:
            parts.append(f"{self.size} bytes")
        if self.sfi:
            parts.append(f"SFI {self.sfi:02X}")
        if self.access.rules or self.access.arr is not None:
            parts.append(self.access.text())
        return " ".join(parts)
