"""Send APDUs and run the T=0 procedure once, here (ISO/IEC 7816-3 10.3, TS 102 221 7.3.1.1.4,
TS 51.011 9.4.1).

- ``61xx``: GET RESPONSE with the command's CLA (so the same logical channel) and Le=xx, repeated
  while the card says more is waiting;
- ``9Fxx`` (SIM): GET RESPONSE ``A0 C0 00 00 xx`` when the caller wants the response, otherwise the
  command simply succeeded (a SIM SELECT of an intermediate DF needs no response: one APDU saved);
- ``6Cxx``: resend the command with Le=xx.

Callers never see these procedure SWs. Any other non-success SW raises a typed error unless the caller
asks for the raw response (``check=False``).
"""

from __future__ import annotations

import time

from ..errors import CardFileNotFoundError, SecurityStatusError, StatusWordError
from ..transport.base import Transport
from .command import CommandApdu, ResponseApdu
from .status import CardFamily, is_success, sw_meaning
from .trace import Trace

GET_RESPONSE_INS = 0xC0
_MAX_CHAINED = 64  # more 61xx rounds than this means a broken card


def error_for(command: str, sw: int, family: CardFamily) -> StatusWordError:
    """The typed error for a failing SW: file not found, security status, or the generic one."""
    meaning = sw_meaning(sw, family)
    if sw in (0x6A82, 0x9404):
        return CardFileNotFoundError(command, sw, meaning)
    if sw in (0x6982, 0x9804, 0x9808):
        return SecurityStatusError(command, sw, meaning)
    return StatusWordError(command, sw, meaning)


class ApduExchange:
    """The one place APDUs go through: transport, T=0 procedure, status check, trace, counters."""

    def __init__(self, transport: Transport, family: CardFamily, trace: Trace | None = None):
        self.transport = transport
        self.family = CardFamily(family)
        self.trace = trace if trace is not None else Trace(keep=False)
        self.card_micros = 0  # time spent inside transport.transmit
        self.host_micros = 0  # time spent in send() outside of transport.transmit

    @property
    def count(self) -> int:
        return self.trace.count

    def _transmit(self, cmd: CommandApdu, secret_response: bool) -> ResponseApdu:
        raw = cmd.to_bytes()
        t0 = time.perf_counter_ns()
        out = self.transport.transmit(raw)
        micros = (time.perf_counter_ns() - t0) // 1000
        self.card_micros += micros
        resp = ResponseApdu.from_bytes(out)
        self.trace.record(cmd, resp.data, resp.sw, self.family, micros, secret_response)
        return resp

    def send(
        self,
        cmd: CommandApdu,
        *,
        check: bool = True,
        fetch_response: bool = True,
        secret_response: bool = False,
    ) -> ResponseApdu:
        """Send ``cmd``; return the final response with procedure SWs resolved."""
        t_start = time.perf_counter_ns()
        card_before = self.card_micros
        try:
            return self._send(cmd, check, fetch_response, secret_response)
        finally:
            total = (time.perf_counter_ns() - t_start) // 1000
            self.host_micros += max(0, total - (self.card_micros - card_before))

    def _send(self, cmd: CommandApdu, check: bool, fetch_response: bool, secret_response: bool) -> ResponseApdu:
        resp = self._transmit(cmd, secret_response)
        if resp.sw1 == 0x6C:
            resp = self._transmit(cmd.with_le(resp.sw2 or 256), secret_response)
        data = resp.data
        rounds = 0
        while True:
            if resp.sw1 == 0x61 or (resp.sw1 == 0x9F and self.family is CardFamily.SIM):
                if resp.sw1 == 0x9F and not fetch_response:
                    break
                rounds += 1
                if rounds > _MAX_CHAINED:
                    raise StatusWordError(cmd.label, resp.sw, "card keeps announcing response bytes")
                cla = 0xA0 if self.family is CardFamily.SIM else cmd.cla
                get = CommandApdu(cla, GET_RESPONSE_INS, 0, 0, le=resp.sw2 or 256, name="GET RESPONSE")
                resp = self._transmit(get, secret_response)
                if resp.sw1 == 0x6C:
                    resp = self._transmit(get.with_le(resp.sw2 or 256), secret_response)
                data += resp.data
                continue
            break
        final = ResponseApdu(data, resp.sw1, resp.sw2)
        if check and not is_success(final.sw, self.family):
            raise error_for(cmd.label, final.sw, self.family)
        return final
