"""Benchmark: APDUs for a cold read and for write + verify of a 1 KB and a 4 KB bootstrap message on the
virtual SIM and UICC, next to the fewest the spec's steps allow; and the wall time per card of write +
verify through pcscd + vpcd with the host's share.

Minimum (T=1 UICC / SIM): the lookup (EF.DIR select + records, MANAGE CHANNEL + SELECT AID or the DF
select, ODF and DODF select + read, EF select — SIM selects add a GET RESPONSE), one VERIFY ADM for a
write, ceil(size/255) UPDATE BINARY and ceil(size/256) READ BINARY, and for a write the look at every byte
after the new message (D.4.3: they must be FF, and no byte of an older message may survive): on the
erased card of this benchmark, ceil((EF size - size)/256) READ BINARY. cardboot adds, by design, the retry
probe before VERIFY (UICC; a SIM needs --force-verify for ADM, no probe).

USIM-ARR (profiles/cards/usim-arr.toml: a private object, every FCP referencing EF.ARR): the lookup adds
the AODF (select + read) for the private object's PIN, reading needs one VERIFY PIN1, and knowing the rule
costs at least SELECT EF.ARR + READ RECORD + SELECT of DM_Bootstrap again (selecting EF.ARR moved the
current file). ``arr_apdus`` counts what cardboot spent on EF.ARR, ``arr_records`` its READ RECORDs (the
goal: one per distinct record per session).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import vsim

from ..apdu import Trace
from ..bootstrap.builder import build_message, encode_message
from ..bootstrap.template import load_bootstrap, load_toml, resolve_template
from ..card import connect_card
from ..provision.access import Secrets
from ..provision.read import read_stored
from ..provision.write import erase_stored, write_stored
from ..secret import Secret
from ..transport.open import card_transport


@dataclass
class ProvisionResult:
    card: str
    message_bytes: int
    cold_read_apdus: int
    cold_read_minimum: int
    write_verify_apdus: int
    write_verify_minimum: int
    read_arr_apdus: int = 0  # of the cold read's APDUs, those spent on EF.ARR (SELECT + READ RECORD)
    write_arr_apdus: int = 0
    arr_records: int = 0  # READ RECORDs of EF.ARR in the write + verify session

    def as_dict(self) -> dict:
        return asdict(self)


def message_of_size(target: int) -> bytes:
    """A bootstrap message of exactly ``target`` bytes (dmacc-only or dm-bootstrap, grown with an Ext leaf
    in the DMAcc); ``target`` 0 gives the plain dm-bootstrap message (1600 bytes)."""
    variables = load_toml(resolve_template("dm-bootstrap").parent.parent / "vars" / "example.toml", "vars")
    boot = load_bootstrap("dm-bootstrap" if target == 0 or target >= 1700 else "dmacc-only", variables)
    base = len(encode_message(build_message(boot, "tnds-wbxml")))
    from ..bootstrap.tnds import TndsNode

    if target > base:
        filler = "x" * max(0, target - base - 40)
        ext = TndsNode("Ext", format="node", children=[TndsNode("Filler", format="chr", value=filler)])
        boot.objects[0].root.children.append(ext)
        data = encode_message(build_message(boot, "tnds-wbxml"))
        while len(data) > target:
            filler = filler[: len(filler) - (len(data) - target)]
            ext.children[0].value = filler
            data = encode_message(build_message(boot, "tnds-wbxml"))
        return data
    return encode_message(build_message(boot, "tnds-wbxml"))


def _lookup_minimum(family: str, records: int) -> int:
    if family == "uicc":
        return 1 + records + 2 + 2 + 2 + 1
    return 2 + records + 1 + 3 + 3 + 2


def _reads(n: int) -> int:
    return -(-n // 256)


def _updates(n: int) -> int:
    return -(-n // 255)


def _arr(trace: Trace, start: int) -> tuple[int, int]:
    """(APDUs, READ RECORDs) spent in the EF.ARR stage since entry ``start``."""
    entries = [e for e in trace.entries[start:] if e.stage == "EF.ARR"]
    return len(entries), sum(1 for e in entries if e.name == "READ RECORD")


def bench_provision(sizes=(1024, 4096)) -> list[ProvisionResult]:
    out = []
    for profile in ("sim", "uicc", "usim-arr"):
        family = "sim" if profile == "sim" else "uicc"
        for size in sizes:
            message = message_of_size(size)
            vcard = vsim.load_card(profile)
            transport = card_transport(vcard)
            transport.connect()
            card = connect_card(transport, family=family, trace=Trace(keep=False))
            secrets = Secrets(pin=Secret("1234"), adm=Secret("88888888"), force=profile == "sim")
            erase_stored(card, secrets)
            transport.connect()  # power up again: ADM no longer verified, MF selected
            trace = Trace()
            card = connect_card(transport, family=family, trace=trace)
            write_apdus = write_stored(card, message, secrets).apdus
            write_arr, arr_records = _arr(trace, 0)
            # cold read: a fresh session on the written card
            transport.connect()
            trace = Trace()
            card = connect_card(transport, family=family, trace=trace)
            start = card.exchange.count
            stored = read_stored(card, secrets)
            read_apdus = card.exchange.count - start - (1 if family == "uicc" else 0)  # minus channel close
            read_arr, _ = _arr(trace, 0)
            records = 2 if family == "uicc" else 1
            lookup = _lookup_minimum(family, records)
            private = 0
            if profile == "usim-arr":
                # AODF select + read; VERIFY PIN1; SELECT EF.ARR + READ RECORD + SELECT DM_Bootstrap again
                private = 2 + 1 + 3
            tail = _reads(stored.location.size - len(message))
            out.append(ProvisionResult(
                card=profile.upper(), message_bytes=len(message), cold_read_apdus=read_apdus,
                cold_read_minimum=lookup + private + _reads(len(message)), write_verify_apdus=write_apdus,
                write_verify_minimum=lookup + private + 1 + _updates(len(message)) + _reads(len(message)) + tail,
                read_arr_apdus=read_arr, write_arr_apdus=write_arr, arr_records=arr_records))
    return out


@dataclass
class PcscWriteResult:
    card: str
    message_bytes: int
    rounds: int
    wall_ms_per_card: float
    host_ms_per_card: float
    apdus: int

    def as_dict(self) -> dict:
        return asdict(self)


def bench_pcsc_write(rounds: int = 10, port: int = 35963) -> list[PcscWriteResult]:
    """Write + verify the 1.6 KB message through pyscard -> pcscd -> vpcd -> a ``cardboot vsim serve``
    process. Raises vsim.pcscd.PcscdUnavailable without a PC/SC stack."""
    from vsim.pcscd import PcscdService, served_card

    from ..transport.open import reader_transport

    message = message_of_size(0)
    service = PcscdService(port)
    results = []
    try:
        reader = service.ensure()[0]
        for profile in ("sim", "uicc"):
            with served_card(profile, reader, port):
                secrets = Secrets(adm=Secret("88888888"), force=profile == "sim")
                wall = host = 0.0
                apdus = 0
                for _ in range(rounds):
                    t = reader_transport(reader)
                    t.connect()
                    card = connect_card(t, family=profile, trace=Trace(keep=False))
                    t0 = time.perf_counter()
                    result = write_stored(card, message, secrets)
                    wall += time.perf_counter() - t0
                    host += card.exchange.host_micros / 1e6
                    apdus = result.apdus
                    t.disconnect()
                results.append(PcscWriteResult(profile.upper(), len(message), rounds, round(wall / rounds * 1000, 2),
                                               round(host / rounds * 1000, 3), apdus))
    finally:
        service.stop()
    return results


@dataclass
class WireResult:
    card: str
    link: str  # "T=0 9600"
    message_bytes: int
    cold_read_bytes: int
    cold_read_s: float
    write_verify_bytes: int
    write_verify_s: float
    erase_bytes: int
    erase_s: float
    minimum_write_verify_s: float  # the message once each way, nothing else

    def as_dict(self) -> dict:
        return asdict(self)


def _wire(trace: Trace, link) -> tuple[int, float]:
    total = sum(link.wire_bytes(e.data_len, e.le, e.response_len) for e in trace.entries)
    return total, round(sum(link.seconds(e.data_len, e.le, e.response_len) for e in trace.entries), 3)


def bench_wire(size: int = 0, links=((9600, "T=0"), (115200, "T=0"))) -> list[WireResult]:
    """Seconds per card on a real card's wire (vsim.link: ISO/IEC 7816-3 character times, no card
    processing time) for a cold read, a write + verify and an erase of the 1.6 KB message, at the given
    rates; the minimum is the message's bytes once each way."""
    from vsim.link import LinkModel

    message = message_of_size(size)
    out = []
    for profile in ("sim", "uicc"):
        for baud, protocol in links:
            link = LinkModel(baud, protocol)
            t0 = protocol == "T=0"
            vcard = vsim.load_card(profile, t0=t0)
            transport = card_transport(vcard)
            secrets = Secrets(adm=Secret("88888888"), force=profile == "sim")
            results = {}
            for step in ("erase0", "write", "read", "erase"):
                transport.connect()
                trace = Trace()
                card = connect_card(transport, family=profile, trace=trace)
                if step in ("erase0", "erase"):
                    erase_stored(card, secrets)
                elif step == "write":
                    write_stored(card, message, secrets)
                else:
                    read_stored(card, secrets)
                results[step] = _wire(trace, link)
            out.append(WireResult(profile.upper(), f"{protocol} {baud}", len(message), *results["read"],
                                  *results["write"], *results["erase"],
                                  round(2 * len(message) * link.char_seconds, 3)))
    return out
