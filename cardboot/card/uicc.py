"""A 3G UICC (ETSI TS 102 221): CLA 00 with logical channels, SELECT by FID / path / AID returning the
FCP, PINs by key reference with VERIFY-without-data retry counters. OMA DM Bootstrap D.3."""

from __future__ import annotations

from ..apdu.command import CommandApdu
from ..apdu.exchange import ApduExchange, error_for
from ..apdu.status import CardFamily
from ..errors import CardResponseError, ChannelClosedError, PinBlockedError, UsageError, WrongPinError
from .fcp import decode_fcp
from .fileinfo import FileInfo, key_ref_name
from .files import FileAccess
from .path import CURRENT_ADF, MF, FilePath, path_bytes, path_str

MAX_CHANNEL = 19


def channel_cla(channel: int, base: int = 0x00) -> int:
    """CLA for a logical channel (TS 102 221 10.1.1): 0-3 in b2-b1 of 0x0X, 4-19 as 0x40 + (n - 4)."""
    if not 0 <= channel <= MAX_CHANNEL:
        raise UsageError(f"logical channel {channel} outside 0..{MAX_CHANNEL}")
    if channel <= 3:
        return base | channel
    return (base & 0x80) | 0x40 | (channel - 4)


class UiccChannel(FileAccess):
    """One logical channel of a UICC, with its own current file and application."""

    family = CardFamily.UICC

    def __init__(self, exchange: ApduExchange, number: int):
        super().__init__()
        self.exchange = exchange
        self.number = number
        self.cla = channel_cla(number)
        self.aid: bytes | None = None
        self.closed = False

    def _send_select(self, p1: int, data: bytes, info: bool, label: str):
        p2 = 0x04 if info else 0x0C  # 04: return the FCP; 0C: no data (TS 102 221 11.1.1.2)
        cmd = CommandApdu(self.cla, 0xA4, p1, p2, data, le=256 if info else None, name=f"SELECT {label}")
        return self.exchange.send(cmd)

    def _select(self, target: FilePath, info: bool) -> FileInfo | None:
        if self.closed:
            raise ChannelClosedError(f"logical channel {self.number} is closed")
        label = path_str(target)
        if len(target) == 1:
            p1, data = 0x00, path_bytes(target)  # MF, or 7FFF: the current application
        elif self._current is not None and target[:-1] == self._current_df:
            p1, data, label = 0x00, path_bytes(target[-1:]), f"{target[-1]:04X}"  # child of the current DF
        elif target[0] == MF:
            p1, data = 0x08, path_bytes(target[1:])  # path from the MF
        else:
            if self.aid is None:
                raise ChannelClosedError(f"{label}: no application selected on channel {self.number}")
            p1, data = 0x08, path_bytes(target)  # path beginning with 7FFF: from the current ADF
        resp = self._send_select(p1, data, info, label)
        if not info:
            return None
        return decode_fcp(resp.data, where=label)

    def select_aid(self, aid: bytes, *, info: bool = True) -> FileInfo | None:
        """Select an application by its AID (P1=04, direct application selection, TS 102 221 8.4.1)."""
        if self.aid == aid and self._current == (CURRENT_ADF,) and (self._info is not None or not info):
            return self._info
        resp = self._send_select(0x04, aid, info, f"AID {aid.hex().upper()}")
        got = decode_fcp(resp.data, where=f"ADF {aid.hex().upper()}") if info else None
        self.aid = aid
        self._selected((CURRENT_ADF,), got)
        return got

    def read_binary_sfi(self, sfi: int, length: int) -> bytes:
        """READ BINARY of an EF of the current DF by its short file identifier (P1 = 100xxxxx, TS 102 221
        11.1.3.2): no SELECT. The EF becomes the card's current file; which one it is stays unknown here,
        so the next SELECT goes by path."""
        if not 1 <= sfi <= 30:
            raise UsageError(f"SFI {sfi} outside 1..30")
        if self.closed:
            raise ChannelClosedError(f"logical channel {self.number} is closed")
        cmd = CommandApdu(self.cla, 0xB0, 0x80 | sfi, 0x00, le=length, name=f"READ BINARY SFI {sfi:02X}")
        try:
            return self.exchange.send(cmd).data
        finally:
            self._current, self._info = None, None  # the DF is still the current DF

    # --- PINs ------------------------------------------------------------------------------------------
    def pin_name(self, key_ref: int) -> str:
        return key_ref_name(key_ref)

    def pin_retries(self, key_ref: int) -> int | None:
        """VERIFY without data (TS 102 221 11.1.9): 63Cx → x tries left, 6983 → blocked (0), 9000 → already
        verified or disabled (-1). Never consumes a try."""
        name = key_ref_name(key_ref)
        cmd = CommandApdu(self.cla, 0x20, 0x00, key_ref, name=f"VERIFY {name} (tries left)")
        sw = self.exchange.send(cmd, check=False).sw
        if sw == 0x9000:
            return -1
        if sw & 0xFFF0 == 0x63C0:
            return sw & 0x0F
        if sw == 0x6983:
            return 0
        raise error_for(cmd.label, sw, self.family)

    def _verify_sw(self, sw: int, name: str) -> None:
        if sw == 0x9000:
            return
        if sw & 0xFFF0 == 0x63C0:
            if sw & 0x0F == 0:
                raise PinBlockedError(name)
            raise WrongPinError(name, sw & 0x0F)
        if sw == 0x6983:
            raise PinBlockedError(name)
        raise error_for(f"VERIFY {name}", sw, self.family)


class UiccCard(UiccChannel):
    """A UICC; the object itself is the basic channel (0) and opens further logical channels."""

    def __init__(self, exchange: ApduExchange, atr: bytes = b"", fresh: bool = True):
        super().__init__(exchange, 0)
        self.atr = atr
        # after the ATR the MF is selected on the basic channel; otherwise the first SELECT goes by path
        self._current = (MF,) if fresh else None
        self.channels: dict[int, UiccChannel] = {}

    def open_channel(self) -> UiccChannel:
        """MANAGE CHANNEL open, the card assigning the number (TS 102 221 11.1.17): ``00 70 00 00 01``."""
        resp = self.exchange.send(CommandApdu(0x00, 0x70, 0x00, 0x00, le=1, name="MANAGE CHANNEL open"))
        if len(resp.data) != 1 or not 1 <= resp.data[0] <= MAX_CHANNEL:
            raise CardResponseError(f"MANAGE CHANNEL returned {resp.data.hex().upper() or 'no data'}, "
                                    "not a channel number (TS 102 221 11.1.17)")
        ch = UiccChannel(self.exchange, resp.data[0])
        ch.session = self.session
        self.channels[ch.number] = ch
        return ch

    def close_channel(self, channel: UiccChannel) -> None:
        """MANAGE CHANNEL close: ``00 70 80 nn``."""
        if channel.number == 0 or channel.closed:
            return
        self.exchange.send(CommandApdu(0x00, 0x70, 0x80, channel.number, name="MANAGE CHANNEL close"))
        channel.closed = True
        self.channels.pop(channel.number, None)
