"""What a SELECT tells about a file, in one shape for SIM and UICC.

SIM: the GET RESPONSE data of TS 51.011 9.2.1 (decoded in ``sim_response.py``).
UICC: the FCP template of TS 102 221 11.1.1.3 (decoded in ``fcp.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Key references, TS 102 221 9.5.1 table 9.3. On a SIM the access condition nibble uses the same
# numbers for CHV1 (1), CHV2 (2) and ADM (4-E, ADM1 = A by cardboot's convention).
_KEY_NAMES = {0x11: "PIN-UNIVERSAL"}
_KEY_NAMES.update({n: f"PIN{n}" for n in range(0x01, 0x09)})
_KEY_NAMES.update({0x0A + i: f"ADM{1 + i}" for i in range(5)})
_KEY_NAMES.update({0x81 + i: f"PIN2-APPL{1 + i}" for i in range(8)})
_KEY_NAMES.update({0x8A + i: f"ADM{6 + i}" for i in range(5)})


def key_ref_name(ref: int) -> str:
    """Human name of a key reference: 01 → PIN1, 0A → ADM1, 81 → PIN2-APPL1, 11 → PIN-UNIVERSAL."""
    return _KEY_NAMES.get(ref, f"KEY{ref:02X}")


def key_ref_from_name(name: str) -> int | None:
    """The key reference an access condition names ('ADM1' → 0x0A, 'PIN1' → 0x01, 'CHV1' → 0x01), or None
    for ALW / NEV / anything that is not a single key."""
    if name in ("CHV1", "CHV2"):
        return int(name[-1])
    for ref, n in _KEY_NAMES.items():
        if n == name:
            return ref
    if name.startswith("KEY") and len(name) == 5:
        try:
            return int(name[3:], 16)
        except ValueError:
            return None
    return None


def sim_chv_name(ref: int) -> str:
    """Name on a SIM: CHV1, CHV2, ADM1..; TS 51.011 9.3 numbers CHV1=01, CHV2=02."""
    if ref in (1, 2):
        return f"CHV{ref}"
    return key_ref_name(ref)


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
    operation ('read', 'update', ...) to a condition text ('ALW', 'NEV', 'PIN1', 'ADM1', 'CHV1', ...).
    """

    kind: str
    fid: int | None = None
    structure: str | None = None
    size: int | None = None
    record_size: int | None = None
    record_count: int | None = None
    aid: bytes | None = None
    sfi: int | None = None
    lifecycle: str | None = None
    access: dict[str, str] = field(default_factory=dict)
    pins: tuple[PinStatus, ...] = ()
    raw: bytes = b""

    @property
    def is_df(self) -> bool:
        return self.kind in ("MF", "DF", "ADF")

    def pin(self, key_ref: int) -> PinStatus | None:
        for p in self.pins:
            if p.key_ref == key_ref:
                return p
        return None

    def describe(self) -> str:
        """One line for people: '5031 EF transparent 8 bytes read ALW update ADM1'."""
        parts = [f"{self.fid:04X}" if self.fid is not None else "----", self.kind]
        if self.structure:
            parts.append(self.structure)
        if self.structure in ("linear", "cyclic") and self.record_count is not None:
            parts.append(f"{self.record_count}x{self.record_size}")
        elif self.size is not None:
            parts.append(f"{self.size} bytes")
        if self.sfi:
            parts.append(f"SFI {self.sfi:02X}")
        parts.extend(f"{op} {self.access[op]}" for op in ("read", "update", "arr") if op in self.access)
        return " ".join(parts)
