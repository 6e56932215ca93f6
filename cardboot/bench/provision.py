"""Benchmark: APDUs for a cold read and for write + verify of a 1 KB and a 4 KB bootstrap message on the
virtual SIM and UICC, next to the fewest the spec's steps allow; and the wall time per card of write +
verify through pcscd + vpcd with the host's share.

Minimum (T=1 UICC / SIM): the lookup (EF.DIR select + records, MANAGE CHANNEL + SELECT AID or the DF
select, ODF and DODF select + read, EF select — SIM selects add a GET RESPONSE), one VERIFY ADM for a
write, ceil(size/255) UPDATE BINARY and ceil(size/256) READ BINARY. cardboot adds, by design, the retry
probe before VERIFY (UICC; a SIM needs --force-verify for ADM, no probe) and, for a write, one READ BINARY
of the chunk after the new message (old content there must become FF).
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
from ..transport.virtual import VirtualTransport


@dataclass
class ProvisionResult:
    card: str
    message_bytes: int
    cold_read_apdus: int
    cold_read_minimum: int
    write_verify_apdus: int
    write_verify_minimum: int

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


def bench_provision(sizes=(1024, 4096)) -> list[ProvisionResult]:
    out = []
    for profile in ("sim", "uicc"):
        for size in sizes:
            message = message_of_size(size)
            vcard = vsim.load_card(profile)
            transport = VirtualTransport(vcard)
            transport.connect()
            card = connect_card(transport, family=profile, trace=Trace(keep=False))
            secrets = Secrets(adm=Secret("88888888"), force=profile == "sim")
            erase_stored(card, secrets)
            transport.connect()  # power up again: ADM no longer verified, MF selected
            card = connect_card(transport, family=profile, trace=Trace(keep=False))
            write_apdus = write_stored(card, message, secrets).apdus
            # cold read: a fresh session on the written card
            transport.connect()
            card = connect_card(transport, family=profile, trace=Trace(keep=False))
            start = card.exchange.count
            stored = read_stored(card)
            stored.location.session.close()
            read_apdus = card.exchange.count - start - (1 if profile == "uicc" else 0)  # minus channel close
            records = 2 if profile == "uicc" else 1
            lookup = _lookup_minimum(profile, records)
            out.append(ProvisionResult(
                card=profile.upper(), message_bytes=len(message), cold_read_apdus=read_apdus,
                cold_read_minimum=lookup + _reads(len(message)), write_verify_apdus=write_apdus,
                write_verify_minimum=lookup + 1 + _updates(len(message)) + _reads(len(message))))
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

    from ..transport.pcsc import PcscTransport

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
                    t = PcscTransport(reader)
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
