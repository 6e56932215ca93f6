"""A virtual card's changing content (EF data, PIN values and counters) saved to and loaded from a JSON
file, atomically: written to a temporary file in the same folder, flushed, fsynced and renamed over the
old one, so a crash never leaves a half-written state.

The state file *is* the card's memory, PIN values included (as a real card holds them); it is created
with mode 0600 and never logged.

One card, one holder at a time: :class:`StateKeeper` takes an exclusive ``fcntl`` lock on ``STATE.lock``
beside the state file for a whole card session (or a served card's life), loads the state under it and
saves after every changing command, so processes sharing a state file take turns as they would at a real
card — no retry-counter change and no written byte is lost, and a stale temporary is removed only by the
holder. (The lock is on a file of its own because each save renames a new state file into place.)
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

from cardboot.errors import ProfileError
from cardboot.infile import load_json
from cardboot.outfile import remove_stale_temporaries, write_private

from .fs import EF

STATE_VERSION = 1
MAX_STATE = 8 << 20  # bytes: a card's files as hex, with room to spare
# Commands after which the card's memory may have changed: UPDATE BINARY/RECORD, VERIFY (counters),
# CHANGE / DISABLE / ENABLE / UNBLOCK PIN, CREATE / DELETE / DEACTIVATE / ACTIVATE FILE (TS 102 222)
MUTATING_INS = frozenset({0xD6, 0xDC, 0x20, 0x24, 0x26, 0x28, 0x2C, 0xE0, 0xE4, 0x04, 0x44})


def dump_state(card) -> dict:
    files = {ef.path_str: bytes(ef.data).hex().upper() for ef in card.files()}
    pins = {
        f"{ref:02X}": {
            "value": pin.value.hex().upper(),
            "retries": pin.retries,
            "puk_retries": pin.puk_retries,
            "enabled": pin.enabled,
        }
        for ref, pin in card.pins.items()
    }
    state = {"version": STATE_VERSION, "profile": card.profile.source, "files": files, "pins": pins}
    if card.admin_log:  # files created / deleted since the layout: replayed before the files are applied
        state["admin"] = [list(entry) for entry in card.admin_log]
    return state


def apply_state(card, state, source: str = "state") -> None:
    """Check the whole state against the layout, then apply it (nothing is applied from a bad file)."""
    def bad(reason: str) -> ProfileError:
        return ProfileError(source, None, f"state file is damaged: {reason}")

    if not isinstance(state, dict):
        raise bad(f"a JSON object was expected, not {type(state).__name__}")
    if state.get("version") != STATE_VERSION:
        raise ProfileError(source, None, f"unsupported state version {state.get('version')!r}")
    files, pins = state.get("files", {}), state.get("pins", {})
    if not isinstance(files, dict) or not isinstance(pins, dict):
        raise bad('"files" and "pins" must be JSON objects')
    log = state.get("admin", [])
    if not isinstance(log, list):
        raise bad('"admin" must be a JSON array')
    if log:
        from .admin import replay

        try:
            replay(card, log)
        except ValueError as e:
            raise bad(f"admin log: {e}") from None
    by_path = {ef.path_str: ef for ef in card.files()}
    new_data = []
    for path, hexdata in files.items():
        ef: EF | None = by_path.get(path)
        if ef is None:
            raise ProfileError(source, None, f"state names file {path}, which the layout does not have")
        try:
            data = bytes.fromhex(hexdata) if isinstance(hexdata, str) else None
        except ValueError:
            data = None
        if data is None:
            raise bad(f"the data of {path} is not hex")
        if len(data) != ef.size:
            raise ProfileError(source, None, f"state for {path} has {len(data)} bytes, the file has {ef.size}")
        new_data.append((ef, data))
    new_pins = []
    for ref_hex, p in pins.items():
        try:
            pin = card.pins.get(int(ref_hex, 16))
        except (ValueError, TypeError):
            raise bad(f"PIN key {ref_hex!r} is not hex") from None
        if pin is None:
            raise ProfileError(source, None, f"state names PIN {ref_hex}, which the layout does not have")
        if not isinstance(p, dict):
            raise bad(f"PIN {ref_hex} must be a JSON object")
        try:
            value = bytes.fromhex(p["value"])
        except (KeyError, TypeError, ValueError):
            raise bad(f"PIN {ref_hex}: value is not hex") from None
        retries, puk_retries, enabled = p.get("retries"), p.get("puk_retries"), p.get("enabled")
        for name, n, top in (("retries", retries, pin.max_retries), ("puk_retries", puk_retries, pin.puk_max_retries)):
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= top:
                raise bad(f"PIN {ref_hex}: {name} must be an integer 0..{top}, not {n!r}")
        if not isinstance(enabled, bool) or not 1 <= len(value) <= 8:
            raise bad(f"PIN {ref_hex}: enabled must be true/false and the value 1..8 bytes")
        new_pins.append((pin, (value, retries, puk_retries, enabled)))
    for ef, data in new_data:
        ef.data[:] = data
    for pin, (value, retries, puk_retries, enabled) in new_pins:
        pin.value, pin.retries, pin.puk_retries, pin.enabled = value, retries, puk_retries, enabled


def save_state(card, path: str | Path) -> None:
    """Atomically, 0600 (it holds the card's PIN and ADM values): see :mod:`cardboot.outfile`."""
    write_private(path, json.dumps(dump_state(card), indent=1, sort_keys=True), what="card state")


def load_state(card, path: str | Path) -> bool:
    """Apply the saved state if the file exists; False when there is none yet. Another process may use
    the same file: load through :meth:`StateKeeper.acquire`, which holds its lock."""
    path = Path(path)
    remove_stale_temporaries(path)  # a killed run's temporary copies hold PIN / ADM values
    if not path.exists():
        return False
    apply_state(card, load_json(path, what="state file", limit=MAX_STATE), str(path))
    return True


class StateBusy(TimeoutError):
    """Another process holds the card's state file (its lock) for longer than the wait."""


class StateKeeper:
    """The card's state file held for a session: :meth:`acquire` locks and loads, :meth:`after` saves
    after every command that may have changed the card, :meth:`release` lets go."""

    POLL = 0.02  # seconds between tries of the lock

    def __init__(self, card, path: str | Path):
        self.card = card
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait: float = 0.0) -> None:
        """Lock ``STATE.lock`` (waiting up to ``wait`` s for another holder, else :class:`StateBusy`), then
        remove a killed run's temporaries and load the state: the card as the last holder left it."""
        if self._fd is not None:
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        folder = self.path.parent
        if not folder.is_dir():
            raise FileNotFoundError(f"cannot keep card state {self.path}: folder {folder} does not exist")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as e:
            raise OSError(f"cannot lock card state {self.path}: {e.strerror}") from None
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StateBusy(f"virtual card state {self.path} is held by another process for more than "
                                    f"{wait:g} s") from None
                time.sleep(self.POLL)
        self._fd = fd
        try:
            load_state(self.card, self.path)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def after(self, apdu: bytes) -> None:
        if len(apdu) >= 2 and apdu[1] in MUTATING_INS:
            save_state(self.card, self.path)
