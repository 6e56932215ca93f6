"""vsim: virtual SIM and UICC cards with a real file system, for tests and demos.

    from vsim import load_card
    card = load_card("uicc")            # a built-in layout from profiles/cards, or a path to one
    atr = card.power_on()
    rapdu = card.process(bytes.fromhex("00A4000402 2F00 00".replace(" ", "")))
"""

from __future__ import annotations

from pathlib import Path

from .card import VirtualCard
from .profile import CardProfile, builtin_profiles, load_profile, parse_profile, resolve_profile
from .sim import VirtualSim
from .uicc import VirtualUicc

__all__ = [
    "VirtualCard", "VirtualSim", "VirtualUicc", "CardProfile",
    "load_card", "card_from_profile", "load_profile", "parse_profile", "resolve_profile", "builtin_profiles",
]


def card_from_profile(profile: CardProfile, t0: bool = False) -> VirtualCard:
    cls = VirtualSim if profile.family == "sim" else VirtualUicc
    return cls(profile, t0=t0 or profile.protocol == "T=0")


def load_card(name_or_path: str | Path, t0: bool = False, iccid: str | None = None) -> VirtualCard:
    """A virtual card from a layout (built-in name or TOML path); ``iccid`` replaces EF.ICCID's content."""
    card = card_from_profile(load_profile(name_or_path), t0=t0)
    if iccid is not None:
        ef = card.mf.children.get(0x2FE2)
        if ef is None:
            raise ValueError(f"{name_or_path} has no EF.ICCID to put {iccid} in")
        ef.data[:] = _iccid_bytes(iccid, ef.size)
    return card


def _iccid_bytes(iccid: str, size: int) -> bytes:
    """EF.ICCID (TS 102 221 13.2): BCD, digits swapped in each byte, padded with F."""
    if not iccid.isascii() or not iccid.isdigit() or len(iccid) > 2 * size:
        raise ValueError(f"ICCID {iccid!r} is not 1..{2 * size} digits")
    digits = iccid.ljust(2 * size, "F")
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, 2 * size, 2))
