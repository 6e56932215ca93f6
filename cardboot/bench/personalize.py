"""Benchmark: ``pkcs15 init`` of a blank card and ``dump`` of each built-in layout — APDUs, bytes on the
wire and seconds at real bit rates (vsim.link, ISO/IEC 7816-3 character times), host time in process,
and wall time per card for init through pcscd + vpcd.

The anchor for init is the fewest commands its job allows on a blank UICC: VERIFY ADM, one EF.DIR
UPDATE RECORD, per new EF one CREATE FILE and ceil(size/255) UPDATE BINARY, plus the read-back of what
was written (ceil(size/256) READ BINARY, one READ RECORD) — the survey that finds what is missing and the
D.4.3 check of the new EF DM_Bootstrap come on top of it.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import vsim

from ..apdu import Trace
from ..card import connect_card
from ..provision.access import Secrets
from ..provision.dump import dump_card
from ..provision.init import init_card
from ..provision.layout import load_layout
from ..secret import Secret
from ..transport.open import card_transport
from .provision import _wire

PAIRS = (("blank-uicc", "uicc"), ("blank-sim", "sim"))
DUMPED = ("uicc", "usim-arr", "sim", "lwm2m", "no-efdir", "uicc-private", "sim-private", "blank-uicc", "blank-sim")


@dataclass
class InitBench:
    card: str
    layout: str
    path: str  # "in process" / "pcscd+vpcd"
    apdus: int
    minimum: int
    again_apdus: int  # the second, idempotent run: reads only
    host_ms: float
    wall_ms: float
    s_9600: float
    s_115200: float
    wire_bytes_9600: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class DumpBench:
    layout: str
    files: int
    apdus: int
    wall_ms: float
    s_9600: float
    wire_bytes: int

    def as_dict(self) -> dict:
        return asdict(self)


def init_minimum(layout, uicc: bool) -> int:
    """VERIFY + EF.DIR record (write, read back) + for each file: CREATE (UICC) + content written and read."""
    n = 1 + 2
    for f in layout.files:
        if uicc:
            n += 1
        if f.content is not None:
            used = len(f.content.rstrip(b"\xff")) or 1
            n += math.ceil(used / 255) + math.ceil(used / 256)
    return n


def _session(vcard, trace):
    t = card_transport(vcard)
    t.connect()
    return connect_card(t, trace=trace)


def bench_init() -> list[InitBench]:
    from vsim.link import LinkModel

    out = []
    for blank, name in PAIRS:
        layout = load_layout(name)
        secrets = Secrets(adm=Secret("88888888"), force=blank == "blank-sim")
        vcard = vsim.load_card(blank, t0=True)
        trace = Trace()
        card = _session(vcard, trace)
        t0 = time.perf_counter()
        result = init_card(card, layout, secrets)
        wall = (time.perf_counter() - t0) * 1000
        again = init_card(_session(vcard, Trace(keep=False)), layout, secrets)
        slow, fast = LinkModel(9600, "T=0"), LinkModel(115200, "T=0")
        b9600, s9600 = _wire(trace, slow)
        out.append(InitBench(blank, name, "in process (T=0)", result.apdus, init_minimum(layout, blank == "blank-uicc"),
                             again.apdus, round(card.exchange.host_micros / 1000, 2), round(wall, 2), s9600,
                             _wire(trace, fast)[1], b9600))
    return out


def bench_init_pcsc(rounds: int = 3, port: int = 35963) -> list[InitBench]:
    """Init of a blank UICC served by a ``vsim serve`` process, through pyscard -> pcscd -> vpcd; a fresh
    card each round. Raises vsim.pcscd.PcscdUnavailable without a PC/SC stack."""
    from vsim.pcscd import PcscdService, served_card

    from ..transport.open import reader_transport

    layout = load_layout("uicc")
    service = PcscdService(port)
    wall = host = 0.0
    apdus = again = 0
    try:
        reader = service.ensure()[0]
        for _ in range(rounds):
            with served_card("blank-uicc", reader, port):
                t = reader_transport(reader)
                t.connect()
                card = connect_card(t, trace=Trace(keep=False))
                t0 = time.perf_counter()
                apdus = init_card(card, layout, Secrets(adm=Secret("88888888"))).apdus
                wall += time.perf_counter() - t0
                host += card.exchange.host_micros / 1e6
                again = init_card(connect_card(t, trace=Trace(keep=False)), layout, Secrets()).apdus
                t.disconnect()
    finally:
        service.stop()
    return [InitBench("blank-uicc", "uicc", f"pcscd+vpcd ({rounds} cards)", apdus, init_minimum(layout, True), again,
                      round(host / rounds * 1000, 2), round(wall / rounds * 1000, 2), 0.0, 0.0, 0)]


def bench_dump() -> list[DumpBench]:
    from vsim.link import LinkModel

    out = []
    for name in DUMPED:
        trace = Trace()
        t0 = time.perf_counter()
        dump = dump_card(_session(vsim.load_card(name, t0=True), trace), name)
        wall = (time.perf_counter() - t0) * 1000
        wire, seconds = _wire(trace, LinkModel(9600, "T=0"))
        out.append(DumpBench(name, len(dump.files), dump.apdus, round(wall, 2), seconds, wire))
    return out
