"""Benchmark: read EF.DIR + ODF + DODF + DM_Bootstrap (OMA DM Bootstrap D.2.5 / D.3.5) on the in-process
virtual SIM and UICC; count APDUs against the fewest the spec's steps allow and time the host's share.

Spec minimum, with r EF.DIR records and ceil(size/256) READ BINARYs per file:
- UICC: SELECT EF.DIR with FCP + r READ RECORD + MANAGE CHANNEL + SELECT AID + for ODF, DODF and
  DM_Bootstrap one SELECT with FCP and the READ BINARYs; under T=0 every SELECT with FCP adds a GET RESPONSE.
- SIM: SELECT + GET RESPONSE of EF.DIR + r READ RECORD + SELECT of the DF (its response is not needed)
  + for each file SELECT + GET RESPONSE and the READ BINARYs.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import vsim

from ..apdu import Trace
from ..card import connect_card
from ..provision.lookup import locate_bootstrap, read_bootstrap
from ..pkcs15.odf import DEFAULT_FID as ODF_FID
from ..transport.open import card_transport


def _reads(size: int) -> int:
    return -(-size // 256)


def spec_minimum(family: str, t0: bool, records: int, sizes: list[int]) -> int:
    if family == "uicc":
        select = 2 if t0 else 1
        return select + records + 2 + sum(select + _reads(s) for s in sizes)
    return 2 + records + 1 + sum(2 + _reads(s) for s in sizes)


@dataclass
class ReadBootstrapResult:
    card: str
    protocol: str
    apdus: int
    spec_minimum: int
    detect_apdus: int
    bytes_read: int
    host_us_per_apdu: float
    card_us_per_apdu: float
    wall_ms: float
    rounds: int
    stages: dict

    def as_dict(self) -> dict:
        return asdict(self)


def run_once(profile: str, t0: bool):
    transport = card_transport(vsim.load_card(profile, t0=t0))
    transport.connect()
    trace = Trace(keep=False)
    card = connect_card(transport, family=profile, trace=trace)
    t_start = time.perf_counter_ns()
    loc = locate_bootstrap(card)
    data = read_bootstrap(loc)
    wall = (time.perf_counter_ns() - t_start) / 1e6
    count = card.exchange.count
    # sizes for the minimum, looked up after the measurement
    files = loc.session.files
    sizes = [files.select(loc.session.path(ODF_FID)).size, files.select(loc.dodf_path).size, loc.size]
    records = files.select((0x3F00, 0x2F00)).record_count if profile == "sim" else None
    loc.session.close()
    if records is None:
        records = card.select((0x3F00, 0x2F00)).record_count
    return card, count, wall, data, loc.apdus, spec_minimum(profile, t0, records, sizes)


def bench_read_bootstrap(rounds: int = 200) -> list[ReadBootstrapResult]:
    results = []
    for profile in ("sim", "uicc"):
        for t0 in (False, True):
            host = card_us = wall = 0.0
            for _ in range(rounds):
                card, count, w, data, stages, minimum = run_once(profile, t0)
                host += card.exchange.host_micros
                card_us += card.exchange.card_micros
                wall += w
            # detection: a UICC answers the first SELECT of EF.DIR (reused), a SIM rejects it with 6E00
            detect = 1 if profile == "sim" else 0
            total = count * rounds
            results.append(ReadBootstrapResult(
                card=profile.upper(), protocol="T=0" if t0 else "T=1", apdus=count, spec_minimum=minimum,
                detect_apdus=detect, bytes_read=len(data), host_us_per_apdu=round(host / total, 1),
                card_us_per_apdu=round(card_us / total, 1), wall_ms=round(wall / rounds, 3), rounds=rounds,
                stages=stages))
    return results
