"""What a client can make the bootstrap server do, bounded.

- Failed HTTP Basic authentications are counted per (client address, serial) and per client address in a
  sliding window; past :data:`FAILURES_PER_SERIAL` / :data:`FAILURES_PER_ADDRESS` per :data:`WINDOW`
  seconds that address (for that serial, or for all) is answered 429 with Retry-After *before* scrypt runs,
  so guessing costs the server nothing more. A serial is never locked by itself: strangers failing for it
  cannot lock its device out (they only lock themselves); a guesser spread over many addresses is bounded
  per address and by the scrypt pool below.
- scrypt runs in its own small pool (:data:`SCRYPT_WORKERS` threads) with at most
  :data:`SCRYPT_QUEUE` checks waiting (past it: 503, Retry-After 1), so a flood of Basic guesses queues
  behind itself and never in front of a device that authenticates with its certificate.
- An unknown serial costs the same scrypt as a known one (``store.check_code`` against a dummy hash), and
  gets the same answer: nothing tells whether a serial exists.
- A keep-alive connection that proved its code once is not asked to pay scrypt again for the same
  Authorization header, nor is a new connection while the store holds the hash the code was proven
  against (cache.py: a keyed HMAC of the header is remembered, never the code); checks of one credential
  that overlap share one scrypt.
"""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW = 60.0  # seconds
FAILURES_PER_SERIAL = 5  # per (address, serial)
FAILURES_PER_ADDRESS = 20
MAX_TRACKED = 100_000  # keys remembered; past it the oldest go (memory stays bounded)
SCRYPT_WORKERS = 2
SCRYPT_QUEUE = 64


class FailureLimiter:
    """Sliding-window counts of failed authentications by (client address, serial) and by client address."""

    def __init__(self, per_serial: int = FAILURES_PER_SERIAL, per_address: int = FAILURES_PER_ADDRESS,
                 window: float = WINDOW, clock=time.monotonic):
        self.limits = {"serial": per_serial, "address": per_address}
        self.window = window
        self.clock = clock
        self._failures: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque:
        q = self._failures.get(key)
        if q is None:
            return deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._failures[key]
        return q

    def retry_after(self, serial: str, address: str) -> int | None:
        """Seconds to wait when either count is at its limit, else None."""
        now = self.clock()
        with self._lock:
            waits = []
            for kind, value in (("serial", f"{address} {serial}"), ("address", address)):
                q = self._recent((kind, value), now)
                if len(q) >= self.limits[kind]:
                    waits.append(q[0] + self.window - now)
        return max(1, int(max(waits) + 0.999)) if waits else None

    def failed(self, serial: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (("serial", f"{address} {serial}"), ("address", address)):
                q = self._failures.setdefault(key, deque())
                q.append(now)
                if len(q) > 1000:
                    q.popleft()
            while len(self._failures) > MAX_TRACKED:
                self._failures.pop(next(iter(self._failures)))
