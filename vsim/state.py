"""A virtual card's changing content (EF data, PIN values and counters) saved to and loaded from a JSON
file, atomically: written to a temporary file in the same folder, flushed, fsynced and renamed over the
old one, so a crash never leaves a half-written state.

The state file *is* the card's memory, PIN values included (as a real card holds them); it is created
with mode 0600 and never logged.
"""

from __future__ import annotations

import json
from pathlib import Path

from cardboot.errors import ProfileError
from cardboot.outfile import remove_stale_temporaries, write_private

from .fs import EF

STATE_VERSION = 1
# Commands after which the card's memory may have changed: UPDATE BINARY/RECORD, VERIFY (counters),
# CHANGE / DISABLE / ENABLE / UNBLOCK PIN
MUTATING_INS = frozenset({0xD6, 0xDC, 0x20, 0x24, 0x26, 0x28, 0x2C})


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
    return {"version": STATE_VERSION, "profile": card.profile.source, "files": files, "pins": pins}


def apply_state(card, state: dict, source: str = "state") -> None:
    if state.get("version") != STATE_VERSION:
        raise ProfileError(source, None, f"unsupported state version {state.get('version')!r}")
    by_path = {ef.path_str: ef for ef in card.files()}
    for path, hexdata in state.get("files", {}).items():
        ef: EF | None = by_path.get(path)
        if ef is None:
            raise ProfileError(source, None, f"state names file {path}, which the layout does not have")
        data = bytes.fromhex(hexdata)
        if len(data) != ef.size:
            raise ProfileError(source, None, f"state for {path} has {len(data)} bytes, the file has {ef.size}")
        ef.data[:] = data
    for ref_hex, p in state.get("pins", {}).items():
        pin = card.pins.get(int(ref_hex, 16))
        if pin is None:
            raise ProfileError(source, None, f"state names PIN {ref_hex}, which the layout does not have")
        pin.value = bytes.fromhex(p["value"])
        pin.retries = int(p["retries"])
        pin.puk_retries = int(p["puk_retries"])
        pin.enabled = bool(p["enabled"])


def save_state(card, path: str | Path) -> None:
    """Atomically, 0600 (it holds the card's PIN and ADM values): see :mod:`cardboot.outfile`."""
    write_private(path, json.dumps(dump_state(card), indent=1, sort_keys=True), what="card state")


def load_state(card, path: str | Path) -> bool:
    """Apply the saved state if the file exists; False when there is none yet."""
    path = Path(path)
    remove_stale_temporaries(path)  # a killed run's temporary copies hold PIN / ADM values
    try:
        text = path.read_text()
    except FileNotFoundError:
        return False
    try:
        state = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProfileError(str(path), e.lineno, f"state file is not valid JSON: {e.msg}") from None
    try:
        apply_state(card, state, str(path))
    except (KeyError, ValueError, TypeError) as e:
        raise ProfileError(str(path), None, f"state file is damaged: {type(e).__name__} {e}") from None
    return True


class StateKeeper:
    """Saves the card after every command that may have changed it."""

    def __init__(self, card, path: str | Path):
        self.card = card
        self.path = Path(path)

    def after(self, apdu: bytes) -> None:
        if len(apdu) >= 2 and apdu[1] in MUTATING_INS:
            save_state(self.card, self.path)
