"""Decode the File Control Parameters a UICC returns to SELECT with P2=04 (ETSI TS 102 221 11.1.1.3).

Tags: 82 file descriptor, 83 FID, 84 DF name (AID), A5 proprietary, 8A life cycle status, 8B/8C/AB
security attributes (referenced / compact / expanded, ISO/IEC 7816-4 9.3), C6 PIN status template,
80 file size, 81 total file size, 88 SFI. Malformed input raises :class:`cardboot.errors.TlvError`
naming the tag and the byte offset.
"""

from __future__ import annotations

from .. import tlv
from ..errors import TlvError
from .access_rule import AccessRules, decode_arr_reference, decode_compact, decode_expanded, key_ref_name
from .fileinfo import FileInfo, FileKind, PinStatus

_WHAT = "FCP"

_EF_STRUCTURES = {0x01: "transparent", 0x02: "linear", 0x06: "cyclic"}

_LCSI = {0x00: "no information", 0x01: "creation", 0x03: "initialisation"}


def _lifecycle(b: int) -> str:
    """TS 102 221 11.1.1.4.9: LCSI byte."""
    if b in _LCSI:
        return _LCSI[b]
    if b & 0xFC == 0x04:
        return "activated" if b & 0x01 else "deactivated"
    if b & 0xFC == 0x0C:
        return "terminated"
    return f"proprietary {b:02X}"


def _pin_status(c6: tlv.Tlv) -> tuple[PinStatus, ...]:
    """C6 (TS 102 221 9.5.2): 90 PS_DO bitmap (b8 of its first byte = first key reference), then for each
    PIN an optional 95 usage qualifier and an 83 key reference."""
    items = c6.children(padding=True)
    ps = tlv.find(items, 0x90)
    if ps is None:
        raise TlvError(_WHAT, "PIN status template (C6) without PS_DO (90)", c6.offset)
    bits = int.from_bytes(ps.value, "big") if ps.value else 0
    nbits = 8 * len(ps.value)
    out = []
    for i, key in enumerate(tlv.find_all(items, 0x83)):
        if len(key.value) != 1:
            raise TlvError(_WHAT, f"key reference (83) of {len(key.value)} bytes in C6", key.offset)
        enabled = i < nbits and bool(bits & (1 << (nbits - 1 - i)))
        ref = key.value[0]
        out.append(PinStatus(ref, key_ref_name(ref), enabled))
    return tuple(out)


def decode_fcp(data: bytes, where: str = "") -> FileInfo:
    """Decode an FCP template (62 ...). Raises :class:`TlvError` on anything malformed."""
    top = tlv.parse(data, what=_WHAT, where=where)
    if not top or top[0].tag != 0x62:
        raise TlvError(_WHAT, "response is not an FCP template (62)", 0, where)
    items = top[0].children(padding=True)
    desc = tlv.find(items, 0x82)
    if desc is None or not desc.value:
        raise TlvError(_WHAT, "file descriptor (82) missing", top[0].offset, where)
    d = desc.value[0]
    kind, structure = "EF", None
    record_size = record_count = None
    if d & 0x38 == 0x38 and d & 0x07 == 0x00:
        kind = "DF"
    elif d & 0x3F == 0x39:
        structure = "ber-tlv"
    else:
        structure = _EF_STRUCTURES.get(d & 0x07)
        if structure is None:
            raise TlvError(_WHAT, f"file descriptor byte {d:02X} has an unknown EF structure", desc.offset, where)
        if structure in ("linear", "cyclic"):
            if len(desc.value) != 5:
                raise TlvError(_WHAT, f"record file descriptor of {len(desc.value)} bytes (need 5)", desc.offset, where)
            record_size = int.from_bytes(desc.value[2:4], "big")
            record_count = desc.value[4]

    fid = aid = sfi = lifecycle = size = free = None
    access = AccessRules()
    pins: tuple[PinStatus, ...] = ()
    for item in items:
        t, v = item.tag, item.value
        if t == 0x83:
            if len(v) != 2:
                raise TlvError(_WHAT, f"file identifier (83) of {len(v)} bytes", item.offset, where)
            fid = int.from_bytes(v, "big")
        elif t == 0x84:
            if not 1 <= len(v) <= 16:
                raise TlvError(_WHAT, f"DF name (84) of {len(v)} bytes", item.offset, where)
            aid = v
        elif t == 0x8A:
            if len(v) != 1:
                raise TlvError(_WHAT, "life cycle status (8A) must be one byte", item.offset, where)
            lifecycle = _lifecycle(v[0])
        elif t == 0xAB:
            access = decode_expanded(v, is_df=kind != "EF", where=where, padding=False)
        elif t == 0x8C:
            access = decode_compact(v, is_df=kind != "EF", where=where, offset=item.value_offset)
        elif t == 0x8B:
            arr = decode_arr_reference(v, where=where, offset=item.offset)
            access = AccessRules((), "referenced", arr)
        elif t == 0xC6:
            pins = _pin_status(item)
        elif t == 0x80 and kind == "EF":
            if not 1 <= len(v) <= 4:
                raise TlvError(_WHAT, f"file size (80) of {len(v)} bytes", item.offset, where)
            size = int.from_bytes(v, "big")
        elif t == 0x81 and kind != "EF":
            size = int.from_bytes(v, "big") if v else None
        elif t == 0x88:
            if len(v) > 1:
                raise TlvError(_WHAT, f"SFI (88) of {len(v)} bytes", item.offset, where)
            sfi = (v[0] >> 3) if v else 0  # empty: SFI not supported
        elif t == 0xA5:  # proprietary information (TS 102 221 11.1.1.4.6): the available memory is used
            for sub in item.children(padding=True):
                if sub.tag == 0x83 and 1 <= len(sub.value) <= 4:
                    free = int.from_bytes(sub.value, "big")
    if kind == "EF" and sfi is None and fid is not None:
        sfi = fid & 0x1F  # TS 102 221 11.1.1.4.8: no 88 → SFI is the 5 low bits of the FID
    if kind == "DF":
        kind = "MF" if fid == 0x3F00 else ("ADF" if aid else "DF")
    if kind == "EF" and record_size and record_count is not None and size is None:
        size = record_size * record_count
    return FileInfo(FileKind(kind), fid, structure, size, record_size, record_count, aid, sfi or None, lifecycle,
                    access, pins, bytes(data), free if kind != "EF" else None)


def _fcp_items(raw: bytes) -> list[tlv.Tlv] | None:
    if raw[:1] != b"\x62":
        return None
    try:
        return tlv.parse(raw, what="FCP")[0].children(padding=True)
    except TlvError:
        return None


def explicit_sfi(raw: bytes) -> int | None:
    """The SFI an FCP states in tag 88 (TS 102 221 11.1.1.4.8); None when it says none or is no FCP."""
    items = _fcp_items(raw)
    sfi = tlv.find(items, 0x88) if items else None
    return sfi.value[0] >> 3 if sfi is not None and len(sfi.value) == 1 and sfi.value[0] >> 3 else None


def security_attributes(raw: bytes) -> bytes | None:
    """The FCP's security attributes TLV (8B, 8C or AB, TS 102 221 11.1.1.4.7) verbatim: what CREATE FILE
    of the same file again carries. None when the FCP states none."""
    found = next((t for t in _fcp_items(raw) or [] if t.tag in (0x8B, 0x8C, 0xAB)), None)
    return tlv.encode(found.tag, found.value) if found is not None else None
