"""``cardboot bench``: benchmarks with a table (README) or JSON."""

from __future__ import annotations

import json

from ..errors import BenchmarkError, CardbootError
from ..extras import require
from .commands import TOP_HELP

BENCHES = ("read", "provision", "personalize", "wbxml", "pcsc", "batch", "server", "startup")


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help=TOP_HELP["bench"])
    p.add_argument("names", nargs="*", choices=[*BENCHES, []], metavar="NAME",
                   help="read (bootstrap read on in-process cards), provision (read / write+verify APDUs), "
                   "personalize (pkcs15 init of a blank card, dump of each layout), wbxml (codec against libwbxml), batch (cards/min by readers), server (requests/s over TLS), pcsc (round trips through pcscd+vpcd; "
                   "needs root or a running pcscd with vpcd), startup (process start against a bare "
                   "interpreter); default: all")
    p.add_argument("--rounds", type=int, default=200, help="repetitions to average over (default 200)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _print_read(results) -> None:
    print("read EF.DIR + ODF + DODF + DM_Bootstrap, in-process virtual cards "
          f"(mean of {results[0].rounds} rounds)")
    header = f"{'card':<5} {'proto':<5} {'APDUs':>5} {'spec min':>8} {'+detect':>7} {'bytes':>6} " \
             f"{'host us/APDU':>12} {'vsim us/APDU':>12} {'ms/card':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.card:<5} {r.protocol:<5} {r.apdus:>5} {r.spec_minimum:>8} {r.detect_apdus:>7} {r.bytes_read:>6} "
              f"{r.host_us_per_apdu:>12} {r.card_us_per_apdu:>12} {r.wall_ms:>8}")
    stages = ", ".join(f"{k} {v}" for k, v in results[-1].stages.items())
    print(f"APDUs per step (UICC T=0): {stages}")


def _print_pcsc(results) -> None:
    print("\nround trip per APDU through pyscard -> pcscd -> vpcd -> vsim (ms)")
    header = f"{'vsim socket':<17} {'APDUs':>6} {'scard':>8} {'pyscard':>8} {'cardboot':>9} " \
             f"{'cardboot/scard':>14} {'pyscard/scard':>13} {'overhead us':>11} {'host us':>7}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.socket_options:<17} {r.apdus:>6} {r.scard_ms:>8} {r.pyscard_ms:>8} {r.cardboot_ms:>9} "
              f"{r.cardboot_over_scard:>14} {r.pyscard_over_scard:>13} {r.cardboot_overhead_us:>11} "
              f"{r.cardboot_host_us:>7}")


def _print_wbxml(size: int, results) -> None:
    print(f"\nbootstrap message codec, {size}-byte WBXML (dm-bootstrap, embedded TNDS), microseconds")
    header = f"{'operation':<22} {'implementation':<22} {'us':>9} {'x libwbxml':>10}"
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = "" if r.ratio_to_libwbxml is None else r.ratio_to_libwbxml
        print(f"{r.operation:<22} {r.implementation:<22} {r.us:>9} {ratio:>10}")


def _print_init(inits, dumps) -> None:
    print("\npkcs15 init of a blank card (first run, then the idempotent second run); wire seconds from "
          "ISO/IEC 7816-3 character times at T=0")
    header = f"{'card':<11} {'layout':<6} {'path':<22} {'APDUs':>5} {'min':>4} {'again':>5} {'host ms':>7} " \
             f"{'wall ms':>8} {'9600 s':>7} {'115200 s':>8} {'bytes':>6}"
    print(header)
    print("-" * len(header))
    for r in inits:
        print(f"{r.card:<11} {r.layout:<6} {r.path:<22} {r.apdus:>5} {r.minimum:>4} {r.again_apdus:>5} "
              f"{r.host_ms:>7} {r.wall_ms:>8} {r.s_9600 or '':>7} {r.s_115200 or '':>8} {r.wire_bytes_9600 or '':>6}")
    print("\ndump of each built-in layout, in process (T=0)")
    header = f"{'layout':<13} {'files':>5} {'APDUs':>5} {'wall ms':>8} {'9600 s':>7} {'bytes':>6}"
    print(header)
    print("-" * len(header))
    for r in dumps:
        print(f"{r.layout:<13} {r.files:>5} {r.apdus:>5} {r.wall_ms:>8} {r.s_9600:>7} {r.wire_bytes:>6}")


