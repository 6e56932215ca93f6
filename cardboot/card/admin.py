"""Administrative commands on a UICC (ETSI TS 102 222): CREATE FILE with the FCP of the new file, DELETE
FILE, DEACTIVATE FILE and ACTIVATE FILE, on the current DF/ADF of a logical channel.

CREATE FILE's FCP (TS 102 222 6.3, table 3): 82 file descriptor (41 21 transparent; 42 21 00 RL NR linear
fixed; 78 21 DF), 83 FID, 84 AID of an ADF, 8A life cycle (05 activated), one of 8B / 8C / AB security
attributes, 80 the EF's size or 81 the memory a DF reserves, 88 SFI (empty: none), C6 the PINs of a DF,
A5 {C1 FF}: the new EF's filling pattern (TS 102 222 table 4a), so it is created all FF.
After it the new file is the current file. A 2G SIM has none of these (TS 51.011): its files are made
at manufacture.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import tlv
from ..apdu.command import CommandApdu
from .fcp import decode_fcp
from .path import FilePath, path_str
from .uicc import UiccChannel

_USER_VERIFICATION = b"\x08"  # usage qualifier (TS 102 221 9.5.2)


@dataclass(frozen=True)
class NewFile:
    """What CREATE FILE is told about a file."""

    fid: int
    kind: str  # transparent | linear | df | adf
    security: bytes  # one 8B / 8C / AB TLV
    size: int = 0  # EF bytes (linear: record_size x records), DF: memory to reserve (0: none said)
    record_size: int = 0
    sfi: int | None = None  # None: no SFI (88 empty)
    aid: bytes | None = None
    pins: tuple[int, ...] = ()

    def fcp(self) -> bytes:
        """The FCP template (62) CREATE FILE carries."""
        if self.kind in ("df", "adf"):
            body = tlv.encode(0x82, b"\x78\x21") + tlv.encode(0x83, self.fid.to_bytes(2, "big"))
            if self.aid:
                body += tlv.encode(0x84, self.aid)
            body += tlv.encode(0x8A, b"\x05") + self.security
            if self.pins:
                ps = 0
                for i in range(min(len(self.pins), 8)):
                    ps |= 0x80 >> i
                refs = b"".join(tlv.encode(0x95, _USER_VERIFICATION) + tlv.encode(0x83, bytes([r]))
                                for r in self.pins)
                body += tlv.encode(0xC6, tlv.encode(0x90, bytes([ps])) + refs)
            if self.size:
                body += tlv.encode(0x81, self.size.to_bytes(2, "big"))
            return tlv.encode(0x62, body)
        if self.kind == "linear":
            desc = bytes([0x42, 0x21]) + self.record_size.to_bytes(2, "big") + bytes([self.size // self.record_size])
        else:
            desc = b"\x41\x21"
        body = (tlv.encode(0x82, desc) + tlv.encode(0x83, self.fid.to_bytes(2, "big"))
                + tlv.encode(0xA5, tlv.encode(0xC1, b"\xff"))  # filling pattern: the new EF reads FF (D.4.3)
                + tlv.encode(0x8A, b"\x05") + self.security + tlv.encode(0x80, self.size.to_bytes(2, "big"))
                + tlv.encode(0x88, bytes([self.sfi << 3]) if self.sfi else b""))
        return tlv.encode(0x62, body)


def create_file(channel: UiccChannel, new: NewFile) -> None:
    """CREATE FILE in the channel's current DF (``00 E0 00 00 Lc FCP``); the file becomes current, its
    FCP known without a SELECT."""
    parent: FilePath = channel._current_df
    fcp = new.fcp()
    channel.exchange.send(CommandApdu(channel.cla, 0xE0, 0x00, 0x00, fcp,
                                      name=f"CREATE FILE {new.fid:04X} in {path_str(parent)}"))
    info = decode_fcp(fcp, where=f"{new.fid:04X}")
    target = parent + (new.fid,)
    if new.kind in ("df", "adf"):
        channel._selected(target, info)
    else:
        channel._current, channel._info, channel._current_df = target, info, parent


def delete_file(channel: UiccChannel, fid: int) -> None:
    """DELETE FILE ``00 E4 00 00 02 FID``: a child of the current DF. The DF stays current."""
    parent = channel._current_df
    channel.exchange.send(CommandApdu(channel.cla, 0xE4, 0x00, 0x00, fid.to_bytes(2, "big"),
                                      name=f"DELETE FILE {fid:04X} in {path_str(parent)}"))
    channel._current, channel._info = parent, None


def set_active(channel: UiccChannel, fid: int, active: bool) -> None:
    """ACTIVATE FILE ``00 44 00 00 02 FID`` / DEACTIVATE FILE ``00 04 ...`` (TS 102 221 11.1.14-15)."""
    ins, word = (0x44, "ACTIVATE") if active else (0x04, "DEACTIVATE")
    channel.exchange.send(CommandApdu(channel.cla, ins, 0x00, 0x00, fid.to_bytes(2, "big"), name=f"{word} FILE {fid:04X}"))
    channel._forget()
