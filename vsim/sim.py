"""A 2G SIM (3GPP TS 51.011): CLA A0 only (6E00 for anything else), SELECT by FID answered 9Fxx,
GET RESPONSE with the 9.2.1 file description, CHV1/CHV2 and ADM with 9804 / 9840.

Access condition nibbles (TS 51.011 9.3): 0 ALW, 1 CHV1, 2 CHV2, 4..E ADM, F NEV. This card shows a
PIN's key reference as its nibble, so ADM1 (VERIFY P2 = 0A, as many SIM vendors use) appears as A.
"""

from __future__ import annotations

from .apdu import Command
from .card import ChannelState, SwError, VirtualCard
from .fs import ALWAYS, DF, EF, NEVER, AccessCondition, Node
from .pins import PIN_BLOCK

SIM_CLA = 0xA0
_TYPE_MF, _TYPE_DF, _TYPE_EF = 0x01, 0x02, 0x04
_STRUCT = {"transparent": 0x00, "linear": 0x01}


def _nibble(cond: AccessCondition) -> int:
    if cond == ALWAYS:
        return 0x0
    if cond == NEVER:
        return 0xF
    return int(cond) & 0x0F


def _chv_status(retries: int, initialised: bool = True) -> int:
    """CHV status byte (TS 51.011 9.2.1): b8 = secret code initialised, b4-b1 = tries left."""
    return (0x80 if initialised else 0x00) | (retries & 0x0F)


