"""Decode the GET RESPONSE data a SIM returns after SELECT (TS 51.011 9.2.1).

MF/DF (at least 22 bytes): bytes 3-4 free memory, 5-6 FID, 7 type (01 MF, 02 DF), 13 length of the
GSM data, 14 file characteristics, 15/16 number of child DFs/EFs, 17 number of CHVs and codes,
19-22 status of CHV1, UNBLOCK CHV1, CHV2, UNBLOCK CHV2 (b8 = initialised, b4-b1 = tries left).

EF (at least 15 bytes): bytes 3-4 size, 5-6 FID, 7 type (04), 9-11 access conditions (nibbles: READ|
UPDATE, INCREASE|RFU, REHABILITATE|INVALIDATE), 12 status, 14 structure (00 transparent, 01 linear
fixed, 03 cyclic), 15 record length.
"""

from __future__ import annotations

from ..errors import DecodeError
from .access_rule import AccessRules, sim_nibble
from .fileinfo import FileInfo, FileKind, PinStatus, sim_chv_name

_WHAT = "SIM GET RESPONSE"
_TYPES = {0x01: "MF", 0x02: "DF", 0x04: "EF"}
_STRUCTURES = {0x00: "transparent", 0x01: "linear", 0x03: "cyclic"}


def _chv(ref: int, status: int, unblock: int | None, characteristics: int) -> PinStatus:
    enabled = bool(status & 0x80)
    if ref == 1 and characteristics & 0x80:  # b8 of file characteristics: CHV1 disabled
        enabled = False
    return PinStatus(ref, sim_chv_name(ref), enabled, status & 0x0F,
                     None if unblock is None else unblock & 0x0F)


def decode_sim_response(data: bytes, where: str = "") -> FileInfo:
    """Decode SIM GET RESPONSE data. Raises :class:`DecodeError` naming the byte offset."""
    if len(data) < 7:
        raise DecodeError(_WHAT, f"{len(data)} bytes, need at least 7", None, where)
    ftype = data[6]
    kind = _TYPES.get(ftype)
    if kind is None:
        raise DecodeError(_WHAT, f"unknown type of file {ftype:02X}", 6, where)
    fid = int.from_bytes(data[4:6], "big")
    if kind == "EF":
        if len(data) < 14:
            raise DecodeError(_WHAT, f"EF response of {len(data)} bytes, need at least 14", None, where)
        structure = _STRUCTURES.get(data[13])
        if structure is None:
            raise DecodeError(_WHAT, f"unknown EF structure {data[13]:02X}", 13, where)
        size = int.from_bytes(data[2:4], "big")
        record_size = record_count = None
        if structure != "transparent":
            if len(data) < 15 or data[14] == 0:
                raise DecodeError(_WHAT, "record EF without a record length", 14, where)
            record_size = data[14]
            record_count = size // record_size
        a, b, c = data[8], data[9], data[10]
        access = AccessRules((
            ("read", sim_nibble(a >> 4)),
            ("update", sim_nibble(a & 0x0F)),
            ("increase", sim_nibble(b >> 4)),
            ("rehabilitate", sim_nibble(c >> 4)),
            ("invalidate", sim_nibble(c & 0x0F)),
        ), "sim")
        lifecycle = "activated" if data[11] & 0x01 else "invalidated"
        return FileInfo(FileKind.EF, fid, structure, size, record_size, record_count, None, None, lifecycle,
                        access, (), bytes(data))
    if len(data) < 13:
        raise DecodeError(_WHAT, f"DF response of {len(data)} bytes, need at least 13", None, where)
    gsm_len = data[12]
    pins: list[PinStatus] = []
    if gsm_len >= 9 and len(data) >= 22:  # CHV status bytes 19-22 (bytes 23+ are optional)
        characteristics = data[13]
        pins.append(_chv(1, data[18], data[19], characteristics))
        pins.append(_chv(2, data[20], data[21], characteristics))
    return FileInfo(FileKind(kind), fid, None, None, None, None, None, None, None, AccessRules(), tuple(pins), bytes(data))
