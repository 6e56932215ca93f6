"""A device's switch-on with a smartcard (OMA DM Bootstrap 5.5.6; DM-BOOT-C-007..C-010, C-013).

At each switch-on, unless a security policy disables smartcard bootstrap or the device rejects the card
(SIM lock), the DM client reads the card's Bootstrap Message (Appendix D), applies it to its management
tree (5.5.5, :mod:`cardboot.device.apply`), and removes the DM servers it bootstrapped from a smartcard
earlier that the card no longer holds. The device remembers which nodes came from which card (ICCID and
the message's SHA-256); accounts from anywhere else (factory, HTTPS, push) are never removed by this rule.

The decision is pure (:func:`switch_on` on a :class:`DeviceState` and what the card gave); reading the
card is :func:`read_card_bootstrap`; the state is a JSON file checked whole on load and written 0600,
atomically."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

from ..errors import DecodeError
from .apply import apply_message
from .tree import Node, from_json, new_tree, to_json

STATE_FORMAT = "cardboot-device"
STATE_VERSION = 1
MAX_STATE = 16 << 20
MAX_LOG = 50  # switch-ons kept in the state's log

POLICY_DISABLED = "no-smartcard-bootstrap"


@dataclass
class FromCard:
    """What the device bootstrapped from a smartcard: the card, the message, and the nodes it added."""

    iccid: str
    digest: str  # SHA-256 of the WBXML message, hex
    servers: list[str]  # ServerIDs of its DM accounts
    nodes: list[str]  # the paths the bootstrap added (DMAcc accounts, ConnMO, DMSettings objects)
    switch_on: int  # the switch-on that applied it


@dataclass
class DeviceState:
    tree: Node = field(default_factory=new_tree)
    switch_ons: int = 0
    from_card: FromCard | None = None
    log: list[dict] = field(default_factory=list)


@dataclass
class CardBootstrap:
    """What the device found on the card at switch-on."""

    iccid: str
    source: str  # "vsim uicc (card.json)", "reader 0"
    message: object | None  # the decoded Message, None when the EF is empty (all FF, D.4.3)
    wbxml: bytes = b""


@dataclass
class SwitchOn:
    """One switch-on: what happened, and why."""

    number: int
    outcome: str  # applied | unchanged | no-bootstrap | skipped-policy | skipped-rejected | no-card
    iccid: str | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # put back by the card's new message
    kept: list[str] = field(default_factory=list)  # accounts not from a smartcard, left as they are
    notes: list[str] = field(default_factory=list)
    reason: str = ""

    def as_dict(self) -> dict:
        return {"switch_on": self.number, "outcome": self.outcome, "iccid": self.iccid, "added": self.added,
                "replaced": self.replaced, "removed": self.removed, "kept": self.kept, "notes": self.notes, "reason": self.reason}


def _remove(tree: Node, path: str) -> bool:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    parent = tree
    for part in parts[:-1]:
        parent = parent.children.get(part)
        if parent is None:
            return False
    return parent.children.pop(parts[-1], None) is not None if parts else False


def _accounts(tree: Node) -> list[str]:
    acc = tree.get("./DMAcc")
    return [f"./DMAcc/{name}" for name in (acc.children if acc else {})]


def switch_on(state: DeviceState, card: CardBootstrap | None, *, policy: str | None = None,
              reject_card: bool = False, at: float | None = None) -> SwitchOn:
    """Change ``state`` as a device does at switch-on (5.5.6) and say what it did."""
    state.switch_ons += 1
    event = SwitchOn(state.switch_ons, "", card.iccid if card else None)
    if policy == POLICY_DISABLED:
        event.outcome = "skipped-policy"
        event.iccid = None  # the card is not read at all
        event.reason = "card not read: smartcard bootstrap disabled by the device's security policy (5.5.6, DM-BOOT-C-009)"
    elif card is None:
        event.outcome = "no-card"
        event.reason = "no card in the device"
    elif reject_card:
        event.outcome = "skipped-rejected"
        event.reason = "card rejected by the device (e.g. SIM lock): smartcard bootstrap not performed (5.5.6, DM-BOOT-C-009)"
    if event.outcome:
        return _log(state, event, at)

    digest = hashlib.sha256(card.wbxml).hexdigest() if card.message is not None else ""
    previous = state.from_card
    if previous and card.message is not None and previous.iccid == card.iccid and previous.digest == digest:
        event.outcome = "unchanged"
        event.reason = f"unchanged: the card holds the bootstrap applied at switch-on {previous.switch_on}"
        return _log(state, event, at)

    on_card = set()
    if card.message is not None:
        on_card = {s["server_id"] for s in apply_message(card.message, new_tree()).servers if s["server_id"]}
    if previous:
        # 5.5.6: the servers bootstrapped from a smartcard that this card no longer holds go; the rest of
        # that bootstrap goes too, and comes back below from the card's current message
        for path in previous.nodes:
            if _remove(state.tree, path):
                event.removed.append(path)
        gone = [s for s in previous.servers if s not in on_card]
        if gone:
            event.notes.append(f"DM server(s) {', '.join(gone)} bootstrapped from card {previous.iccid} are not on "
                               f"{'this card' if previous.iccid == card.iccid else f'card {card.iccid}'}: "
                               "removed from the tree (5.5.6, DM-BOOT-C-013)")
        state.from_card = None
    if card.message is None:
        event.outcome = "no-bootstrap"
        event.reason = "no bootstrap on the card: EF DM_Bootstrap is all FF (D.4.3)"
    else:
        applied = apply_message(card.message, state.tree)
        event.notes += applied.notes
        event.outcome = "applied"
        state.from_card = FromCard(card.iccid, digest, sorted(on_card), list(applied.added), state.switch_ons)
        # what the card's bootstrap put back where the previous one was is replaced, not removed and added
        event.replaced = [p for p in applied.added if p in event.removed]
        event.added = [p for p in applied.added if p not in event.replaced]
        event.removed = [p for p in event.removed if p not in event.replaced]
        if previous is None:
            event.reason = "bootstrap applied"
        elif previous.iccid != card.iccid:
            event.reason = f"bootstrap applied: card {card.iccid} replaces card {previous.iccid} (switch-on {previous.switch_on})"
        else:
            event.reason = f"bootstrap applied again: the card's message changed since switch-on {previous.switch_on}"
    return _log(state, event, at)


def _not_from_card(state: DeviceState) -> list[str]:
    """The DM accounts the device holds that no smartcard bootstrap gave (factory, HTTPS, push)."""
    nodes = set(state.from_card.nodes) if state.from_card else set()
    return [a for a in _accounts(state.tree) if a not in nodes]


def apply_elsewhere(state: DeviceState, message, origin: str, at: float | None = None, url: str | None = None) -> list[str]:
    """A bootstrap that did not come from the card's EF (HTTPS, the SCWS, push): applied to the tree,
    never removed by the 5.5.6 rule."""
    applied = apply_message(message, state.tree)
    _append(state, {"outcome": f"applied from {origin}", "origin": origin, "url": url, "added": applied.added,
                    "notes": applied.notes, "at": round(time.time() if at is None else at, 3)})
    return applied.added


def from_factory(state: DeviceState, tree: Node, where: str) -> None:
    """A new device's tree as it left the factory (its accounts are never a card's to remove)."""
    from ..errors import UsageError

    if state.switch_ons:
        raise UsageError(f"--factory-tree is for a new device; {where} was switched on {state.switch_ons} time(s)")
    state.tree = tree


def _log(state: DeviceState, event: SwitchOn, at: float | None) -> SwitchOn:
    """Record ``event`` with the accounts it left alone, and return it."""
    event.kept = _not_from_card(state)
    _append(state, {**event.as_dict(), "at": round(time.time() if at is None else at, 3)})
    return event


def _append(state: DeviceState, entry: dict) -> None:
    state.log.append(entry)
    del state.log[:-MAX_LOG]


# --- the state file ---------------------------------------------------------------------------------

def state_to_json(state: DeviceState) -> str:
    fc = state.from_card
    return json.dumps({
        "format": STATE_FORMAT, "version": STATE_VERSION, "switch_ons": state.switch_ons,
        "from_card": None if fc is None else {"iccid": fc.iccid, "digest": fc.digest, "servers": fc.servers,
                                              "nodes": fc.nodes, "switch_on": fc.switch_on},
        "tree": to_json(state.tree), "log": state.log}, indent=1)


def _fail(where: str, reason: str) -> DecodeError:
    return DecodeError("device state", reason, None, where)


def _strings(value, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"from_card.{key} must be a list of text")
    return value


def state_from_json(doc, where: str = "device state") -> DeviceState:
    """A state file's content, checked whole: the format and version, every field's type, the tree."""
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
        raise _fail(where, f"not a cardboot device state (no \"format\": \"{STATE_FORMAT}\")")
    if doc.get("version") != STATE_VERSION:
        raise _fail(where, f"state version {doc.get('version')!r}; this cardboot reads version {STATE_VERSION}")
    count = doc.get("switch_ons")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count < 1 << 53:
        raise _fail(where, "switch_ons must be a non-negative integer")
    log = doc.get("log", [])
    if not isinstance(log, list) or not all(isinstance(e, dict) for e in log):
        raise _fail(where, "log must be a list of objects")
    fc = doc.get("from_card")
    from_card = None
    if fc is not None:
        if not isinstance(fc, dict):
            raise _fail(where, "from_card must be an object or null")
        iccid, digest, number = fc.get("iccid"), fc.get("digest"), fc.get("switch_on")
        if not isinstance(iccid, str) or not isinstance(digest, str) or not isinstance(number, int):
            raise _fail(where, "from_card needs iccid and digest (text) and switch_on (integer)")
        from_card = FromCard(iccid, digest, _strings(fc.get("servers"), where, "servers"),
                             _strings(fc.get("nodes"), where, "nodes"), number)
    tree = from_json(doc.get("tree"), where)
    return DeviceState(tree, count, from_card, log[-MAX_LOG:])


def load_state(path: str) -> DeviceState:
    """The state in ``path``; a device that was never switched on when there is no such file."""
    import os

    from ..infile import load_json

    if not os.path.lexists(path):
        return DeviceState()
    return state_from_json(load_json(path, what="device state", limit=MAX_STATE), path)


def save_state(path: str, state: DeviceState) -> None:
    from ..outfile import write_private

    write_private(path, state_to_json(state) + "\n", what="device state")


# --- the card -------------------------------------------------------------------------------------------

def read_card_bootstrap(card, source: str, secrets=None, *, rejected: bool = False) -> CardBootstrap:
    """The card's ICCID and Bootstrap Message as the DM client finds it (Appendix D lookup); a message that
    does not decode or breaks the rules is a :class:`MessageError` — the device applies nothing. A card the
    device ``rejected`` (SIM lock) is only identified: its bootstrap is not read."""
    from ..card.iccid import read_iccid
    from ..errors import MessageError
    from ..provision.read import read_stored

    iccid = read_iccid(card) or "unknown"
    if rejected:
        return CardBootstrap(iccid, source, None)
    stored = read_stored(card, secrets)
    if stored.empty:
        return CardBootstrap(iccid, source, None)
    if stored.loaded is None:
        raise MessageError(f"card {iccid}: EF DM_Bootstrap holds no bootstrap message: {stored.error}")
    if stored.findings:
        raise MessageError(f"card {iccid}: the bootstrap message breaks the rules, not applied: "
                           + "; ".join(str(f) for f in stored.findings))
    return CardBootstrap(iccid, source, stored.loaded.message, stored.data)


__all__ = ["DeviceState", "CardBootstrap", "SwitchOn", "FromCard", "switch_on", "load_state", "save_state",
           "read_card_bootstrap", "apply_elsewhere", "from_factory", "POLICY_DISABLED"]
