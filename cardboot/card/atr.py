"""What an ATR says (ISO/IEC 7816-3 8.2): the transmission protocols offered and the historical bytes."""

from __future__ import annotations


def atr_protocols(atr: bytes) -> set[int]:
    """Transmission protocols an ATR offers (ISO/IEC 7816-3 8.2: the low nibble of each TDi; T=0 when
    there is no TD1). T=15 (global bytes) is not a protocol and is left out."""
    if len(atr) < 2:
        return {0}
    protocols: set[int] = set()
    y = atr[1] >> 4
    i = 2
    while True:
        i += bin(y & 0x7).count("1")  # TA, TB, TC present
        if not y & 0x8 or i >= len(atr):  # no TD, or the ATR ends early
            break
        td = atr[i]
        i += 1
        if td & 0x0F != 15:
            protocols.add(td & 0x0F)
        y = td >> 4
    return protocols or {0}  # no TD1 (or only T=15): T=0


def historical_bytes(atr: bytes) -> bytes:
    """The K historical bytes (low nibble of T0), after the interface bytes."""
    if len(atr) < 2:
        return b""
    k = atr[1] & 0x0F
    y = atr[1] >> 4
    i = 2
    while True:
        i += bin(y & 0x7).count("1")
        if not y & 0x8 or i >= len(atr):
            break
        y = atr[i] >> 4
        i += 1
    return bytes(atr[i : i + k])


def describe_atr(atr: bytes) -> str:
    """'T=0, T=1; historical bytes 80 31 E0 ...' for people."""
    protos = ", ".join(f"T={p}" for p in sorted(atr_protocols(atr)))
    hist = historical_bytes(atr)
    return f"{protos}; historical bytes {hist.hex(' ').upper() or '-'}"
