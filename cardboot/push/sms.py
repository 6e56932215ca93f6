"""A push over SMS (3GPP TS 23.040; WAP WDP over GSM SMS): the WSP PDU in 8-bit user data, each segment's
user data header with the 16-bit application port IE (05: destination 2948, the WAP push port; source
9200) and, when it takes more than one SMS, the concatenation IE (00: 8-bit reference, total, sequence).

SMS-DELIVER (what the device receives: MTI 00, UDHI, originating address, SCTS) and SMS-SUBMIT (what a
server hands an SMSC: MTI 01, UDHI, destination address, no validity period) TPDUs are built; either is
read back by :func:`reassemble`, which takes segments in any order, reports duplicates, refuses missing,
conflicting or foreign segments, and bounds everything before use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DecodeError

WAP_PUSH_PORT = 2948
WAP_SOURCE_PORT = 9200
MAX_UD = 140  # octets of user data in one SMS (8-bit)
MAX_SEGMENTS = 255
DCS_8BIT = 0x04
MAX_SET = MAX_SEGMENTS  # a set of TPDUs handed to reassemble


class SmsError(DecodeError):
    def __init__(self, reason: str, where: str = "", offset: int | None = None):
        super().__init__("SMS TPDU", reason, offset, where)


def _address(number: str) -> bytes:
    """TP-address (TS 23.040 9.1.2.5): digit count, TON/NPI 91 (international) or 81, swapped BCD."""
    intl = number.startswith("+")
    digits = number.lstrip("+")
    if not digits.isascii() or not digits.isdigit() or not 1 <= len(digits) <= 20:
        raise ValueError(f"address {number!r} must be 1 to 20 digits")
    padded = digits + ("F" if len(digits) % 2 else "")
    bcd = bytes(int(padded[i + 1] + padded[i], 16) for i in range(0, len(padded), 2))
    return bytes([len(digits), 0x91 if intl else 0x81]) + bcd


def _scts(when: tuple[int, int, int, int, int, int] = (26, 12, 1, 12, 0, 0)) -> bytes:
    """TP-SCTS: yy mm dd hh mm ss in swapped BCD, time zone 0."""
    return bytes(int(f"{v:02d}"[::-1], 16) for v in when) + b"\x00"


def split_push(pdu: bytes, reference: int = 0) -> list[bytes]:
    """The user data (UDH + part of the PDU) of each SMS carrying ``pdu``."""
    ports = bytes([0x05, 0x04]) + WAP_PUSH_PORT.to_bytes(2, "big") + WAP_SOURCE_PORT.to_bytes(2, "big")
    if len(pdu) <= MAX_UD - 1 - len(ports):
        return [bytes([len(ports)]) + ports + pdu]
    room = MAX_UD - 1 - len(ports) - 5
    parts = [pdu[i : i + room] for i in range(0, len(pdu), room)]
    if len(parts) > MAX_SEGMENTS:
        raise ValueError(f"a {len(pdu)}-byte push needs {len(parts)} SMS, more than {MAX_SEGMENTS}")
    out = []
    for seq, part in enumerate(parts, 1):
        udh = ports + bytes([0x00, 0x03, reference & 0xFF, len(parts), seq])
        out.append(bytes([len(udh)]) + udh + part)
    return out


def deliver_tpdu(ud: bytes, originator: str = "+491720000000") -> bytes:
    """SMS-DELIVER: first octet 44 (MTI 00, more-messages bit clear, UDHI), OA, PID 00, DCS 04, SCTS, UDL, UD."""
    return b"\x44" + _address(originator) + b"\x00" + bytes([DCS_8BIT]) + _scts() + bytes([len(ud)]) + ud


def submit_tpdu(ud: bytes, destination: str, reference: int = 0) -> bytes:
    """SMS-SUBMIT: first octet 41 (MTI 01, no validity period, UDHI), MR, DA, PID 00, DCS 04, UDL, UD."""
    return b"\x41" + bytes([reference & 0xFF]) + _address(destination) + b"\x00" + bytes([DCS_8BIT]) + \
        bytes([len(ud)]) + ud


@dataclass
class Segment:
    reference: int | None
    total: int
    seq: int
    data: bytes
    dest_port: int | None
    kind: str  # "deliver" | "submit"


def _skip_address(tpdu: bytes, i: int, where: str) -> int:
    if i + 2 > len(tpdu):
        raise SmsError("address runs past the end", where, i)
    return i + 2 + (tpdu[i] + 1) // 2


def parse_tpdu(tpdu: bytes, where: str = "") -> Segment:
    """One SMS-DELIVER or SMS-SUBMIT carrying 8-bit user data with a header."""
    if len(tpdu) < 4:
        raise SmsError(f"{len(tpdu)} bytes: too short", where, 0)
    first = tpdu[0]
    mti = first & 0x03
    if mti == 0:  # SMS-DELIVER: OA, PID, DCS, SCTS (7)
        dcs_at = _skip_address(tpdu, 1, where) + 1
        i, kind = dcs_at + 1 + 7, "deliver"
    elif mti == 1:  # SMS-SUBMIT: MR, DA, PID, DCS, VP (0, 1 or 7 octets by TP-VPF)
        dcs_at = _skip_address(tpdu, 2, where) + 1
        i, kind = dcs_at + 1 + {0: 0, 2: 1, 1: 7, 3: 7}[(first >> 3) & 0x03], "submit"
    else:
        raise SmsError(f"message type {mti} is neither SMS-DELIVER nor SMS-SUBMIT", where, 0)
    if i >= len(tpdu):
        raise SmsError("header fields run past the end", where, min(i, len(tpdu)))
    dcs = tpdu[dcs_at]
    eight_bit = (dcs & 0xC0 == 0x00 and dcs & 0x0C == 0x04) or (dcs & 0xF0 == 0xF0 and dcs & 0x04)
    if not eight_bit:
        raise SmsError(f"data coding 0x{dcs:02X} is not 8-bit data", where, dcs_at)
    udl = tpdu[i]
    ud = tpdu[i + 1 :]
    if udl != len(ud) or udl > MAX_UD:
        raise SmsError(f"user data length {udl} but {len(ud)} octets follow (at most {MAX_UD})", where, i)
    if not first & 0x40:
        raise SmsError("no user data header: not a WAP push segment", where, 0)
    hl = ud[0] if ud else 0
    if not ud or 1 + hl > len(ud):
        raise SmsError("user data header runs past the user data", where, i + 1)
    header, data = ud[1 : 1 + hl], ud[1 + hl :]
    ref = None
    total = seq = 1
    port = None
    k = 0
    while k < len(header):
        if k + 2 > len(header) or k + 2 + header[k + 1] > len(header):
            raise SmsError("information element runs past the header", where, i + 2 + k)
        iei, n = header[k], header[k + 1]
        value = header[k + 2 : k + 2 + n]
        if iei == 0x00 and n == 3:
            ref, total, seq = value[0], value[1], value[2]
        elif iei == 0x08 and n == 4:
            ref, total, seq = int.from_bytes(value[:2], "big"), value[2], value[3]
        elif iei == 0x05 and n == 4:
            port = int.from_bytes(value[:2], "big")
        elif iei == 0x04 and n == 2:
            port = value[0]
        k += 2 + n
    if total == 0 or not 1 <= seq <= total:
        raise SmsError(f"segment {seq} of {total}", where)
    return Segment(ref, total, seq, bytes(data), port, kind)


@dataclass
class Reassembled:
    pdu: bytes
    segments: int
    duplicates: list[int] = field(default_factory=list)


def reassemble(tpdus: list[tuple[str, bytes]]) -> Reassembled:
    """The WSP PDU from its SMS, any order. ``tpdus``: (where, TPDU) pairs."""
    if not tpdus:
        raise SmsError("no SMS given")
    if len(tpdus) > 2 * MAX_SET:
        raise SmsError(f"{len(tpdus)} SMS: more than a push can take ({MAX_SEGMENTS} segments)")
    parsed = [(w, parse_tpdu(t, w)) for w, t in tpdus]
    for w, s in parsed:
        if s.dest_port != WAP_PUSH_PORT:
            raise SmsError(f"destination port {s.dest_port} is not the WAP push port {WAP_PUSH_PORT}", w)
    refs = {(s.reference, s.total) for _, s in parsed}
    if len(refs) > 1:
        raise SmsError("segments of different messages (references/totals: "
                       + ", ".join(f"{r}/{t}" for r, t in sorted(refs, key=str)) + ")")
    total = parsed[0][1].total
    got: dict[int, bytes] = {}
    duplicates = []
    for w, s in parsed:
        if s.seq in got:
            if got[s.seq] != s.data:
                raise SmsError(f"segment {s.seq} given twice with different content", w)
            duplicates.append(s.seq)
            continue
        got[s.seq] = s.data
    missing = [n for n in range(1, total + 1) if n not in got]
    if missing:
        raise SmsError(f"segment(s) {', '.join(map(str, missing))} of {total} missing")
    return Reassembled(b"".join(got[n] for n in range(1, total + 1)), total, duplicates)
