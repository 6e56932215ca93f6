"""Benchmark: one APDU's round trip through pyscard → pcscd → vpcd → vsim, with and without TCP_NODELAY +
TCP_QUICKACK on the virtual card's socket, and cardboot's per-APDU cost over raw pyscard on the same
reader (ratios from one run).

Three ways to send the same ``00 A4 00 0C 02 3F00`` (SELECT MF, no response data):
- ``scard``: pyscard's low-level ``SCardTransmit`` (what cardboot's PcscTransport calls);
- ``pyscard``: pyscard's high-level ``CardConnection.transmit`` (lists of ints, observers);
- ``cardboot``: ``ApduExchange.send`` of a ``CommandApdu`` (trace counting, SW check).

The three run in rotating blocks of 20 so drift hits all alike. Round trips on this path vary by tens of
microseconds from block to block, so the difference of means is noisy at that scale; ``cardboot_host_us``
is the host time measured inside the exchange itself (everything but ``SCardTransmit``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

APDU = bytes.fromhex("00A4000C023F00")


@dataclass
class RoundTrip:
    socket_options: str
    apdus: int
    scard_ms: float
    pyscard_ms: float
    cardboot_ms: float
    cardboot_over_scard: float
    pyscard_over_scard: float
    cardboot_overhead_us: float
    cardboot_host_us: float  # measured inside ApduExchange: time not spent in SCardTransmit

    def as_dict(self) -> dict:
        return asdict(self)


def _interleaved_ms(fns: list, n: int, block: int = 20) -> list[float]:
    """Mean ms per call of each function, run in alternating blocks so drift hits all alike."""
    for fn in fns:
        fn()  # warm up
    totals = [0.0] * len(fns)
    done = 0
    turn = 0
    while done < n:
        k = min(block, n - done)
        order = list(range(len(fns)))
        order = order[turn % len(fns):] + order[: turn % len(fns)]  # rotate: no one always goes first
        turn += 1
        for i in order:
            fn = fns[i]
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            totals[i] += time.perf_counter() - t0
        done += k
    return [t / n * 1000 for t in totals]


def _measure(reader: str, n: int, label: str) -> RoundTrip:
    from smartcard import scard
    from smartcard.System import readers as pyscard_readers

    from ..apdu import ApduExchange, CardFamily, CommandApdu, Trace
    from ..transport.open import reader_transport

    transport = reader_transport(reader)
    transport.connect()
    conn = next(r for r in pyscard_readers() if str(r) == reader).createConnection()
    conn.connect()
    try:
        card, pci = transport._card, transport._pci
        apdu_list = list(APDU)
        exchange = ApduExchange(transport, CardFamily.UICC, Trace(keep=False))
        cmd = CommandApdu(0x00, 0xA4, 0x00, 0x0C, b"\x3f\x00", name="SELECT 3F00")
        scard_ms, pyscard_ms, cardboot_ms = _interleaved_ms([
            lambda: scard.SCardTransmit(card, pci, apdu_list),
            lambda: conn.transmit(apdu_list),
            lambda: exchange.send(cmd),
        ], n)
    finally:
        conn.disconnect()
        transport.disconnect()
    return RoundTrip(label, n, round(scard_ms, 4), round(pyscard_ms, 4), round(cardboot_ms, 4),
                     round(cardboot_ms / scard_ms, 3), round(pyscard_ms / scard_ms, 3),
                     round((cardboot_ms - scard_ms) * 1000, 1),
                     round(exchange.host_micros / max(1, exchange.count), 1))


def bench_pcsc_roundtrip(rounds: int = 1000, slow_rounds: int = 40, port: int = 35963) -> list[RoundTrip]:
    """Raises vsim.pcscd.PcscdUnavailable when pcscd/vpcd cannot be had.

    The virtual card runs in its own process (``cardboot vsim serve``), as it would for any PC/SC client,
    so the measurement does not share a GIL with it."""
    from vsim.pcscd import PcscdService, served_card

    service = PcscdService(port)
    results = []
    try:
        names = service.ensure()
        reader = names[0]
        for fast in (True, False):
            extra = () if fast else ("--no-quickack", "--no-nodelay")
            with served_card("uicc", reader, port, extra):
                label = "NODELAY+QUICKACK" if fast else "neither"
                results.append(_measure(reader, rounds if fast else slow_rounds, label))
    finally:
        service.stop()
    return results
