"""Which secrets an operation on a data object's EF needs, and presenting them safely.

Reading: D.2.4 / D.3.4 — a private or modifiable object needs cardholder verification; the DODF's authId
names the AODF PIN (its pinReference); without an authId, CHV1 / PIN1. The card's own READ rule is
honoured as well. Writing: the card's UPDATE rule (D.4.3: ADM). The rules come from the card as data
(:mod:`cardboot.card.access_rule`: FCP compact / expanded, EF.ARR records, SIM nibbles): an OR picks the
alternative the given secrets can meet, an AND all of its keys, NEV is refused before anything is sent.
A secret goes only to the key it is for (:class:`Secrets`): the PIN to PIN1 / CHV1 (or the key the
object's authId names), the ADM to ADM1; a rule whose keys no given secret is for is refused before any
VERIFY, so a PIN value never costs a try of another key (81, 02, 0B, ...).
When the card's rule cannot be read (an EF.ARR that is not there, a condition with an implicit key),
UPDATE falls back to ADM1 as D.4.3 says and READ to what the DODF says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..card.access_rule import (Key, Rule, RuleNotSatisfiable, Unknown, is_adm_ref, key_ref_name, keys_to_present,
                                satisfied_by)
from ..errors import MissingSecretError, PinBlockedError, PinRetryGuardError, SecurityError, WrongPinError
from .lookup import BootstrapLocation, locate_bootstrap
from ..secret import Secret
from ..card.connect import Card
from ..card.files import FileAccess

ADM1 = 0x0A  # D.4.3 "UPDATE: ADM"; TS 102 221 table 9.3 numbers ADM1 0A
PIN1 = 0x01  # TS 102 221 table 9.3 PIN1 (PIN Appl 1); TS 51.011 CHV1


@dataclass
class Secrets:
    """What the operator gave, and the keys each value is for: ``pin`` is PIN1 / CHV1's value (and that
    of the key an object's authId names, :meth:`for_object`), ``adm`` is ADM1's — on a SIM, that of the
    one ADM level (4..E) an access condition names (TS 51.011 9.3 leaves their allocation open)."""

    pin: Secret | None = None
    adm: Secret | None = None
    force: bool = False
    pin_keys: frozenset[int] = field(default=frozenset({PIN1}))
    adm_keys: frozenset[int] = field(default=frozenset({ADM1}))

    def for_key(self, key: Key) -> Secret | None:
        """The value given for ``key``, or None: never another key's value."""
        if key.adm:
            return self.adm if key.ref in self.adm_keys or key.sim else None
        return self.pin if key.ref in self.pin_keys else None

    def has(self, key: Key) -> bool:
        return self.for_key(key) is not None

    def for_object(self, loc: BootstrapLocation) -> "Secrets":
        """These secrets with the PIN also for the key the object's authId names (D.2.4 / D.3.4: the AODF
        PIN's pinReference), when the object names one."""
        ref = loc.pin_reference
        if ref is None or ref in self.pin_keys or is_adm_ref(ref):
            return self
        return replace(self, pin_keys=self.pin_keys | {ref})


def _key(files: FileAccess, ref: int) -> Key:
    return Key(ref, is_adm_ref(ref), files.pin_name(ref))


def _card_rule(loc: BootstrapLocation, op: str) -> Rule | None:
    """The card's rule for ``op``; None when the card does not say in a form cardboot reads."""
    rules = loc.card_rules()
    rule = rules.get(op)
    return None if rule is None or isinstance(rule, Unknown) else rule


def _plan(rule: Rule, planned: list[Key], secrets: Secrets, what: str, where: str) -> list[Key]:
    if satisfied_by(rule, planned):
        return planned
    try:
        more = keys_to_present(rule, secrets.has)
    except RuleNotSatisfiable as e:
        if isinstance(e.rule, Unknown):
            return planned  # nothing cardboot can verify for it: the card will say
        raise SecurityError(f"{where}: {what} is not possible: {e.reason} (card rule: {rule})") from None
    return planned + [k for k in more if k not in planned]


def read_keys(loc: BootstrapLocation, secrets: Secrets | None = None) -> list[Key]:
    """Keys to VERIFY before reading the object: the DODF's PIN (D.2.4 / D.3.4), then whatever else the
    card's READ rule needs."""
    secrets = (secrets or Secrets()).for_object(loc)
    files = loc.session.files
    planned: list[Key] = []
    if loc.data_object.needs_pin:
        planned.append(_key(files, loc.pin_reference if loc.pin_reference is not None else 0x01))
    rule = _card_rule(loc, "read")
    if rule is not None:
        planned = _plan(rule, planned, secrets, "reading", loc.info.describe())
    return planned


