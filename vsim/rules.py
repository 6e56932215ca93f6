"""Security attributes a UICC enforces when a file carries them as data: compact (8C), expanded (AB) and
referenced to EF.ARR (8B), TS 102 221 9.2 / 11.1.1.4.7 and ISO/IEC 7816-4:2013 9.3 and table 33.

vsim's own reading, independent of cardboot's decoder: used for files created with CREATE FILE
(TS 102 222), whose only statement of access is the FCP they were created with. Layout files keep the
``read`` / ``update`` their layout states.

Access mode bits (ISO/IEC 7816-4 tables 17/18) by operation name:
EF: read b1, update b2, write b3, deactivate b4, activate b5, terminate b6, delete b7;
DF: delete_child b1, create_ef b2, create_df b3, deactivate b4, activate b5, terminate b6, delete b7.
"""

from __future__ import annotations

from dataclasses import dataclass

EF_AM = {"read": 0x01, "update": 0x02, "write": 0x04, "deactivate": 0x08, "activate": 0x10,
         "terminate": 0x20, "delete": 0x40}
DF_AM = {"delete_child": 0x01, "create_ef": 0x02, "create_df": 0x04, "deactivate": 0x08, "activate": 0x10,
         "terminate": 0x20, "delete": 0x40}


class BadAttributes(ValueError):
    """Security attributes that do not parse (a CREATE FILE gets 6A80)."""


def tlvs(data: bytes, *, padding: bool = True) -> list[tuple[int, bytes]]:
    """Single-byte-tag BER-TLVs (all tags used here are), stopping at FF/00 padding when allowed."""
    out = []
    i = 0
    while i < len(data):
        tag = data[i]
        if padding and tag in (0x00, 0xFF):
            break
        if i + 1 >= len(data):
            raise BadAttributes(f"TLV {tag:02X} at {i} has no length")
        n = data[i + 1]
        j = i + 2
        if n == 0x81 or n == 0x82:
            width = n - 0x80
            if j + width > len(data):
                raise BadAttributes(f"TLV {tag:02X} at {i}: length runs past the end")
            n = int.from_bytes(data[j:j + width], "big")
            j += width
        elif n > 0x80:
            raise BadAttributes(f"TLV {tag:02X} at {i}: length form {n:02X}")
        if j + n > len(data):
            raise BadAttributes(f"TLV {tag:02X} at {i}: {n} bytes announced, {len(data) - j} there")
        out.append((tag, data[j:j + n]))
        i = j + n
    return out


@dataclass(frozen=True)
class Expanded:
    """(AM byte or None for a command-header AM_DO, [SC_DOs]) in order."""

    rules: tuple[tuple[int | None, tuple[tuple[int, bytes], ...]], ...]

    def conditions(self, bit: int) -> tuple[tuple[int, bytes], ...] | None:
        """The SC_DOs that guard the access mode bit (several: any one is enough), None: no rule says."""
        for am, scs in self.rules:
            if am is not None and am & bit:
                return scs
        return None


def parse_expanded(data: bytes) -> Expanded:
    """AM_DO (80 access-mode byte, 81..8F command header) followed by one or more SC_DOs (ISO 7816-4 9.3.4)."""
    rules: list[tuple[int | None, list[tuple[int, bytes]]]] = []
    for tag, value in tlvs(data):
        if tag == 0x80:
            if len(value) != 1:
                raise BadAttributes(f"AM_DO 80 of {len(value)} bytes")
            rules.append((value[0], []))
        elif 0x81 <= tag <= 0x8F:
            rules.append((None, []))
        else:
            if not rules:
                raise BadAttributes(f"SC_DO {tag:02X} before any AM_DO")
            rules[-1][1].append((tag, value))
    return Expanded(tuple((am, tuple(scs)) for am, scs in rules))


def sc_satisfied(tag: int, value: bytes, verified) -> bool:
    """One SC_DO against the keys verified (``verified(ref) -> bool``), ISO/IEC 7816-4 table 33."""
    if tag == 0x90:
        return True
    if tag == 0x97:
        return False
    if tag == 0x9E:
        return value == b"\x00"
    if tag == 0xA4:  # control reference template: the key reference(s) in 83
        keys = [v[0] for t, v in tlvs(value, padding=False) if t == 0x83 and len(v) == 1]
        return bool(keys) and all(verified(k) for k in keys)
    inner = tlvs(value, padding=False)
    if tag == 0xA0:  # OR
        return any(sc_satisfied(t, v, verified) for t, v in inner)
    if tag == 0xAF:  # AND
        return bool(inner) and all(sc_satisfied(t, v, verified) for t, v in inner)
    if tag == 0xA7:  # NOT
        return not any(sc_satisfied(t, v, verified) for t, v in inner)
    return False  # a condition this card does not know is never met


def compact_allows(data: bytes, bit: int, verified) -> bool:
    """8C: AM byte, then one SC byte per AM bit set, from b7 down to b1 (ISO/IEC 7816-4 9.3.3). SC 00
    always, FF never; otherwise this card reads b4-b1 as the key reference."""
    if not data:
        raise BadAttributes("compact attributes without an AM byte")
    am, scs = data[0], list(data[1:])
    if not am & bit:
        return False
    for b in range(6, -1, -1):
        if am & (1 << b):
            if not scs:
                raise BadAttributes("compact attributes: fewer SC bytes than AM bits")
            sc = scs.pop(0)
            if (1 << b) == bit:
                return sc == 0x00 or (sc != 0xFF and verified(sc & 0x0F))
    return False


def arr_reference(value: bytes, se: int = 0) -> tuple[int, int]:
    """8B: EF.ARR FID + record, or FID + (SE, record) pairs; the record for ``se`` (else the first pair)."""
    if len(value) == 3:
        return int.from_bytes(value[:2], "big"), value[2]
    if len(value) >= 4 and len(value) % 2 == 0:
        pairs = [(value[i], value[i + 1]) for i in range(2, len(value), 2)]
        record = next((r for s, r in pairs if s == se), pairs[0][1])
        return int.from_bytes(value[:2], "big"), record
    raise BadAttributes(f"8B reference of {len(value)} bytes")


def check_attributes(data: bytes) -> None:
    """Parse once so that a CREATE FILE with attributes this card cannot read is refused (6A80)."""
    items = tlvs(data, padding=False)
    if len(items) != 1 or items[0][0] not in (0x8B, 0x8C, 0xAB):
        raise BadAttributes("security attributes must be one 8B, 8C or AB")
    tag, value = items[0]
    if tag == 0xAB:
        parse_expanded(value)
    elif tag == 0x8B:
        arr_reference(value)
    elif not value:
        raise BadAttributes("empty 8C")
