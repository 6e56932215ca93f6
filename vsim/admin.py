"""Administrative commands of a UICC (ETSI TS 102 222): CREATE FILE, DELETE FILE, ACTIVATE FILE,
DEACTIVATE FILE.

- CREATE FILE ``00 E0 00 00 Lc 62 ...``: the FCP of the new file (82 descriptor, 83 FID, 84 AID for an
  ADF, 8A LCSI, one of 8B/8C/AB, 80 size of an EF / 81 memory of a DF, 88 SFI, C6 PIN status of a DF,
  A5 proprietary: C1 filling / C2 repeat pattern of a new EF's content, TS 102 222 table 4a). It is
  created in the current DF, whose rule for create_ef / create_df must be met, and becomes the current
  file. 6A89 FID (or AID, or SFI) already there, 6A84 not enough memory, 6A80 an FCP
  this card cannot take, 6982 access.
- DELETE FILE ``00 E4 00 00 02 FID``: a child of the current DF, its delete rule met; its memory is freed.
- DEACTIVATE ``00 04 00 00 [02 FID]`` / ACTIVATE ``00 44 00 00 [02 FID]``: the current file or a child
  of the current DF. A deactivated EF is not read or updated: 6283 (TS 102 221 10.2.1.2).

Every change is kept in ``card.admin_log`` so a state file can replay it (vsim.state).
"""

from __future__ import annotations

from .card import ChannelState, SwError
from .fs import DF, EF, MF_FID, Node
from .rules import BadAttributes, check_attributes, tlvs

LCSI_ACTIVATED, LCSI_DEACTIVATED = 0x05, 0x04
_LCSI_CREATABLE = (0x01, 0x03, 0x04, 0x05)  # creation, initialisation, deactivated, activated


def _fcp_items(data: bytes) -> dict[int, bytes]:
    try:
        top = tlvs(data, padding=False)
        if len(top) != 1 or top[0][0] != 0x62:
            raise BadAttributes("not one FCP template 62")
        items: dict[int, bytes] = {}
        for tag, value in tlvs(top[0][1], padding=False):
            if tag in items:
                raise BadAttributes(f"tag {tag:02X} twice")
            items[tag] = value
        return items
    except BadAttributes:
        raise SwError(0x6A80) from None


def build_node(data: bytes) -> tuple[Node, int]:  # noqa: C901 - one check per FCP rule
    """The file a CREATE FILE's FCP describes, and the memory it takes. 6A80 for anything unfit."""
    items = _fcp_items(data)
    desc, fid_b = items.get(0x82), items.get(0x83)
    if not desc or fid_b is None or len(fid_b) != 2:
        raise SwError(0x6A80)
    fid = int.from_bytes(fid_b, "big")
    if fid in (MF_FID, 0x7FFF, 0xFFFF):
        raise SwError(0x6A80)
    security = next((tag for tag in (0x8B, 0x8C, 0xAB) if tag in items), None)
    if security is None or sum(tag in items for tag in (0x8B, 0x8C, 0xAB)) != 1:
        raise SwError(0x6A80)  # exactly one form of security attributes (TS 102 222 table 3)
    raw_security = bytes([security]) + _length(items[security]) + items[security]
    try:
        check_attributes(raw_security)
    except BadAttributes:
        raise SwError(0x6A80) from None
    lcsi = items.get(0x8A, bytes([LCSI_ACTIVATED]))
    if len(lcsi) != 1 or lcsi[0] not in _LCSI_CREATABLE:
        raise SwError(0x6A80)
    kind = desc[0] & 0xBF  # b7: shareable
    node: Node
    if kind == 0x38:  # DF or ADF
        aid = items.get(0x84)
        if aid is not None and not 5 <= len(aid) <= 16:
            raise SwError(0x6A80)
        node = DF(fid, aid=aid)
        pins = items.get(0xC6)
        if pins is not None:
            try:
                node.pin_refs = [v[0] for t, v in tlvs(pins, padding=False) if t == 0x83 and len(v) == 1]
            except BadAttributes:
                raise SwError(0x6A80) from None
        memory = int.from_bytes(items.get(0x81, b""), "big")
    elif kind in (0x01, 0x02):
        size_b = items.get(0x80)
        if not size_b or len(size_b) > 2:
            raise SwError(0x6A80)
        size = int.from_bytes(size_b, "big")
        if kind == 0x01:
            if len(desc) != 2 or size == 0:
                raise SwError(0x6A80)
            node = EF(fid, structure="transparent", data=_initial_content(size, 0, items.get(0xA5)))
        else:
            # linear fixed: descriptor, coding, record length (2 bytes)[, number of records]; a shortened
            # descriptor without the count takes it from the size (as cards accept from pySim scripts)
            if len(desc) not in (4, 5):
                raise SwError(0x6A80)
            rsize = int.from_bytes(desc[2:4], "big")
            if not 1 <= rsize <= 255 or size % rsize or not 1 <= size // rsize <= 254:
                raise SwError(0x6A80)
            if len(desc) == 5 and desc[4] != size // rsize:
                raise SwError(0x6A80)
            node = EF(fid, structure="linear", data=_initial_content(size, rsize, items.get(0xA5)),
                      record_size=rsize)
        memory = size
        sfi = items.get(0x88)
        if sfi is None:
            node.sfi = fid & 0x1F or None  # TS 102 221 11.1.1.4.8: no 88, the FID's low 5 bits
        elif sfi:
            if len(sfi) != 1 or sfi[0] & 0x07 or not 1 <= sfi[0] >> 3 <= 30:
                raise SwError(0x6A80)
            node.sfi = sfi[0] >> 3
    else:
        raise SwError(0x6A80)  # cyclic and BER-TLV EFs: not on this card
    node.security_raw = raw_security
    node.enforce_security = True
    node.lifecycle = LCSI_DEACTIVATED if lcsi[0] == LCSI_DEACTIVATED else LCSI_ACTIVATED
    return node, memory


