"""A 3G UICC (ETSI TS 102 221): CLA 00/80/40-4F/C0-CF, logical channels 0-3 (up to 20), SELECT by FID,
path and AID with FCP, PIN key references with the PIN status template, 63Cx / 6983 counters.
CLA A0 is answered 6E00, as a UICC in 3G mode does.
"""

from __future__ import annotations

from .apdu import Command
from .der import tlv
from . import admin
from .card import ChannelState, SwError, VirtualCard
from .fs import ALWAYS, DF, EF, NEVER, AccessCondition, Node
from .pins import PIN_BLOCK

# TS 102 221 11.1.1.4.3 file descriptor byte: shareable (40) + type/structure
_DESC_TRANSPARENT = 0x41
_DESC_LINEAR = 0x42
_DESC_DF = 0x78
_DATA_CODING = 0x21
_USAGE_USER_PIN = 0x08  # usage qualifier: user authentication, knowledge based (TS 102 221 9.5.2)

# Access mode bits (ISO 7816-4 table 17 for EFs)
_AM_READ = 0x01
_AM_UPDATE = 0x02
_AM_DEACTIVATE_ACTIVATE = 0x18


def _sc_do(cond: AccessCondition) -> bytes:
    """Security condition data object for the expanded format (ISO 7816-4 table 20)."""
    if cond == ALWAYS:
        return b"\x90\x00"
    if cond == NEVER:
        return b"\x97\x00"
    return tlv(0xA4, tlv(0x83, bytes([int(cond)])) + tlv(0x95, bytes([_USAGE_USER_PIN])))


def channel_from_cla(cla: int) -> int | None:
    """Logical channel number from CLA (TS 102 221 10.1.1), or None for a class a UICC does not serve."""
    hi = cla & 0xF0
    if hi in (0x00, 0x80):
        return cla & 0x03
    if hi in (0x40, 0xC0):
        return 4 + (cla & 0x0F)
    return None


