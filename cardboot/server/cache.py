"""What one server process remembers between requests, so that a device's request costs what the static
endpoint costs (issue 17): no store query, no thread hop, no scrypt for what it proved a moment ago.

- :class:`DeviceCache`: device records (and unknown serials) read from the store, each kept for ``ttl``
  seconds. A change made with ``server add-device`` / ``remove-device`` (possibly by another host sharing
  the PostgreSQL store) reaches every running worker within ``ttl`` (``server run --cache-seconds``; 0
  asks the store on every request).
- :class:`ProvenCredentials`: HTTP Basic Authorization headers that passed scrypt, remembered as an HMAC
  under a key that never leaves the process (never the code), next to the scrypt hash they were proven
  against: a new connection presenting the same header is accepted while the store still holds that
  hash, and checks that are already running are shared — 100 connections opening at once with one
  credential cost one scrypt, not 100.
- :class:`BootstrapAnswers`: the get-bootstrapping-data answer (conveyed information, signed when the
  device prefers it: a CMS signature each) per device, answer type and signed/unsigned, made once for
  requests that overlap and again only when the device's record changes.

Every table is bounded (:data:`MAX_ENTRIES`; past it the oldest entry goes).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import time
from collections import OrderedDict

MAX_ENTRIES = 10_000
DEFAULT_TTL = 1.0  # seconds

MISSING = object()  # DeviceCache.lookup: nothing remembered (None is an unknown serial)


class _Bounded(OrderedDict):
    def remember(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > MAX_ENTRIES:
            self.popitem(last=False)


class SingleFlight:
    """Overlapping calls for one key share one run of the coroutine function: the first caller's."""

    def __init__(self):
        self._running: dict = {}

    async def run(self, key, make):
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await make()
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # marked retrieved: the waiters get it, nobody else needs to
            raise
        else:
            future.set_result(result)
            return result
        finally:
            del self._running[key]


class DeviceCache:
    """Device records by serial for ``ttl`` seconds (``None`` is remembered too: an unknown serial);
    overlapping reads of one serial are one store query."""

    def __init__(self, ttl: float = DEFAULT_TTL, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries = _Bounded()
        self.reads = SingleFlight()

    def lookup(self, serial: str):
        """The remembered record (or None for a serial the store does not have), or :data:`MISSING`."""
        entry = self._entries.get(serial)
        if entry is None or entry[0] < self.clock():
            return MISSING
        return entry[1]

    def remember(self, serial: str, device) -> None:
        if self.ttl > 0:
            self._entries.remember(serial, (self.clock() + self.ttl, device))



class ProvenCredentials:
    """Basic credentials that passed scrypt in this process, and the checks under way (see module doc)."""

    def __init__(self):
        self._key = os.urandom(32)
        self._proven = _Bounded()  # token -> the scrypt hash the credential matched
        self._checks = SingleFlight()

    def token(self, authorization: str) -> bytes:
        return hmac.new(self._key, authorization.encode("latin-1", "replace"), hashlib.sha256).digest()

    def holds(self, token: bytes, code_hash: str | None) -> bool:
        """Whether this credential was proven against the hash the store holds now."""
        return code_hash is not None and hmac.compare_digest(self._proven.get(token, ""), code_hash)

    def proven(self, token: bytes, code_hash: str) -> None:
        self._proven.remember(token, code_hash)

    async def check_once(self, token: bytes, check):
        """``await check()`` — or, while a check of the same credential runs, its result."""
        return await self._checks.run(token, check)


class BootstrapAnswers:
    """Answers by (serial, answer type, signed preferred), valid while the device record is the same."""

    def __init__(self):
        self._entries = _Bounded()
        self.making = SingleFlight()  # 100 devices asking at once for one answer: one signature

    def lookup(self, key: tuple, record_version: bytes) -> bytes | None:
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] == record_version else None

    def remember(self, key: tuple, record_version: bytes, body: bytes) -> None:
        self._entries.remember(key, (record_version, body))


def record_version(device) -> bytes:
    """A digest of what an answer is made from: the device's message and redirects."""
    h = hashlib.sha256(device.message or b"")
    h.update(b"\0".join(u.encode() for u in device.redirects))
    return h.digest()