def update_keys(loc: BootstrapLocation, secrets: Secrets | None = None) -> list[Key]:
    """Keys to VERIFY before UPDATE BINARY: the card's UPDATE rule, or ADM1 (D.4.3) when it cannot be read."""
    secrets = secrets or Secrets()
    rule = _card_rule(loc, "update")
    if rule is None:
        return [_key(loc.session.files, ADM1)]
    return _plan(rule, [], secrets, "writing (UPDATE)", loc.info.describe())


def secret_key(loc: BootstrapLocation, kind: str, secrets: Secrets | None = None) -> Key | None:
    """The key the operator's 'pin' or 'adm' secret will be verified against, for a dialog to name it
    (planned as if both were given; None when that secret goes to no key)."""
    secrets = (secrets or Secrets(pin=Secret(""), adm=Secret(""))).for_object(loc)
    keys = read_keys(loc, secrets) if kind == "pin" else update_keys(loc, secrets)
    want_adm = kind == "adm"
    return next((k for k in keys if k.adm == want_adm and secrets.has(k)), None)


def require_secrets(keys: list[Key], secrets: Secrets, purpose: str) -> None:
    """Refuse before any VERIFY is sent when no secret was given for one of ``keys``."""
    for key in keys:
        if secrets.for_key(key) is not None:
            continue
        own = secrets.adm_keys if key.adm else secrets.pin_keys
        given = secrets.adm if key.adm else secrets.pin
        kind = "ADM" if key.adm else "PIN"
        if given is not None and key.ref not in own:
            names = ", ".join(f"{key_ref_name(r)} ({r:02X})" for r in sorted(own))
            raise MissingSecretError(f"{purpose} needs {key.name} (key reference {key.ref:02X}); the {kind} value "
                                     f"given is for {names} only and is not sent to another key", key.adm,
                                     given_for_another_key=True)
        raise MissingSecretError(f"{purpose} needs {key.name} (key reference {key.ref:02X}): no {kind} value "
                                 "was given", key.adm)


def present(files: FileAccess, keys: list[Key], secrets: Secrets, purpose: str) -> None:
    """VERIFY each key with the value given for it (:meth:`Secrets.for_key`), via the retry guard."""
    require_secrets(keys, secrets, purpose)
    for key in keys:
        try:
            files.verify_pin(key.ref, secrets.for_key(key), force=secrets.force)
        except (WrongPinError, PinBlockedError, PinRetryGuardError) as e:
            e.secret_kind = "adm" if key.adm else "pin"
            raise


_ALL_KEYS = frozenset(range(0x100))


def probe_secret(card: Card, kind: str) -> tuple[str, int | None]:
    """(key name, tries left) for the key the operator's 'pin' or 'adm' value will be verified against,
    probed without spending a try (None: the card does not say; -1 verified)."""
    loc = locate_bootstrap(card)
    try:
        key = secret_key(loc, kind)
        if key is None:
            return kind.upper(), None
        return key.name, loc.session.files.pin_retries(key.ref)
    finally:
        loc.session.close()


def pin_overview(card: Card) -> list[tuple[str, int, int | None]]:
    """(name, key reference, tries left) for the PINs that guard EF DM_Bootstrap: those reading needs,
    those UPDATE needs, and the AODF's PIN objects. Tries: -1 verified, 0 blocked, None unknown (a SIM
    does not tell its ADM counter). Probing never consumes a try."""
    loc = locate_bootstrap(card)
    try:
        files = loc.session.files
        refs: list[int] = []
        # plan as if a value were given for every key: list every key
        everything = Secrets(pin=Secret(""), adm=Secret(""), pin_keys=_ALL_KEYS, adm_keys=_ALL_KEYS)
        keys = read_keys(loc, everything)
        try:
            keys += update_keys(loc, everything)
        except SecurityError:
            pass  # UPDATE never allowed: no key to list
        for ref in [k.ref for k in keys] + [getattr(p, "reference", None) for p in loc.aodf or []]:
            if ref and ref not in refs:
                refs.append(ref)
        return [(files.pin_name(r), r, files.pin_retries(r)) for r in refs]
    finally:
        loc.session.close()