class VirtualUicc(VirtualCard):
    family = "uicc"

    def __init__(self, profile, t0: bool = False, max_channels: int = 4):
        self.max_channels = max_channels
        super().__init__(profile, t0)

    # --- responses -----------------------------------------------------------------------------------
    def security_attributes(self, node: Node) -> bytes:
        if node.security_raw is not None:
            return node.security_raw
        if isinstance(node, EF):
            read, update = node.condition("read"), node.condition("update")
            body = tlv(0x80, bytes([_AM_READ])) + _sc_do(read)
            body += tlv(0x80, bytes([_AM_UPDATE | _AM_DEACTIVATE_ACTIVATE])) + _sc_do(update)
        else:
            body = tlv(0x80, b"\x7f") + _sc_do(node.condition("update"))
        return tlv(0xAB, body)

    def pin_status_template(self, df: DF) -> bytes:
        refs = df.pin_refs
        ps = 0
        for i, ref in enumerate(refs):
            pin = self.pins.get(ref)
            if pin is not None and pin.enabled:
                ps |= 0x80 >> (i % 8)
        body = tlv(0x90, bytes([ps]))
        for ref in refs:
            body += tlv(0x95, bytes([_USAGE_USER_PIN])) + tlv(0x83, bytes([ref]))
        return tlv(0xC6, body)

    def fcp(self, node: Node) -> bytes:
        """FCP template (TS 102 221 11.1.1.3) for the file."""
        if node.fcp_raw is not None:
            return node.fcp_raw
        items: list[tuple[int, bytes]] = []
        if isinstance(node, EF):
            if node.structure == "linear":
                desc = bytes([_DESC_LINEAR, _DATA_CODING, 0x00, node.record_size, node.record_count])
            else:
                desc = bytes([_DESC_TRANSPARENT, _DATA_CODING])
            items.append((0x82, desc))
            items.append((0x83, node.fid.to_bytes(2, "big")))
            items.append((0x8A, bytes([node.lifecycle])))
            out = b"".join(tlv(t, v) for t, v in items) + self.security_attributes(node)
            out += tlv(0x80, node.size.to_bytes(2, "big"))
            out += tlv(0x88, bytes([node.sfi << 3]) if node.sfi else b"")
        else:
            assert isinstance(node, DF)
            out = tlv(0x82, bytes([_DESC_DF, _DATA_CODING]))
            if node.fid <= 0xFFFF:  # an ADF named only by its AID has no FID to state
                out += tlv(0x83, node.fid.to_bytes(2, "big"))
            if node.aid:
                out += tlv(0x84, node.aid)
            free = admin.memory_free(self)
            if free is not None:  # proprietary information: available memory (TS 102 221 11.1.1.4.6.4)
                out += tlv(0xA5, tlv(0x83, free.to_bytes(2 if free < 0x10000 else 4, "big")))
            out += tlv(0x8A, bytes([node.lifecycle]))
            out += self.security_attributes(node)
            out += self.pin_status_template(node)
            total = sum(n.size for n in node.walk() if isinstance(n, EF))
            out += tlv(0x81, total.to_bytes(2, "big"))
        return tlv(0x62, out)

    def _respond(self, ch: ChannelState, cmd: Command, data: bytes) -> tuple[bytes, int]:
        """Return data for a case-4 command: 61xx under T=0, directly under T=1."""
        if self.t0:
            ch.pending = data
            return b"", 0x6100 | (len(data) & 0xFF)
        if cmd.le is None:
            return b"", 0x9000
        return data, 0x9000

    def _case2(self, data: bytes, cmd: Command, available: int, short_sw: int) -> tuple[bytes, int]:
        """Answer a case-2 read: Le bytes when they are there; past the end 6Cxx (T=0) or the bytes
        that are there with ``short_sw`` (T=1, 62 82 for READ BINARY)."""
        le = cmd.le or 256
        if le <= available:
            return data, 0x9000
        if self.t0:
            raise SwError(0x6C00 | (available & 0xFF))
        if le == 256:
            return data, 0x9000  # Le=00: "up to 256 bytes"; all that is left is the full answer
        return data, short_sw

    # --- dispatch -----------------------------------------------------------------------------------
    def handle(self, cmd: Command) -> tuple[bytes, int]:
        chan = channel_from_cla(cmd.cla)
        if chan is None:
            raise SwError(0x6E00)
        if chan not in self.channels:
            raise SwError(0x6881)
        ch = self.channels[chan]
        if cmd.ins != 0xC0:
            ch.pending = b""
        handler = self._handlers.get(cmd.ins)
        if handler is None:
            raise SwError(0x6D00)
        data, sw = handler(self, ch, chan, cmd)
        if cmd.le is None:
            data = b""  # case 1 / 3: no Le, no response data (ISO/IEC 7816-4 5.1)
        return data, sw

    def _select(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        p1, p2 = cmd.p1, cmd.p2
        if p2 not in (0x00, 0x04, 0x0C):  # 00 (FCI, answered with the FCP as many UICCs do), 04 FCP, 0C none
            raise SwError(0x6A86)
        if p1 == 0x00:
            if len(cmd.data) != 2:
                raise SwError(0x6700)
            node = self.select_fid(ch, int.from_bytes(cmd.data, "big"))
        elif p1 == 0x04:
            node = self._by_aid(cmd.data)
        elif p1 in (0x08, 0x09):
            if not cmd.data or len(cmd.data) % 2:
                raise SwError(0x6700)
            fids = [int.from_bytes(cmd.data[i : i + 2], "big") for i in range(0, len(cmd.data), 2)]
            start = self.mf if p1 == 0x08 else ch.current_df
            node = self.select_path(start, fids, ch)
        else:
            raise SwError(0x6A86)
        self.make_current(ch, node)
        if p2 & 0x0C == 0x0C:
            return b"", 0x9000
        return self._respond(ch, cmd, self.fcp(node))

    def _by_aid(self, aid: bytes) -> DF:
        if not aid:
            raise SwError(0x6A82)
        for node in self.mf.walk():
            if isinstance(node, DF) and node.aid and node.aid.startswith(aid):
                return node
        raise SwError(0x6A82)

    def _offset(self, ch: ChannelState, cmd: Command) -> tuple[EF, int]:
        if cmd.p1 & 0x80:
            if cmd.p1 & 0x60:
                raise SwError(0x6A86)
            ef = self.find_sfi(ch, cmd.p1 & 0x1F)
            self.make_current(ch, ef)
            return self.transparent_ef(ch), cmd.p2
        return self.transparent_ef(ch), (cmd.p1 << 8) | cmd.p2

    def _read_binary(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        ef, offset = self._offset(ch, cmd)
        self.require(ef, "read", ch)
        if offset >= ef.size:
            raise SwError(0x6B00)
        le = cmd.le or 256
        available = min(ef.size - offset, 256)
        data = bytes(ef.data[offset : offset + min(le, available)])
        return self._case2(data, cmd, available, 0x6282)

    def _update_binary(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        ef, offset = self._offset(ch, cmd)
        self.require(ef, "update", ch)
        if not cmd.data:
            raise SwError(0x6700)
        if offset >= ef.size:
            raise SwError(0x6B00)
        if offset + len(cmd.data) > ef.size:
            raise SwError(0x6700)
        ef.data[offset : offset + len(cmd.data)] = cmd.data
        return b"", 0x9000

    def _read_record(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        ef = self.linear_ef(ch, cmd.p2 >> 3)
        self.require(ef, "read", ch)
        n = self.record_number(ef, ch, cmd.p1, cmd.p2 & 0x07)
        rec = ef.record(n)
        le = cmd.le or 256
        if le == ef.record_size or (le == 256 and not self.t0):
            return rec, 0x9000
        raise SwError(0x6C00 | ef.record_size)

    def _update_record(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        ef = self.linear_ef(ch, cmd.p2 >> 3)
        self.require(ef, "update", ch)
        if len(cmd.data) != ef.record_size:
            raise SwError(0x6700)
        n = self.record_number(ef, ch, cmd.p1, cmd.p2 & 0x07)
        ef.set_record(n, cmd.data)
        return b"", 0x9000

    def _known_pin(self, ref: int):
        """The PIN a command names (TS 102 221 10.2.1): 6A88 no such key reference, 6983 blocked."""
        pin = self.pins.get(ref)
        if pin is None:
            raise SwError(0x6A88)
        if pin.blocked:
            raise SwError(0x6983)
        return pin

    def _verify(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        if cmd.p1 not in (0x00,):
            raise SwError(0x6A86)
        pin = self._known_pin(cmd.p2)
        if not cmd.data:
            if cmd.p2 in self.global_verified or cmd.p2 in ch.local_verified or not pin.enabled:
                return b"", 0x9000
            return b"", 0x63C0 | pin.retries
        if len(cmd.data) != PIN_BLOCK:
            raise SwError(0x6700)
        if pin.check(cmd.data):
            self.mark_verified(cmd.p2, ch)
            return b"", 0x9000
        self.unmark_verified(cmd.p2, ch)
        return b"", 0x63C0 | pin.retries

    def _change_pin(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        pin = self._known_pin(cmd.p2)
        if len(cmd.data) != 2 * PIN_BLOCK:
            raise SwError(0x6700)
        if not pin.check(cmd.data[:PIN_BLOCK]):
            return b"", 0x63C0 | pin.retries
        pin.value = cmd.data[PIN_BLOCK:].rstrip(b"\xff")
        self.mark_verified(cmd.p2, ch)
        return b"", 0x9000

    def _unblock_pin(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        pin = self.pins.get(cmd.p2)
        if pin is None or pin.puk is None:
            raise SwError(0x6A88)
        if pin.puk_retries == 0:
            raise SwError(0x6983)
        if not cmd.data:
            return b"", 0x63C0 | pin.puk_retries
        if len(cmd.data) != 2 * PIN_BLOCK:
            raise SwError(0x6700)
        if pin.unblock(cmd.data[:PIN_BLOCK], cmd.data[PIN_BLOCK:]):
            self.mark_verified(cmd.p2, ch)
            return b"", 0x9000
        return b"", (0x63C0 | pin.puk_retries) if pin.puk_retries else 0x6983

    def _pin_enablement(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        """DISABLE PIN (26) / ENABLE PIN (28), TS 102 221 11.1.10 / 11.1.11: P2 key reference, data the PIN."""
        if cmd.p1 not in (0x00,) and not (cmd.ins == 0x26 and cmd.p1 & 0x80):
            raise SwError(0x6A86)
        pin = self._known_pin(cmd.p2)
        if len(cmd.data) != PIN_BLOCK:
            raise SwError(0x6700)
        want = cmd.ins == 0x28
        if pin.enabled == want:
            raise SwError(0x6985)  # conditions of use not satisfied: already in that state
        if not pin.check(cmd.data):
            return b"", 0x63C0 | pin.retries
        pin.enabled = want
        return b"", 0x9000

    def _manage_channel(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        if cmd.p1 == 0x00:  # open
            if cmd.p2 == 0:
                free = [n for n in range(1, self.max_channels) if n not in self.channels]
                if not free:
                    raise SwError(0x6A81)
                new = free[0]
            else:
                new = cmd.p2
                if new >= self.max_channels or new in self.channels:
                    raise SwError(0x6A81 if new >= self.max_channels else 0x6A86)
            # TS 102 221 11.1.17.2: opened from the basic channel the MF is selected, else the
            # originating channel's current DF/ADF is inherited.
            if chan == 0:
                self.channels[new] = ChannelState(self.mf)
            else:
                self.channels[new] = ChannelState(ch.current_df, adf=ch.adf)
            return (bytes([new]), 0x9000) if cmd.p2 == 0 else (b"", 0x9000)
        if cmd.p1 == 0x80:  # close
            target = cmd.p2
            if target == 0 or target not in self.channels:
                raise SwError(0x6A86 if target == 0 else 0x6881)
            del self.channels[target]
            return b"", 0x9000
        raise SwError(0x6A86)

    def _status(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        df = ch.current_df
        if cmd.p2 == 0x0C:
            return b"", 0x9000
        if cmd.p2 == 0x01:
            data = tlv(0x84, df.aid) if df.aid else b""
        else:
            data = self.fcp(df)
        le = cmd.le or 256
        if self.t0 and cmd.le is not None and le != len(data):
            raise SwError(0x6C00 | (len(data) & 0xFF))  # T=0 case 2, P3 != Na: the card names the length
        return data[:le], 0x9000

    def _get_response(self, ch: ChannelState, chan: int, cmd: Command) -> tuple[bytes, int]:
        if not ch.pending:
            raise SwError(0x6985)
        le = cmd.le or 256
        data = ch.pending
        if le > len(data):
            raise SwError(0x6C00 | len(data))
        out, ch.pending = data[:le], data[le:]
        if ch.pending:
            return out, 0x6100 | (len(ch.pending) & 0xFF)
        return out, 0x9000

    _handlers = {
        0xA4: _select,
        0xB0: _read_binary,
        0xD6: _update_binary,
        0xB2: _read_record,
        0xDC: _update_record,
        0x20: _verify,
        0x24: _change_pin,
        0x26: _pin_enablement,
        0x28: _pin_enablement,
        0x2C: _unblock_pin,
        0x70: _manage_channel,
        0xF2: _status,
        0xC0: _get_response,
        0xE0: admin.handle_create,  # TS 102 222
        0xE4: admin.handle_delete,
        0x04: admin.handle_lifecycle,
        0x44: admin.handle_lifecycle,
    }