def _length(value: bytes) -> bytes:
    n = len(value)
    return bytes([n]) if n < 0x80 else (bytes([0x81, n]) if n <= 0xFF else bytes([0x82]) + n.to_bytes(2, "big"))


def _memory_used(card) -> int:
    """EF contents plus what created DFs reserved, in one walk of the tree."""
    return sum(n.size if isinstance(n, EF) else n.reserved for n in card.mf.walk())


def memory_free(card) -> int | None:
    """Bytes a CREATE FILE may still take (None: the layout sets no limit)."""
    limit = card.profile.memory
    return None if limit is None else max(0, limit - _memory_used(card))


def _initial_content(size: int, record_size: int, proprietary: bytes | None) -> bytearray:
    """TS 102 222 table 4a: A5 {C1 filling pattern} (its first W-1 bytes, then its last byte repeated) or
    {C2 repeat pattern}, per record of a record EF; FF without either."""
    fill = repeat = None
    try:
        items = tlvs(proprietary, padding=False) if proprietary else []
    except BadAttributes:
        raise SwError(0x6A80) from None
    for tag, value in items:
        if tag == 0xC1 and value:
            fill = value
        elif tag == 0xC2 and value:
            repeat = value
    unit = record_size or size
    if fill is not None:
        block = (fill[:-1] + fill[-1:] * unit)[:unit]
    elif repeat is not None:
        block = (repeat * (unit // len(repeat) + 1))[:unit]
    else:
        block = b"\xff" * unit
    return bytearray(block * (size // unit))


def create_in(card, parent: DF, data: bytes, ch: ChannelState | None) -> Node:
    """Create the FCP's file in ``parent`` (``ch`` None: replaying a state file, no access check)."""
    node, memory = build_node(data)
    if ch is not None and not card.allows(parent, "create_df" if isinstance(node, DF) else "create_ef", ch):
        raise SwError(0x6982)
    if node.fid in parent.children or node.fid == parent.fid:
        raise SwError(0x6A89)
    if isinstance(node, DF) and node.aid and any(
            isinstance(n, DF) and n.aid and (n.aid.startswith(node.aid) or node.aid.startswith(n.aid))
            for n in card.mf.walk()):
        raise SwError(0x6A89)
    if node.sfi and any(c.sfi == node.sfi for c in parent.children.values()):
        raise SwError(0x6A89)
    limit = card.profile.memory
    if limit is not None and _memory_used(card) + memory > limit:
        raise SwError(0x6A84)
    if isinstance(node, DF):
        node.reserved = memory
    parent.add(node)
    card.admin_log.append(("create", parent.path_str, data.hex().upper()))
    return node


def _target(card, ch: ChannelState, cmd) -> Node:
    """The file an admin command names: a FID in the data (child of the current DF, or the DF itself), or
    with no data the current file."""
    if not cmd.data:
        return ch.current_ef or ch.current_df
    if len(cmd.data) != 2:
        raise SwError(0x6700)
    fid = int.from_bytes(cmd.data, "big")
    df = ch.current_df
    if fid == df.fid:
        return df
    node = df.children.get(fid)
    if node is None:
        raise SwError(0x6A82)
    return node


def delete_node(card, node: Node, ch: ChannelState | None) -> None:
    parent = node.parent
    if parent is None:
        raise SwError(0x6985)  # the MF stays
    if ch is not None and not card.allows(node, "delete", ch):
        raise SwError(0x6982)
    gone = set(id(n) for n in (node.walk() if isinstance(node, DF) else [node]))
    del parent.children[node.fid]
    node.parent = None
    for other in card.channels.values():  # a channel inside what was deleted goes back to the parent
        if id(other.current_df) in gone or (other.current_ef is not None and id(other.current_ef) in gone):
            other.current_df, other.current_ef, other.record = parent, None, 0
        if other.adf is not None and id(other.adf) in gone:
            other.adf = None
    card.admin_log.append(("delete", parent.path_str, f"{node.fid:04X}"))


def handle_create(card, ch: ChannelState, chan: int, cmd) -> tuple[bytes, int]:
    if cmd.p1 or cmd.p2:
        raise SwError(0x6A86)
    if not cmd.data:
        raise SwError(0x6700)
    node = create_in(card, ch.current_df, cmd.data, ch)
    card.make_current(ch, node)  # TS 102 222 6.3: the created file is selected
    return b"", 0x9000


def handle_delete(card, ch: ChannelState, chan: int, cmd) -> tuple[bytes, int]:
    if cmd.p1 or cmd.p2:
        raise SwError(0x6A86)
    if len(cmd.data) != 2:
        raise SwError(0x6700)
    node = _target(card, ch, cmd)
    delete_node(card, node, ch)
    return b"", 0x9000


def handle_lifecycle(card, ch: ChannelState, chan: int, cmd) -> tuple[bytes, int]:
    """DEACTIVATE FILE (04) / ACTIVATE FILE (44), TS 102 221 11.1.14 / 11.1.15."""
    if cmd.p1 or cmd.p2:
        raise SwError(0x6A86)
    node = _target(card, ch, cmd)
    activate = cmd.ins == 0x44
    if not card.allows(node, "activate" if activate else "deactivate", ch):
        raise SwError(0x6982)
    node.lifecycle = LCSI_ACTIVATED if activate else LCSI_DEACTIVATED
    card.admin_log.append(("activate" if activate else "deactivate", node.path_str, ""))
    if isinstance(node, EF):
        card.make_current(ch, node)
    return b"", 0x9000


def replay(card, log: list) -> None:
    """Apply a saved admin log (vsim.state) to a freshly loaded card; ValueError when it does not fit."""
    def find(path: str) -> Node:
        node: Node = card.mf
        for part in path.split("/")[1:]:
            child = node.children.get(int(part, 16)) if isinstance(node, DF) else None
            if child is None:
                raise ValueError(f"{path} is not on the card")
            node = child
        return node

    for entry in log:
        if not (isinstance(entry, list) and len(entry) == 3 and all(isinstance(x, str) for x in entry)):
            raise ValueError(f"admin entry {entry!r} is not [operation, path, data]")
        op, path, data = entry
        try:
            target = find(path)
            if op == "create" and isinstance(target, DF):
                create_in(card, target, bytes.fromhex(data), None)
            elif op == "delete" and isinstance(target, DF) and int(data, 16) in target.children:
                delete_node(card, target.children[int(data, 16)], None)
            elif op in ("activate", "deactivate"):
                target.lifecycle = LCSI_ACTIVATED if op == "activate" else LCSI_DEACTIVATED
                card.admin_log.append((op, path, ""))
            else:
                raise ValueError(f"cannot {op} {path} {data}")
        except SwError as e:
            raise ValueError(f"{op} {path} {data}: the card answers {e.sw:04X}") from None
