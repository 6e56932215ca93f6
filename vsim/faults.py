"""Fault injection for tests: drop the link after N APDUs, answer a given SW to the Nth APDU, tear an
UPDATE BINARY (apply only its first k bytes, then drop), add latency to every APDU.

A :class:`FaultPlan` is the card's ``fault`` hook: ``before(card, index, apdu)`` runs before each APDU
(``index`` counts from 0) and returns a forced R-APDU, None to proceed, or raises ``ConnectionError`` to
drop the link (the transport reports "card removed").
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .apdu import Command, parse_command


@dataclass
class FaultPlan:
    drop_after: int | None = None  # answer this many APDUs, then drop the link on the next one (once)
    sw_at: dict[int, int] = field(default_factory=dict)  # APDU index -> SW to answer instead
    tear_at: int | None = None  # APDU index of an UPDATE BINARY to tear
    tear_keep: int = 0  # bytes of it that reach the file before the link drops
    latency_ms: float = 0.0
    fired: list[str] = field(default_factory=list)

    def before(self, card, index: int, apdu: bytes) -> bytes | None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        if self.drop_after is not None and index == self.drop_after:
            self.fired.append(f"drop at {index}")
            raise ConnectionError(f"fault injection: link dropped at APDU #{index}")
        if index in self.sw_at:
            self.fired.append(f"sw at {index}")
            return self.sw_at[index].to_bytes(2, "big")
        if self.tear_at == index and len(apdu) > 5 and apdu[1] == 0xD6:
            cmd = parse_command(apdu)
            if self.tear_keep > 0:
                torn = Command(cmd.cla, cmd.ins, cmd.p1, cmd.p2, cmd.data[: self.tear_keep])
                card.handle(torn)
            self.fired.append(f"tear at {index}")
            raise ConnectionError(f"fault injection: UPDATE BINARY torn after {self.tear_keep} bytes")
        return None

    @classmethod
    def parse(cls, drop_after=None, sw_at=(), tear_at=None, latency_ms=0.0) -> "FaultPlan":
        """From command-line text: ``sw_at`` items 'N:SW' (SW hex), ``tear_at`` 'N:K'."""
        plan = cls(drop_after=drop_after, latency_ms=latency_ms)
        for item in sw_at or ():
            n, sw = item.split(":")
            plan.sw_at[int(n)] = int(sw, 16)
        if tear_at:
            n, k = tear_at.split(":")
            plan.tear_at, plan.tear_keep = int(n), int(k)
        return plan
