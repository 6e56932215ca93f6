"""A SIM, or a UICC activated in 2G mode (TS 51.011): CLA A0, SELECT by FID only, GET RESPONSE for file
information, CHV1/CHV2 counters from the DF's response. OMA DM Bootstrap D.2."""

from __future__ import annotations

from ..apdu.command import CommandApdu
from ..apdu.exchange import ApduExchange, error_for
from ..apdu.status import CardFamily
from ..errors import CardResponseError, PinBlockedError, UsageError, WrongPinError
from .fileinfo import FileInfo, sim_chv_name
from .files import FileAccess
from .path import CURRENT_ADF, MF, FilePath, path_str
from .sim_response import decode_sim_response

SIM_CLA = 0xA0
STATUS_LEN = 0x16  # bytes 1-22 of a DF response carry everything up to the CHV2 unblock status


def sim_select_steps(current_df: FilePath | None, target: FilePath) -> list[int]:
    """The fewest SELECTs (by FID) from ``current_df`` to ``target`` under TS 51.011 8.1's rules.

    From a DF one may select the MF, the DF itself, its parent, a sibling DF and any child. Every prefix
    of ``target`` is a DF; the last element may be an EF, so it is only selected as a child (or as the
    current DF / its parent, which are DFs). ``current_df`` None means unknown: start from the MF.
    """
    if target == (MF,):
        return [MF]
    tdf = target[:-1]
    via_mf = [MF, *tdf[1:]] if tdf != (MF,) or current_df != (MF,) else []
    best = via_mf
    if current_df is not None:
        if target == current_df or target == current_df[:-1]:
            return [target[-1]]
        c = 0
        while c < min(len(current_df), len(tdf)) and current_df[c] == tdf[c]:
            c += 1
        if c >= 1:
            ups = [current_df[i] for i in range(len(current_df) - 2, c - 2, -1)]  # select each parent
            downs = list(tdf[c:])
            if ups and downs:  # last parent + first child collapse into one sibling select
                route = ups[:-1] + downs
            else:
                route = ups + downs
            if len(route) < len(best) or (tdf == current_df):
                best = route
    return [*best, target[-1]]


class SimCard(FileAccess):
    """A SIM card over an :class:`ApduExchange` (family SIM)."""

    family = CardFamily.SIM
    cla = SIM_CLA

    def __init__(self, exchange: ApduExchange, atr: bytes = b"", fresh: bool = True):
        super().__init__()
        self.exchange = exchange
        self.atr = atr
        # after the ATR the MF is selected (TS 51.011 8.1); a card an earlier session used may be anywhere
        self._current = (MF,) if fresh else None

    def _send_select(self, fid: int, fetch: bool):
        cmd = CommandApdu(SIM_CLA, 0xA4, 0x00, 0x00, fid.to_bytes(2, "big"), name=f"SELECT {fid:04X}")
        return self.exchange.send(cmd, fetch_response=fetch)

    def _select(self, target: FilePath, info: bool) -> FileInfo | None:
        if target[0] == CURRENT_ADF:
            raise UsageError(f"{path_str(target)}: a SIM has no ADF; use a path from 3F00")
        if info and target == self._current and target == self._current_df:
            return self.status()  # the DF is selected: STATUS gives its response in one APDU
        known = self._current_df if self._current is not None else None
        steps = sim_select_steps(known, target)
        for fid in steps[:-1]:
            self._send_select(fid, fetch=False)
        resp = self._send_select(steps[-1], fetch=info)
        if not info:
            return None
        if not resp.data:
            raise CardResponseError(f"SELECT {path_str(target)}: the SIM returned no response data")
        return decode_sim_response(resp.data, where=path_str(target))

    def status(self) -> FileInfo:
        """STATUS (TS 51.011 9.2.2): the current DF's response, with the CHV counters."""
        resp = self.exchange.send(CommandApdu(SIM_CLA, 0xF2, 0, 0, le=STATUS_LEN, name="STATUS"))
        return decode_sim_response(resp.data, where="STATUS")

    # --- CHV -----------------------------------------------------------------------------------------
    def pin_name(self, key_ref: int) -> str:
        return sim_chv_name(key_ref)

    def pin_retries(self, key_ref: int) -> int | None:
        """CHV1/CHV2: tries left from the current DF's status; -1 when the CHV is disabled. Other codes
        (ADM): None, a SIM does not tell."""
        if key_ref not in (1, 2):
            return None
        if self._current is not None and self._current == self._current_df and self._info is not None:
            st = self._info  # the DF's response from its SELECT is still fresh: no APDU
            self._info = None  # counters change with every VERIFY: use it once
        else:
            st = self.status()
        pin = st.pin(key_ref)
        if pin is None:
            return None
        if not pin.enabled:
            return -1
        return pin.retries

    def _verify_sw(self, sw: int, name: str) -> None:
        if sw == 0x9000:
            return
        if sw == 0x9840:
            raise PinBlockedError(name)
        if sw == 0x9804:
            ref = 1 if name == "CHV1" else 2 if name == "CHV2" else None
            left = None
            if ref is not None:
                left = self.status().pin(ref)
            retries = left.retries if left is not None else None
            if retries == 0:
                raise PinBlockedError(name)
            raise WrongPinError(name, retries)
        raise error_for(f"VERIFY {name}", sw, self.family)
