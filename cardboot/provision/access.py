"""Which secrets an operation on EF DM_Bootstrap needs, and presenting them safely.

Reading: D.2.4 / D.3.4 — a private or modifiable object needs cardholder verification; the DODF's authId
names the AODF PIN (its pinReference); without an authId, CHV1 / PIN1. The card's own READ condition
(FCP / GET RESPONSE) is honoured as well. Writing: D.4.3 — UPDATE is ADM; the key reference comes from
the card's UPDATE condition (ADM1 = 0A on the built-in layouts).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..card.fileinfo import key_ref_from_name
from ..errors import SecurityError
from ..pkcs15.locate import BootstrapLocation, locate_bootstrap
from ..secret import Secret


@dataclass
class Secrets:
    pin: Secret | None = None
    adm: Secret | None = None
    force: bool = False


def _needed(condition: str | None) -> int | None:
    if condition in (None, "ALW"):
        return None
    return key_ref_from_name(condition)


def read_key(loc: BootstrapLocation) -> int | None:
    """Key reference to VERIFY before reading, or None."""
    if loc.data_object.needs_pin:
        return loc.pin_reference if loc.pin_reference is not None else 0x01
    return _needed(loc.info.access.get("read"))


def update_key(loc: BootstrapLocation) -> int | None:
    cond = loc.info.access.get("update")
    if cond == "NEV":
        raise SecurityError(f"{loc.info.describe()}: UPDATE is never allowed on this card")
    return _needed(cond)


def present(files, key_ref: int | None, secrets: Secrets, purpose: str) -> None:
    """VERIFY ``key_ref`` with the matching secret (ADM for 0A-0E / 8A-8E, else the PIN), via the guard."""
    if key_ref is None:
        return
    is_adm = 0x0A <= key_ref <= 0x0E or 0x8A <= key_ref <= 0x8E
    secret = secrets.adm if is_adm else secrets.pin
    name = files.pin_name(key_ref)
    if secret is None:
        flag = "--adm-env/--adm-file/--adm-prompt" if is_adm else "--pin-env/--pin-file/--pin-prompt"
        raise SecurityError(f"{purpose} needs {name} (key reference {key_ref:02X}): give it with {flag}")
    files.verify_pin(key_ref, secret, force=secrets.force)


def pin_overview(card) -> list[tuple[str, int, int | None]]:
    """(name, key reference, tries left) for the PINs that guard EF DM_Bootstrap: the one reading needs,
    the one UPDATE needs, and the AODF's PIN objects. Tries: -1 verified, 0 blocked, None unknown (a SIM
    does not tell its ADM counter). Probing never consumes a try."""
    loc = locate_bootstrap(card)
    try:
        files = loc.session.files
        refs: list[int] = []
        for ref in (read_key(loc), update_key_or_none(loc)):
            if ref is not None and ref not in refs:
                refs.append(ref)
        for p in loc.aodf or []:
            ref = getattr(p, "reference", None)
            if ref and ref not in refs:
                refs.append(ref)
        return [(files.pin_name(r), r, files.pin_retries(r)) for r in refs]
    finally:
        loc.session.close()


def update_key_or_none(loc: BootstrapLocation) -> int | None:
    try:
        return update_key(loc)
    except SecurityError:
        return None
