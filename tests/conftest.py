"""Shared fixtures: in-process virtual cards wired to the engine."""

from __future__ import annotations

import pytest

import vsim
from cardboot.apdu import Trace
from cardboot.card import connect_card
from cardboot.transport.virtual import VirtualTransport


def make_card(profile: str, t0: bool = False, family: str | None = None):
    """(virtual card, transport, engine card, trace) for a built-in profile."""
    vcard = vsim.load_card(profile, t0=t0)
    transport = VirtualTransport(vcard, name=f"vsim:{profile}")
    transport.connect()
    trace = Trace()
    card = connect_card(transport, family=family or vcard.profile.family, trace=trace)
    return vcard, transport, card, trace


@pytest.fixture(params=[False, True], ids=["T=1", "T=0"])
def uicc(request):
    return make_card("uicc", t0=request.param)


@pytest.fixture(params=[False, True], ids=["T=1", "T=0"])
def sim(request):
    return make_card("sim", t0=request.param)
