"""EF.ICCID (2FE2): the card's identification number, BCD with swapped nibbles and F padding
(TS 102 221 13.2, TS 51.011 10.1.1, ITU-T E.118)."""

from __future__ import annotations

from ..errors import DecodeError

EF_ICCID = 0x2FE2
ICCID_SFI = 0x02  # TS 102 221 13.2
ICCID_SIZE = 10


def read_iccid(card) -> str:
    """EF.ICCID of a SIM or UICC. A UICC whose MF is the current DF reads it by its SFI (TS 102 221 13.2:
    SFI 02, 10 bytes), one APDU instead of a SELECT (two under T=0) and a READ BINARY; a card that refuses
    that read gets the SELECT."""
    from ..errors import StatusWordError
    from .path import MF
    from .uicc import UiccChannel

    if isinstance(card, UiccChannel) and card._current_df == (MF,) and card.current is not None:
        try:
            data = card.read_binary_sfi(ICCID_SFI, ICCID_SIZE)
            if len(data) == ICCID_SIZE:
                return decode_iccid(data)
        except StatusWordError:
            pass
    return decode_iccid(card.read_file((MF, EF_ICCID)))


def decode_iccid(data: bytes) -> str:
    """'98 94 44 99 99 00 00 00 20 F8' → '8949449999000000028'."""
    digits = []
    for i, b in enumerate(data):
        for nibble in (b & 0x0F, b >> 4):
            if nibble == 0xF:
                continue
            if nibble > 9:
                raise DecodeError("EF.ICCID", f"nibble {nibble:X} is not a BCD digit", i, "3F00/2FE2")
            digits.append(str(nibble))
    return "".join(digits)


def encode_iccid(iccid: str, size: int = 10) -> bytes:
    if not iccid.isdigit() or len(iccid) > 2 * size:
        raise ValueError(f"ICCID {iccid!r} must be up to {2 * size} digits")
    s = iccid.ljust(2 * size, "F")
    return bytes(int(s[i + 1], 16) << 4 | int(s[i], 16) for i in range(0, len(s), 2))
