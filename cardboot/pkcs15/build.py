"""Build the PKCS#15 files of a bootstrap card from declared objects (the encoding side): EF.DIR's
application template, EF(ODF), EF(TokenInfo), EF(AODF) and EF(DODF), all DER.

Paths inside the files are relative to the PKCS#15 DF/ADF (2-byte FIDs), which works for indirect
selection by path on a SIM (D.2.1) and for the ADF selected by AID on a UICC (D.3.1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..card.efdir import PKCS15_AID, encode_application
from ..card.path import FilePath
from .aodf import PinObject, encode_aodf
from .dodf import DataObject, encode_dodf
from .odf import OdfEntry, encode_odf
from .path import Pkcs15Path
from .tokeninfo import TokenInfo, encode_tokeninfo


@dataclass
class Pkcs15Layout:
    df_path: FilePath
    tokeninfo: TokenInfo
    data_objects: list[DataObject]
    pins: list[PinObject] = field(default_factory=list)
    label: str = "PKCS#15"
    aid: bytes = PKCS15_AID
    odf_fid: int = 0x5031
    tokeninfo_fid: int = 0x5032
    aodf_fid: int = 0x5012
    dodf_fid: int = 0x5207


def _rel(fid: int) -> Pkcs15Path:
    return Pkcs15Path(fid.to_bytes(2, "big"))


def build_odf(layout: Pkcs15Layout) -> bytes:
    entries = [OdfEntry.to("DODF", _rel(layout.dodf_fid))]  # the DODF-bootstrap first (D.1: priority order)
    if layout.pins:
        entries.append(OdfEntry.to("AODF", _rel(layout.aodf_fid)))
    return encode_odf(entries)


def build_files(layout: Pkcs15Layout) -> dict[int, bytes]:
    """FID → DER content of ODF, TokenInfo, AODF (when there are PINs) and DODF."""
    files = {
        layout.odf_fid: build_odf(layout),
        layout.tokeninfo_fid: encode_tokeninfo(layout.tokeninfo),
        layout.dodf_fid: encode_dodf(layout.data_objects),
    }
    if layout.pins:
        files[layout.aodf_fid] = encode_aodf(layout.pins)
    return files


def build_efdir_record(layout: Pkcs15Layout, record_size: int | None = None) -> bytes:
    return encode_application(layout.aid, layout.label, layout.df_path, record_size)
