"""What the TUI lists as readers: the built-in virtual cards (kept for the whole session, so what is
written stays there; they can be "removed" and "inserted") and the PC/SC readers, polled."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..errors import CardbootError, NoCardError
from ..transport.base import Transport
from ..transport.open import card_transport, reader_transport


class ReaderKind(StrEnum):
    VSIM = "vsim"  # a virtual card in process
    PCSC = "pcsc"  # a PC/SC reader


@dataclass
class ReaderEntry:
    kind: ReaderKind
    name: str
    profile: str = ""
    card: object = None  # the vsim card object
    present: bool = True
    atr: bytes = b""

    @property
    def label(self) -> str:
        return f"{self.name} ({'card' if self.present else 'empty'})"

    def transport(self) -> Transport:
        if self.kind is ReaderKind.VSIM:
            if not self.present:
                raise NoCardError(f"{self.name}: no card (press i to insert the virtual card)")
            return card_transport(self.card, name=self.name)
        return reader_transport(self.name)


def virtual_entries(profiles=None) -> list[ReaderEntry]:
    import vsim
    from vsim.profile import builtin_profiles

    out = []
    for p in profiles or builtin_profiles():
        card = vsim.load_card(p)
        out.append(ReaderEntry(ReaderKind.VSIM, f"vsim {p}", p, card, True, card.atr))
    return out


def pcsc_entries() -> list[ReaderEntry]:
    """The PC/SC readers with card presence; empty when there is no pcscd."""
    try:
        from ..transport.pcsc import reader_states

        return [ReaderEntry(ReaderKind.PCSC, name, present=present, atr=atr) for name, present, atr in reader_states()]
    except (CardbootError, ImportError):
        return []
