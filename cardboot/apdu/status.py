"""Status word meanings.

UICC: ETSI TS 102 221 V17 section 10.2.1 (tables 10.9-10.17), with ISO/IEC 7816-4 section 5.6 for the
ones TS 102 221 inherits. SIM: 3GPP TS 51.011 section 9.4 (9.4.1-9.4.5).

``sw_meaning(sw, family)`` gives the text; ``is_success`` tells which SWs end a command normally.
"""

from __future__ import annotations

import enum


class CardFamily(str, enum.Enum):
    """SIM (TS 51.011, CLA A0) or UICC (TS 102 221, CLA 00/40-4F/80-CF)."""

    SIM = "sim"
    UICC = "uicc"


# Exact SWs. Keys are ints; wildcard entries (low byte varies) are in the *_SW1 tables.
UICC_EXACT: dict[int, str] = {
    0x9000: "normal ending of the command",
    0x6200: "warning: no information given, state of non-volatile memory unchanged",
    0x6281: "warning: part of returned data may be corrupted",
    0x6282: "warning: end of file/record reached before reading Le bytes",
    0x6283: "warning: selected file invalidated",
    0x6285: "warning: selected file in termination state",
    0x62F1: "warning: more data available",
    0x62F2: "warning: more data available and proactive command pending",
    0x62F3: "warning: response data available",
    0x63F1: "warning: more data expected",
    0x63F2: "warning: more data expected and proactive command pending",
    0x6400: "execution error: no information given, state of non-volatile memory unchanged",
    0x6500: "execution error: no information given, state of non-volatile memory changed",
    0x6581: "execution error: memory problem",
    0x6700: "wrong length",
    0x6800: "functions in CLA not supported",
    0x6881: "logical channel not supported",
    0x6882: "secure messaging not supported",
    0x6900: "command not allowed: no information given",
    0x6981: "command incompatible with file structure",
    0x6982: "security status not satisfied",
    0x6983: "authentication/PIN method blocked",
    0x6984: "referenced data invalidated",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no EF selected)",
    0x6989: "command not allowed: secure channel, security not satisfied",
    0x6A80: "incorrect parameters in the data field",
    0x6A81: "function not supported",
    0x6A82: "file not found",
    0x6A83: "record not found",
    0x6A84: "not enough memory space",
    0x6A86: "incorrect parameters P1 to P2",
    0x6A87: "Lc inconsistent with P1 to P2",
    0x6A88: "referenced data not found",
    0x6A89: "file ID or application already exists (TS 102 222)",
    0x6B00: "wrong parameter(s) P1-P2",
    0x6D00: "instruction code not supported or invalid",
    0x6E00: "class not supported",
    0x6F00: "technical problem, no precise diagnosis",
    0x9850: "INCREASE cannot be performed, max value reached",
    0x9862: "authentication error, application specific",
    0x9863: "security session or association expired",
    0x9864: "minimum UICC suspension time is too long",
}

UICC_SW1: dict[int, str] = {
    0x61: "response bytes still available: {x} bytes",
    0x6C: "wrong length: exact length is {x}",
    0x91: "normal ending, with extra information from the proactive UICC ({x} bytes)",
    0x92: "normal ending, with extra information concerning an ongoing data transfer session",
    0x6F: "technical problem, no precise diagnosis ({x:02X})",
}

SIM_EXACT: dict[int, str] = {
    0x9000: "normal ending of the command",
    0x9300: "SIM application toolkit is busy, command cannot be executed at present",
    0x9240: "memory problem",
    0x9400: "no EF selected",
    0x9402: "out of range (invalid address)",
    0x9404: "file ID not found / pattern not found",
    0x9408: "file is inconsistent with the command",
    0x9802: "no CHV initialized",
    0x9804: "access condition not fulfilled / unsuccessful CHV verification, at least one attempt left",
    0x9808: "in contradiction with CHV status",
    0x9810: "in contradiction with invalidation status",
    0x9840: "unsuccessful CHV verification, no attempt left / CHV blocked",
    0x9850: "increase cannot be performed, max value reached",
    0x9862: "authentication error, application specific",
    0x6D00: "unknown instruction code",
    0x6E00: "wrong instruction class",
    0x6F00: "technical problem with no diagnostic given",
}

SIM_SW1: dict[int, str] = {
    0x91: "normal ending, with extra information for the proactive SIM ({x} bytes)",
    0x9E: "length of the response data to a SIM data download error: {x} bytes",
    0x9F: "length of the response data: {x} bytes",
    0x92: "command successful but after using an internal update retry routine {x} times",
    0x67: "incorrect parameter P3 (expected {x:02X})",
    0x6B: "incorrect parameter P1 or P2",
    0x6F: "technical problem with no diagnostic given",
}


def sw_meaning(sw: int, family: CardFamily | str = CardFamily.UICC) -> str:
    """The meaning of a status word for this card family, from the spec tables."""
    family = CardFamily(family)
    exact, by_sw1 = (SIM_EXACT, SIM_SW1) if family is CardFamily.SIM else (UICC_EXACT, UICC_SW1)
    if sw in exact:
        return exact[sw]
    sw1, sw2 = sw >> 8, sw & 0xFF
    if family is CardFamily.UICC and sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"verification failed, {sw2 & 0x0F} retries left (or counter {sw2 & 0x0F})"
    if family is CardFamily.UICC and sw1 == 0x67:
        return "wrong length" if sw2 == 0 else f"wrong length ({sw2:02X})"
    if sw1 in by_sw1:
        return by_sw1[sw1].format(x=sw2)
    if family is CardFamily.SIM and sw in UICC_EXACT:
        # Some 2G cards answer ISO 7816-4 SWs; name them rather than call them unknown.
        return UICC_EXACT[sw] + " (ISO 7816-4)"
    return "unknown status word"


def is_success(sw: int, family: CardFamily | str = CardFamily.UICC) -> bool:
    """True for SWs that end a command normally (9000, 91xx, 92xx; SIM 9Fxx when the response is not fetched)."""
    sw1 = sw >> 8
    if sw == 0x9000 or sw1 in (0x91, 0x92):
        return True
    if CardFamily(family) is CardFamily.SIM and sw1 == 0x9F:
        return True
    return False
