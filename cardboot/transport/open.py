"""The one place a reader choice becomes a transport: ``--reader`` / a TUI or batch PC/SC entry
(:func:`reader_transport`), ``--vsim PROFILE[:STATE]`` (:func:`vsim_transport`), or a virtual card object
a TUI or batch slot keeps (:func:`card_transport`). The faces call these and never build a transport."""

from __future__ import annotations

from .base import Transport


def reader_transport(reader: str | int, protocol: str = "any") -> Transport:
    """A card in a PC/SC reader (by index or name), held for each session with a transaction."""
    from .pcsc import PcscTransport

    return PcscTransport(reader, protocol)


def card_transport(card, name: str = "vsim", after=None) -> Transport:
    """A virtual card object this process keeps (its content lives as long as the object)."""
    from .virtual import VirtualTransport

    return VirtualTransport(card, name=name, after=after)


def vsim_transport(spec: str = "uicc", t0: bool = False) -> tuple[Transport, str]:
    """``PROFILE[:STATE]``: a built-in layout or a layout TOML, optionally with a state file that keeps the
    card's content between runs — locked for each session, so processes sharing it take turns."""
    import vsim
    from vsim.state import StateKeeper

    from .virtual import VirtualTransport

    profile, _, state = spec.partition(":")
    card = vsim.load_card(profile, t0=t0)
    keeper = StateKeeper(card, state) if state else None
    source = f"vsim {profile}" + (f" ({state})" if state else "")
    return VirtualTransport(card, name=f"vsim:{profile}", keeper=keeper), source


def transport_for(*, reader: str | int | None = None, vsim: str | None = None, protocol: str = "any",
                  t0: bool = False) -> tuple[Transport, str]:
    """(transport, what to call it) for a reader or a virtual card (default: the built-in UICC)."""
    if reader is not None:
        return reader_transport(reader, protocol), f"reader {reader}"
    return vsim_transport(vsim or "uicc", t0)
