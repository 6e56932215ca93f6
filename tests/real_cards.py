"""Real cards' exports from a public source, as test input (issue 25): pySim's tests/card_sanitizer
(osmocom/pysim, commit 597f1e0398bb81d6832dc92ee4dfdcada59d3d82, GPL-2.0 test data): pySim-shell `export`
scripts of real UICCs — each file's SELECT response and content as the card gave them — kept unedited
(xz-compressed) in tests/data/real-cards/, with card_data.csv (each card's name and ADM1) from the same
place. The ATR and ICCID are in each file's name, as pySim names them."""

from __future__ import annotations

import csv
import lzma
import re
from dataclasses import dataclass
from pathlib import Path

from vsim.pysim_export import layout_from_export

DATA = Path(__file__).resolve().parent / "data" / "real-cards"
PIN1 = b"1234"  # not exported: the twins' test value


@dataclass(frozen=True)
class RealCard:
    name: str
    atr: bytes
    iccid: str
    adm1: str  # as card_data.csv gives it: 8 digits, or 16 hex digits
    export: Path

    @property
    def adm1_bytes(self) -> bytes:
        return bytes.fromhex(self.adm1) if len(self.adm1) == 16 else self.adm1.encode("ascii")

    def text(self) -> str:
        return lzma.decompress(self.export.read_bytes()).decode("utf-8")

    def layout(self, folder: Path) -> Path:
        path = folder / f"{self.name}.toml"
        path.write_text(layout_from_export(self.text(), atr=self.atr, adm1=self.adm1_bytes, pin1=PIN1,
                                           name=self.name, source=f"pySim tests/card_sanitizer/{self.export.stem}"))
        return path


def real_cards() -> list[RealCard]:
    adm = {row["iccid"]: (row["name"], row["adm1"]) for row in csv.DictReader((DATA / "card_data.csv").open())}
    out = []
    for export in sorted(DATA.glob("card_backup_*.script.xz")):
        m = re.fullmatch(r"card_backup_([0-9a-f]+)_(\d+)\.script\.xz", export.name)
        name, adm1 = adm[m.group(2)]
        out.append(RealCard(name, bytes.fromhex(m.group(1)), m.group(2), adm1, export))
    return out
