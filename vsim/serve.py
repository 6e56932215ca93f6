"""Serve virtual cards to pcscd through the vsmartcard vpcd driver: ``python -m vsim serve`` (the same as
``cardboot vsim serve``), one card per vpcd slot, until SIGTERM / SIGINT."""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def add_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--profile", action="append", metavar="LAYOUT",
                       help="built-in name (uicc, sim) or TOML path; repeat for more cards, one per slot "
                       "(default: uicc)")
    serve.add_argument("--state", action="append", metavar="FILE",
                       help="load/save the card's content here (atomically); one per --profile")
    serve.add_argument("--port", type=int, default=35963, help="vpcd port of the first slot (default 35963)")
    serve.add_argument("--host", default="127.0.0.1", help="where vpcd listens (default 127.0.0.1)")
    serve.add_argument("--t0", action="store_true", help="behave as T=0 cards (61xx / 9Fxx)")
    serve.add_argument("--no-quickack", action="store_true", help="do not set TCP_QUICKACK (for measuring)")
    serve.add_argument("--no-nodelay", action="store_true", help="do not set TCP_NODELAY (for measuring)")
    faults = serve.add_argument_group("fault injection (first card)")
    faults.add_argument("--drop-after", type=int, metavar="N", help="drop the link on APDU #N (0-based)")
    faults.add_argument("--sw-at", action="append", metavar="N:SW", help="answer SW (hex) to APDU #N")
    faults.add_argument("--tear-at", metavar="N:K", help="tear UPDATE BINARY #N after K bytes, then drop")
    faults.add_argument("--latency-ms", type=float, default=0.0, help="delay every APDU")
    serve.add_argument("--baud", type=int, metavar="N",
                       help="answer as slowly as a real card at N bit/s (ISO/IEC 7816-3 character times; "
                       "T=0 or T=1 as --t0 says), e.g. 9600 or 115200")


def run(args) -> int:
    from . import load_card
    from .faults import FaultPlan
    from .link import LinkModel
    from .pcscd import stop_stray_pcscd
    from .state import StateKeeper
    from .vpcd import VpcdCard

    stop_stray_pcscd()  # a killed batch run's private pcscd would take the vpcd connection
    profiles = args.profile or ["uicc"]
    states = args.state or []
    if len(states) > len(profiles):
        raise ValueError("more --state files than --profile cards")
    servers = []
    for i, profile in enumerate(profiles):
        card = load_card(profile, t0=args.t0)
        keeper = None
        if i < len(states):
            keeper = StateKeeper(card, states[i])
            keeper.acquire(0)  # the served card holds its state file for the server's life
        if i == 0 and (args.drop_after is not None or args.sw_at or args.tear_at or args.latency_ms):
            card.fault = FaultPlan.parse(args.drop_after, args.sw_at, args.tear_at, args.latency_ms)
        link = LinkModel(args.baud, "T=0" if card.t0 else "T=1") if args.baud else None
        servers.append(VpcdCard(card, args.host, args.port + i, quickack=not args.no_quickack,
                                nodelay=not args.no_nodelay, state=keeper, link=link))
    done = threading.Event()

    def stop(signum, frame):
        for s in servers:
            s.stop()
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threads = [s.start_thread() for s in servers]
    for s, profile in zip(servers, profiles):
        print(f"vsim: {profile} on vpcd {args.host}:{s.port}", file=sys.stderr, flush=True)
    while not done.wait(0.5):
        if not any(t.is_alive() for t in threads):
            break
    for t in threads:
        t.join(timeout=3)
    return 0


def add_scws_arguments(scws: argparse.ArgumentParser) -> None:
    scws.add_argument("--profile", default="uicc", metavar="LAYOUT[:STATE]",
                      help="the card (a built-in layout or a layout TOML), with a state file to share it")
    scws.add_argument("--transport", choices=["bip", "bip6", "tcpip"], default="bip",
                      help="the SCWS address of 5.5.7: bip 127.0.0.1:4116, bip6 [::1]:4116, tcpip localuicc:443 "
                           "(on 127.0.0.1)")
    scws.add_argument("--host", help="listen here instead")
    scws.add_argument("--port", type=int, help="and on this port (default: the transport's)")
    scws.add_argument("--cert", required=True, help="the SCWS's TLS certificate (PEM)")
    scws.add_argument("--key", required=True, help="its private key (PEM)")
    scws.add_argument("--path", help="the EF the bootstrap URL maps to (default: the layout's DM_Bootstrap)")


def run_scws(args) -> int:
    from . import load_card
    from .scws import ScwsServer
    from .state import StateKeeper

    profile, _, state = args.profile.partition(":")
    card = load_card(profile)
    keeper = StateKeeper(card, state) if state else None
    server = ScwsServer(card, args.cert, args.key, transport=args.transport, host=args.host, port=args.port,
                        path=args.path, keeper=keeper)
    signal.signal(signal.SIGTERM, lambda signum, frame: threading.Thread(target=server.httpd.shutdown).start())
    host, port = server.address
    shown = f"[{host}]" if ":" in host else host
    print(f"vsim: SCWS of {args.profile} on https://{shown}:{port}/OMA/DM/Bootstrap.xml", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vsim", description="virtual SIM/UICC cards for pcscd (vpcd)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_arguments(sub.add_parser("serve", help="connect virtual cards to pcscd's vpcd reader slots"))
    add_scws_arguments(sub.add_parser("scws", help="the card's web server: GET /OMA/DM/Bootstrap.xml over TLS (5.5.7)"))
    args = parser.parse_args(argv)
    if args.command not in ("serve", "scws"):
        parser.print_help()
        return 2
    try:
        return run(args) if args.command == "serve" else run_scws(args)
    except Exception as e:  # noqa: BLE001 - a layout or state problem: one line, its exit code
        code = getattr(e, "exit_code", None)
        if code is None and not isinstance(e, (ValueError, OSError)):
            raise
        print(f"vsim: error: {e}", file=sys.stderr)
        return code or 2