def _guarded(name: str, fn, *a, **kw):
    """Run one benchmark; anything but cardboot's own typed errors becomes a one-line BenchmarkError."""
    from vsim.pcscd import PcscdUnavailable

    try:
        return fn(*a, **kw)
    except (CardbootError, PcscdUnavailable):
        raise  # typed already, or "skipped" for want of a PC/SC stack
    except Exception as e:  # noqa: BLE001 - httpx, sockets, subprocesses: report, do not dump
        text = " ".join(str(e).split())[:200]
        raise BenchmarkError(f"benchmark {name} failed: {type(e).__name__}: {text}") from None


def run(args) -> int:
    names = args.names or list(BENCHES)
    if "server" in names:
        require("server", "bench server")
        require("bench", "bench server")
    if "batch" in names:
        require("batch", "bench batch")
    out: dict = {}
    if "read" in names:
        from ..bench.read_bootstrap import bench_read_bootstrap

        out["read_bootstrap"] = _guarded("read", bench_read_bootstrap, max(1, args.rounds))
    if "provision" in names:
        from ..bench.provision import bench_provision

        out["provision"] = _guarded("provision", bench_provision)
        from ..bench.provision import bench_wire

        out["provision_wire"] = _guarded("provision", bench_wire)
    if "personalize" in names:
        from vsim.pcscd import PcscdUnavailable

        from ..bench.personalize import bench_dump, bench_init, bench_init_pcsc

        out["init"] = _guarded("personalize", bench_init)
        try:
            out["init"] += _guarded("personalize", bench_init_pcsc)
        except PcscdUnavailable as e:
            out["init_pcsc_skipped"] = str(e)
        out["dump"] = _guarded("personalize", bench_dump)
    if "wbxml" in names:
        from ..bench.wbxml_codec import bench_wbxml

        size, out["wbxml_codec"] = _guarded("wbxml", bench_wbxml, max(1, args.rounds))
        out["wbxml_message_bytes"] = size
    if "pcsc" in names:
        from vsim.pcscd import PcscdUnavailable

        from ..bench.pcsc_roundtrip import bench_pcsc_roundtrip

        from ..bench.provision import bench_pcsc_write

        try:
            out["pcsc_roundtrip"] = _guarded("pcsc", bench_pcsc_roundtrip, rounds=max(1, args.rounds) * 5,
                                             slow_rounds=max(1, min(40, args.rounds)))
            out["pcsc_write"] = _guarded("pcsc", bench_pcsc_write, rounds=max(3, min(50, args.rounds // 10)))
        except PcscdUnavailable as e:
            out["pcsc_roundtrip_skipped"] = str(e)
    if "batch" in names:
        from vsim.pcscd import PcscdUnavailable

        from ..bench.batch import bench_batch

        try:
            out["batch"] = _guarded("batch", bench_batch)
        except PcscdUnavailable as e:
            out["batch_skipped"] = str(e)
    if "startup" in names:
        from ..bench.startup import bench_startup

        out["startup"] = _guarded("startup", bench_startup, max(3, min(20, args.rounds // 10)))
    if "server" in names:
        from ..bench.server import bench_server

        out["server"] = _guarded("server", bench_server)
    if args.json:
        print(json.dumps({k: (v if isinstance(v, (str, int)) else [r.as_dict() for r in v]) for k, v in out.items()},
                         indent=2))
        return 0
    if "read_bootstrap" in out:
        _print_read(out["read_bootstrap"])
    if "provision" in out:
        print("\nAPDUs on in-process cards (T=1): cold read and write + verify, against the spec minimum")
        header = f"{'card':<8} {'message':>8} {'read':>5} {'min':>5} {'write+verify':>12} {'min':>5} " \
                 f"{'EF.ARR read/write':>17} {'ARR records':>11}"
        print(header)
        print("-" * len(header))
        for r in out["provision"]:
            print(f"{r.card:<8} {r.message_bytes:>8} {r.cold_read_apdus:>5} {r.cold_read_minimum:>5} "
                  f"{r.write_verify_apdus:>12} {r.write_verify_minimum:>5} "
                  f"{f'{r.read_arr_apdus}/{r.write_arr_apdus}':>17} {r.arr_records:>11}")
    if "provision_wire" in out:
        print("\nseconds per card on a real card's wire (ISO/IEC 7816-3 character times, no card processing time)")
        header = f"{'card':<5} {'link':<11} {'read s':>7} {'bytes':>6} {'write+verify s':>14} {'bytes':>6} " \
                 f"{'erase s':>7} {'bytes':>6} {'minimum w+v s':>13}"
        print(header)
        print("-" * len(header))
        for r in out["provision_wire"]:
            print(f"{r.card:<5} {r.link:<11} {r.cold_read_s:>7} {r.cold_read_bytes:>6} {r.write_verify_s:>14} "
                  f"{r.write_verify_bytes:>6} {r.erase_s:>7} {r.erase_bytes:>6} {r.minimum_write_verify_s:>13}")
    if "init" in out:
        _print_init(out["init"], out["dump"])
    if "wbxml_codec" in out:
        _print_wbxml(out["wbxml_message_bytes"], out["wbxml_codec"])
    if "pcsc_roundtrip" in out:
        _print_pcsc(out["pcsc_roundtrip"])
    if "pcsc_write" in out:
        print("\nwrite + verify per card through pcscd + vpcd (vsim serve process)")
        for r in out["pcsc_write"]:
            print(f"{r.card:<5} {r.message_bytes} bytes, {r.apdus} APDUs: {r.wall_ms_per_card} ms per card, "
                  f"host {r.host_ms_per_card} ms ({r.host_ms_per_card / r.wall_ms_per_card:.0%}), {r.rounds} rounds")
    if "batch" in out:
        print("\nbatch through pcscd + vpcd: cards per minute by number of virtual readers")
        for r in out["batch"]:
            print(f"{r.readers} reader(s): {r.cards} cards in {r.seconds} s = {r.cards_per_min} cards/min "
                  f"(x{r.ratio_to_one_reader})")
    if "server" in out:
        print("\nbootstrap server against nginx (same certificate, same bytes), 100 TLS connections on loopback, "
              "one run; the generator shares the CPU")
        print(f"{'endpoint':<52} {'target':<20} {'gen':<5} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'x nginx':>7} {'x static':>8}")
        for r in out["server"]:
            print(f"{r.endpoint:<52} {r.target:<20} {r.generator:<5} {r.per_second:>8} {r.p50_ms:>7} {r.p99_ms:>7} "
                  f"{r.ratio_to_nginx:>7} {r.ratio_to_static:>8}"
                  + ("  (generator-bound: a floor)" if r.generator_bound else "")
                  + (f"  ({r.refused} answered 503 busy)" if r.refused else ""))
    if "startup" in out:
        print("\nprocess start, median wall time (interleaved with a bare interpreter)")
        for r in out["startup"]:
            print(f"{r.command:<32} {r.median_ms:>7} ms  x{r.ratio_to_python} of python")
    if "batch_skipped" in out:
        print(f"\nbatch: skipped ({out['batch_skipped']})")
    if "pcsc_roundtrip_skipped" in out:
        print(f"\npcsc: skipped ({out['pcsc_roundtrip_skipped']})")
    return 0
