"""What every virtual card shares: power, APDU parsing, selection rules, access checks, binary and
record access, and a hook for fault injection. The personalities (``sim.py``, ``uicc.py``) add their
class byte, their SELECT response format and their status words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .apdu import Command, MalformedApdu, parse_command

from .fs import ALWAYS, DF, EF, MF_FID, NEVER, AccessCondition, Node
from .profile import CardProfile
from .rules import DF_AM, EF_AM, BadAttributes, arr_reference, compact_allows, parse_expanded, sc_satisfied, tlvs


class SwError(Exception):
    """Raised inside a handler to answer a status word (and optional data)."""

    def __init__(self, sw: int, data: bytes = b""):
        self.sw = sw
        self.data = data


@dataclass
class ChannelState:
    current_df: DF
    current_ef: EF | None = None
    adf: DF | None = None
    record: int = 0  # current record pointer of the current EF
    local_verified: set[int] = field(default_factory=set)
    pending: bytes = b""  # response waiting for GET RESPONSE


class VirtualCard:
    """Base of the SIM and UICC personalities. ``process`` takes a C-APDU and returns the R-APDU."""

    family = ""
    # Status words each personality fills in
    SW_FILE_NOT_FOUND = 0x6A82
    SW_SECURITY = 0x6982
    SW_NO_EF = 0x6986
    SW_BAD_STRUCTURE = 0x6981
    SW_OUT_OF_RANGE = 0x6B00
    SW_RECORD_NOT_FOUND = 0x6A83
    SW_WRONG_P1P2 = 0x6A86

    def __init__(self, profile: CardProfile, t0: bool = False):
        self.profile = profile
        self.t0 = t0
        self.mf = profile.mf
        self.pins = profile.pins
        self.powered = False
        self.apdu_count = 0
        self.fault = None  # an object with before(card, index, apdu) -> bytes | None (see vsim.faults)
        self.global_verified: set[int] = set()
        self.channels: dict[int, ChannelState] = {}
        self.admin_log: list[tuple[str, str, str]] = []  # TS 102 222 changes, for vsim.state to replay
        self._power_state()

    # --- power ---------------------------------------------------------------------------------------
    def _power_state(self) -> None:
        self.global_verified = set()
        self.channels = {0: ChannelState(self.mf)}

    @property
    def atr(self) -> bytes:
        return self.profile.atr

    def power_on(self) -> bytes:
        self.powered = True
        self._power_state()
        return self.atr

    def reset(self) -> bytes:
        return self.power_on()

    def power_off(self) -> None:
        self.powered = False
        self._power_state()

    # --- APDU entry ------------------------------------------------------------------------------------
    def process(self, apdu: bytes) -> bytes:
        if not self.powered:
            raise ConnectionError("card is not powered")
        index = self.apdu_count
        self.apdu_count += 1
        if self.fault is not None:
            forced = self.fault.before(self, index, bytes(apdu))
            if forced is not None:
                return forced
        try:
            cmd = parse_command(apdu)
        except MalformedApdu:
            return b"\x67\x00"
        try:
            data, sw = self.handle(cmd)
        except SwError as e:
            data, sw = e.data, e.sw
        return data + sw.to_bytes(2, "big")

    def handle(self, cmd: Command) -> tuple[bytes, int]:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- selection (TS 102 221 8.4.1, TS 51.011 8.1) -------------------------------------------------
    def select_fid(self, ch: ChannelState, fid: int) -> Node:
        cur = ch.current_df
        if fid == MF_FID:
            return self.mf
        if fid == 0x7FFF and ch.adf is not None:
            return ch.adf
        if fid == cur.fid and cur is not self.mf:
            return cur
        if fid in cur.children:
            return cur.children[fid]
        parent = cur.parent
        if parent is not None:
            if fid == parent.fid:
                return parent
            sibling = parent.children.get(fid)
            if isinstance(sibling, DF):
                return sibling
        raise SwError(self.SW_FILE_NOT_FOUND)

    def select_path(self, start: DF, fids: list[int], ch: ChannelState) -> Node:
        node: Node = start
        for i, fid in enumerate(fids):
            if i == 0 and fid == 0x7FFF and ch.adf is not None:
                node = ch.adf
                continue
            if not isinstance(node, DF) or fid not in node.children:
                raise SwError(self.SW_FILE_NOT_FOUND)
            node = node.children[fid]
        return node

    def make_current(self, ch: ChannelState, node: Node) -> None:
        if isinstance(node, DF):
            ch.current_df = node
            ch.current_ef = None
            if node.is_adf:
                ch.adf = node
        else:
            assert isinstance(node, EF)
            ch.current_ef = node
            ch.current_df = node.parent or self.mf
        ch.record = 0

    def find_sfi(self, ch: ChannelState, sfi: int) -> EF:
        for child in ch.current_df.children.values():
            if isinstance(child, EF) and child.sfi == sfi:
                return child
        raise SwError(self.SW_FILE_NOT_FOUND)

    # --- security ------------------------------------------------------------------------------------
    def satisfied(self, cond: AccessCondition, ch: ChannelState) -> bool:
        if cond == ALWAYS:
            return True
        if cond == NEVER:
            return False
        pin = self.pins.get(int(cond))
        if pin is not None and not pin.enabled:
            return True
        return cond in self.global_verified or cond in ch.local_verified

    def require(self, node: Node, op: str, ch: ChannelState) -> None:
        if not self.allows(node, op, ch):
            raise SwError(self.SW_SECURITY)

    def allows(self, node: Node, op: str, ch: ChannelState) -> bool:
        """May ``op`` (an access mode of vsim.rules: read, update, create_ef, delete, ...) be done on the
        node now? A created file answers from its security attributes; a layout file from its ``read``
        (reading) or ``update`` (everything else) condition."""
        if node.enforce_security and node.security_raw:
            return self._attributes_allow(node, op, ch)
        return self.satisfied(node.condition("read" if op == "read" else "update"), ch)

    def _attributes_allow(self, node: Node, op: str, ch: ChannelState) -> bool:
        bit = (DF_AM if isinstance(node, DF) else EF_AM).get(op)
        if bit is None:
            return False

        def verified(ref: int) -> bool:
            return self.satisfied(ref, ch)

        try:
            tag, value = tlvs(node.security_raw or b"", padding=False)[0]
            if tag == 0x8C:
                return compact_allows(value, bit, verified)
            if tag == 0x8B:
                fid, record = arr_reference(value)
                arr = self.find_arr(node, fid)
                if arr is None or not 1 <= record <= arr.record_count:
                    return False  # a rule that cannot be found allows nothing
                value = arr.record(record)
            rules = parse_expanded(value)
        except (BadAttributes, IndexError):
            return False
        scs = rules.conditions(bit)
        return scs is not None and any(sc_satisfied(t, v, verified) for t, v in scs)

    def find_arr(self, node: Node, fid: int) -> EF | None:
        """The EF.ARR a reference names: in the DF holding the file, then each parent up to the MF
        (TS 102 221 9.2.7)."""
        df = node.parent or self.mf
        while df is not None:
            arr = df.children.get(fid)
            if isinstance(arr, EF) and arr.structure == "linear":
                return arr
            df = df.parent
        return None

    def mark_verified(self, ref: int, ch: ChannelState) -> None:
        (ch.local_verified if ref >= 0x80 else self.global_verified).add(ref)

    def unmark_verified(self, ref: int, ch: ChannelState) -> None:
        ch.local_verified.discard(ref)
        self.global_verified.discard(ref)

    # --- binary / record -----------------------------------------------------------------------------
    def transparent_ef(self, ch: ChannelState) -> EF:
        ef = ch.current_ef
        if ef is None:
            raise SwError(self.SW_NO_EF)
        if ef.structure != "transparent":
            raise SwError(self.SW_BAD_STRUCTURE)
        self.require_active(ef)
        return ef

    def linear_ef(self, ch: ChannelState, sfi: int = 0) -> EF:
        ef = self.find_sfi(ch, sfi) if sfi else ch.current_ef
        if ef is None:
            raise SwError(self.SW_NO_EF)
        if ef.structure != "linear":
            raise SwError(self.SW_BAD_STRUCTURE)
        self.require_active(ef)
        if sfi:
            self.make_current(ch, ef)
        return ef

    def require_active(self, ef: EF) -> None:
        """A deactivated EF is neither read nor updated (TS 102 221 10.2.1.2: 6283)."""
        if ef.lifecycle == 0x04:
            raise SwError(0x6283)

    def record_number(self, ef: EF, ch: ChannelState, p1: int, mode: int) -> int:
        if mode == 0x04:
            n = p1 or ch.record
        elif mode == 0x02:
            n = ch.record + 1
        elif mode == 0x03:
            n = (ch.record - 1) if ch.record else ef.record_count
        else:
            raise SwError(self.SW_WRONG_P1P2)
        if not 1 <= n <= ef.record_count:
            raise SwError(self.SW_RECORD_NOT_FOUND)
        ch.record = n
        return n

    # --- state for vsim.state (issue: persistent cards) -------------------------------------------------
    def files(self):
        return [n for n in self.mf.walk() if isinstance(n, EF)]