class VirtualSim(VirtualCard):
    family = "sim"
    SW_FILE_NOT_FOUND = 0x9404
    SW_SECURITY = 0x9804
    SW_NO_EF = 0x9400
    SW_BAD_STRUCTURE = 0x9408
    SW_OUT_OF_RANGE = 0x9402
    SW_RECORD_NOT_FOUND = 0x9402
    SW_WRONG_P1P2 = 0x6B00

    def response_data(self, node: Node) -> bytes:
        """GET RESPONSE data after a SELECT (TS 51.011 9.2.1)."""
        if node.fcp_raw is not None:
            return node.fcp_raw
        fid = node.fid.to_bytes(2, "big")
        if isinstance(node, EF):
            read, update = node.condition("read"), node.condition("update")
            acc = bytes([
                (_nibble(read) << 4) | _nibble(update),
                0xF0 | 0x0,  # INCREASE never; RFU
                (_nibble(update) << 4) | _nibble(update),  # REHABILITATE / INVALIDATE
            ])
            rec = node.record_size if node.structure == "linear" else 0
            return (b"\x00\x00" + node.size.to_bytes(2, "big") + fid + bytes([_TYPE_EF, 0x00]) + acc
                    + bytes([0x01, 0x02, _STRUCT[node.structure], rec]))
        assert isinstance(node, DF)
        free = 0x1000
        n_df = sum(1 for c in node.children.values() if isinstance(c, DF))
        n_ef = sum(1 for c in node.children.values() if isinstance(c, EF))
        chv1, chv2 = self.pins.get(0x01), self.pins.get(0x02)
        codes = sum(1 + (p.puk is not None) for p in self.pins.values())
        characteristics = 0x80 if (chv1 is not None and not chv1.enabled) else 0x00
        gsm = bytes([
            characteristics,
            n_df,
            n_ef,
            codes,
            0x00,
            _chv_status(chv1.retries) if chv1 else 0x00,
            _chv_status(chv1.puk_retries) if chv1 and chv1.puk else 0x00,
            _chv_status(chv2.retries) if chv2 else 0x00,
            _chv_status(chv2.puk_retries) if chv2 and chv2.puk else 0x00,
            0x00,
        ])
        ftype = _TYPE_MF if node.parent is None else _TYPE_DF
        return (b"\x00\x00" + free.to_bytes(2, "big") + fid + bytes([ftype]) + b"\x00" * 5
                + bytes([len(gsm)]) + gsm)

    def handle(self, cmd: Command) -> tuple[bytes, int]:
        if cmd.cla != SIM_CLA:
            raise SwError(0x6E00)
        ch = self.channels[0]
        if cmd.ins != 0xC0:
            ch.pending = b""
        handler = self._handlers.get(cmd.ins)
        if handler is None:
            raise SwError(0x6D00)
        return handler(self, ch, cmd)

    def _p3(self, cmd: Command) -> int:
        return len(cmd.data) if cmd.data else (cmd.le or 0)

    def _select(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        if cmd.p1 or cmd.p2:
            raise SwError(0x6B00)
        if len(cmd.data) != 2:
            raise SwError(0x6702)
        node = self.select_fid(ch, int.from_bytes(cmd.data, "big"))
        self.make_current(ch, node)
        ch.pending = self.response_data(node)
        return b"", 0x9F00 | len(ch.pending)

    def _get_response(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        if not ch.pending:
            raise SwError(0x6F00)
        le = cmd.le or 256
        if le > len(ch.pending):
            raise SwError(0x6700 | len(ch.pending))
        out = ch.pending[:le]
        ch.pending = b""
        return out, 0x9000

    def _read_binary(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        ef = self.transparent_ef(ch)
        self.require(ef, "read", ch)
        offset = (cmd.p1 << 8) | cmd.p2
        n = cmd.le or 256
        if offset + n > ef.size:
            raise SwError(0x9402)
        return bytes(ef.data[offset : offset + n]), 0x9000

    def _update_binary(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        ef = self.transparent_ef(ch)
        self.require(ef, "update", ch)
        offset = (cmd.p1 << 8) | cmd.p2
        if not cmd.data:
            raise SwError(0x6700)
        if offset + len(cmd.data) > ef.size:
            raise SwError(0x9402)
        ef.data[offset : offset + len(cmd.data)] = cmd.data
        return b"", 0x9000

    def _read_record(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        ef = self.linear_ef(ch)
        self.require(ef, "read", ch)
        if (cmd.le or 256) != ef.record_size:
            raise SwError(0x6700 | ef.record_size)
        n = self.record_number(ef, ch, cmd.p1, cmd.p2)
        return ef.record(n), 0x9000

    def _update_record(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        ef = self.linear_ef(ch)
        self.require(ef, "update", ch)
        if len(cmd.data) != ef.record_size:
            raise SwError(0x6700 | ef.record_size)
        n = self.record_number(ef, ch, cmd.p1, cmd.p2)
        ef.set_record(n, cmd.data)
        return b"", 0x9000

    def _presented_chv(self, ref: int, cmd: Command, blocks: int = 1):
        """The CHV a VERIFY / CHANGE / DISABLE / ENABLE names, its data length checked (TS 51.011 9.4):
        9802 no such CHV, 67xx wrong length, 9840 blocked."""
        pin = self.pins.get(ref)
        if pin is None:
            raise SwError(0x9802)
        if len(cmd.data) != blocks * PIN_BLOCK:
            raise SwError(0x6700 | (blocks * PIN_BLOCK))
        if pin.blocked:
            raise SwError(0x9840)
        return pin

    def _verify_chv(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        if cmd.p1:
            raise SwError(0x6B00)
        pin = self._presented_chv(cmd.p2, cmd)
        if pin.check(cmd.data):
            self.mark_verified(cmd.p2, ch)
            return b"", 0x9000
        self.unmark_verified(cmd.p2, ch)
        return b"", 0x9840 if pin.blocked else 0x9804

    def _unblock_chv(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        ref = 0x01 if cmd.p2 == 0x00 else cmd.p2  # TS 51.011 9.2.12: P2 = 00 means CHV1
        pin = self.pins.get(ref)
        if pin is None or pin.puk is None:
            raise SwError(0x9802)
        if len(cmd.data) != 2 * PIN_BLOCK:
            raise SwError(0x6710)
        if pin.puk_retries == 0:
            raise SwError(0x9840)
        if pin.unblock(cmd.data[:PIN_BLOCK], cmd.data[PIN_BLOCK:]):
            self.mark_verified(ref, ch)
            return b"", 0x9000
        return b"", 0x9840 if pin.puk_retries == 0 else 0x9804

    def _status(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        data = self.response_data(ch.current_df)
        le = cmd.le or 256
        if le > len(data):
            raise SwError(0x6700 | (len(data) & 0xFF))  # TS 51.011 9.4.4: wrong P3, 67xx
        return data[:le], 0x9000

    def _change_chv(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        """CHANGE CHV (TS 51.011 9.2.10): P2 = CHV 01 or 02, data old || new (8 + 8 bytes)."""
        if cmd.p1 or cmd.p2 not in (0x01, 0x02):
            raise SwError(0x6B00)
        pin = self._presented_chv(cmd.p2, cmd, blocks=2)
        if not pin.enabled:
            raise SwError(0x9808)  # in contradiction with CHV status
        if not pin.check(cmd.data[:PIN_BLOCK]):
            return b"", 0x9840 if pin.blocked else 0x9804
        pin.value = cmd.data[PIN_BLOCK:].rstrip(b"\xff")
        self.mark_verified(cmd.p2, ch)
        return b"", 0x9000

    def _chv1_enablement(self, ch: ChannelState, cmd: Command) -> tuple[bytes, int]:
        """DISABLE CHV (26) / ENABLE CHV (28), TS 51.011 9.2.11 / 9.2.12: CHV1 only, data the CHV1 value."""
        if cmd.p1 or cmd.p2 != 0x01:
            raise SwError(0x6B00)
        pin = self._presented_chv(0x01, cmd)
        want = cmd.ins == 0x28
        if pin.enabled == want:
            raise SwError(0x9808)
        if not pin.check(cmd.data):
            return b"", 0x9840 if pin.blocked else 0x9804
        pin.enabled = want
        return b"", 0x9000

    _handlers = {
        0xA4: _select,
        0xC0: _get_response,
        0xB0: _read_binary,
        0xD6: _update_binary,
        0xB2: _read_record,
        0xDC: _update_record,
        0x20: _verify_chv,
        0x2C: _unblock_chv,
        0x24: _change_chv,
        0x26: _chv1_enablement,
        0x28: _chv1_enablement,
        0xF2: _status,
    }
