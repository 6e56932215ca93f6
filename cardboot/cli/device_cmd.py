"""``cardboot device discover | fetch | sztp | boot``: a bootstrap seen from the device's side (see cardboot.device)."""

from __future__ import annotations

import json

from ..errors import ExitCode, UsageError
from ..outfile import write_private
from .commands import TOP_HELP


def add_parsers(sub) -> None:
    p = sub.add_parser("device", help=TOP_HELP["device"])
    dsub = p.add_subparsers(dest="device_command", required=True)
    d = dsub.add_parser("discover", help="the bootstrap servers a device finds: SRV _omadm-bootstrap._tcp.DOMAIN "
                                         "(Appendix E, RFC 2782 order), or the URIs of a DHCP option")
    src = d.add_mutually_exclusive_group(required=True)
    src.add_argument("domain", nargs="?", help="the device's domain")
    src.add_argument("--dhcp", metavar="HEX", help="an RFC 8572 option 143 (v4) / 136 (v6) as `dhcp decode` takes it")
    d.add_argument("--nameserver", metavar="IP[:PORT]", help="ask this DNS server (default: the system's)")
    d.add_argument("--seed", type=int, help="seed of the weighted order within a priority (repeatable runs)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=run_discover)

    f = dsub.add_parser("fetch", help="HTTPS GET of the bootstrap as a device does (5.5.7), checked as a message")
    where = f.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="https://host[:port]/OMA/DM/Bootstrap.xml")
    where.add_argument("--discover", metavar="DOMAIN", help="find the server by SRV and try each in order")
    where.add_argument("--scws", action="store_true", help="from the card's web server: https://{SCWS@}/OMA/DM/"
                                                           "Bootstrap.xml (5.5.7)")
    f.add_argument("--transport", choices=["bip", "bip6", "tcpip"], default="bip",
                   help="with --scws: BIP 127.0.0.1:4116 (bip6 [::1]:4116) or TCP/IP localuicc:443")
    f.add_argument("--scws-address", metavar="IP[:PORT]",
                   help="with --scws: connect here (the address the terminal gives localuicc, or a test port)")
    f.add_argument("--state", metavar="DEVICE.json", help="hand the bootstrap to this device's DM client: applied "
                                                          "to its tree (5.5.5), recorded as from HTTPS or the SCWS")
    f.add_argument("--nameserver", metavar="IP[:PORT]")
    f.add_argument("--cert", help="the device's client certificate (PEM)")
    f.add_argument("--key", help="its private key (PEM)")
    f.add_argument("--basic-env", metavar="VAR", help="environment variable holding SERIAL:ACTIVATION-CODE")
    f.add_argument("--ca", help="CA certificate(s) the server's certificate must chain to (PEM)")
    f.add_argument("--out", help="write the message here (0600)")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=run_fetch)
    _sztp_parser(dsub)
    _boot_parser(dsub)


def _boot_parser(dsub) -> None:
    from .cardopts import add_card_options, add_secret_options

    b = dsub.add_parser("boot", help="switch a device on with a card (5.5.6): read the card's bootstrap, apply it, "
                                     "remove the servers an earlier card gave that this one no longer holds")
    add_card_options(b)
    add_secret_options(b)
    b.add_argument("--state", required=True, metavar="DEVICE.json",
                   help="the device: its management tree and what came from which card (made on first use, 0600)")
    b.add_argument("--policy", choices=["no-smartcard-bootstrap"],
                   help="the device's security policy disables smartcard bootstrap (5.5.6): the card is not read")
    b.add_argument("--reject-card", action="store_true", help="the device rejects this card (e.g. SIM lock, 5.5.6)")
    b.add_argument("--no-card", action="store_true", help="switch on without a card")
    b.add_argument("--factory-tree", metavar="TREE.json",
                   help="a new device's tree as it left the factory (a tree JSON, as `message apply --out` writes)")
    b.add_argument("--show-secrets", action="store_true", help="show the tree's secrets unmasked")
    b.add_argument("--tree", action="store_true", help="print the device's tree after the switch-on")
    b.set_defaults(func=run_boot)


def run_boot(args) -> int:
    from ..device.boot import from_factory, load_state, read_card_bootstrap, save_state, switch_on
    from ..device.tree import render, to_json
    from .cardopts import open_card, secrets_from

    state = load_state(args.state)
    if args.factory_tree:
        from ..device.tree import load_tree

        from_factory(state, load_tree(args.factory_tree), args.state)
    card = None
    if not args.no_card and args.policy is None:  # under the policy the card is not touched at all
        with open_card(args) as ctx:
            card = read_card_bootstrap(ctx.card, ctx.source, secrets_from(args), rejected=args.reject_card)
    event = switch_on(state, card, policy=args.policy, reject_card=args.reject_card)
    save_state(args.state, state)
    if args.json:
        print(json.dumps({**event.as_dict(), "tree": to_json(state.tree, args.show_secrets) if args.tree else None},
                         indent=2))
        return 0
    print(f"switch-on {event.number}: " + (f"card {event.iccid}: " if event.iccid else "") + event.reason)
    changes = [("added", p) for p in event.added] + [("replaced", p) for p in event.replaced] + \
        [("removed", p) for p in event.removed] + [("kept", f"{p} (not from a smartcard)") for p in event.kept]
    lines = [f"  {what:<8} {path}" for what, path in changes] + [f"note: {n}" for n in event.notes]
    if lines:
        print("\n".join(lines))
    if args.tree:
        print(render(state.tree, args.show_secrets))
    return 0


def _sztp_parser(dsub) -> None:
    z = dsub.add_parser("sztp", help="RFC 8572 get-bootstrapping-data as a device: verify, follow redirects, "
                                     "print the onboarding information")
    z.add_argument("--url", required=True, help="https://host[:port] of the bootstrap server")
    z.add_argument("--cert", help="the device's client certificate (PEM; its serialNumber is the device's)")
    z.add_argument("--key")
    z.add_argument("--basic-env", metavar="VAR", help="environment variable holding SERIAL:ACTIVATION-CODE")
    z.add_argument("--ca", help="the bootstrap server's trust anchor (PEM): without it the server is untrusted "
                                "and only signed information is accepted")
    z.add_argument("--trust-anchor", required=True, help="the manufacturer's trust anchor for ownership vouchers (PEM)")
    z.add_argument("--signed", action="store_true", help="ask for signed data from a trusted server too")
    z.add_argument("--nonce", action="store_true", help="send a random nonce; the voucher must carry it back")
    z.add_argument("--report", action="store_true", help="send report-progress to a trusted server")
    z.add_argument("--out", help="write the bootstrap message of the onboarding information here (0600)")
    z.add_argument("--json", action="store_true")
    z.set_defaults(func=run_sztp)


def run_sztp(args) -> int:
    import secrets

    from cryptography import x509

    from ..device.sztp import bootstrap, device_identity
    from ..infile import read_bounded
    from .cardopts import secret_option

    basic = secret_option(args, "basic")
    if (args.cert is None) != (args.key is None):
        raise UsageError("--cert and --key go together")
    ident = device_identity(args.cert, args.key, basic)
    try:
        anchors = x509.load_pem_x509_certificates(read_bounded(args.trust_anchor, what="trust anchor", limit=1 << 20))
    except ValueError:
        raise UsageError(f"{args.trust_anchor}: no PEM certificate") from None
    ca = read_bounded(args.ca, what="CA file", limit=1 << 20) if args.ca else None
    nonce = secrets.token_bytes(16) if args.nonce else None
    result = bootstrap(args.url, ident, ca_pems=ca, manufacturer=anchors, nonce=nonce, report=args.report,
                       signed=args.signed)
    if args.out and result.message is not None:
        write_private(args.out, result.message, what="bootstrap message")
    info = {"status": "onboarding" if not result.findings else "invalid", "serial": ident.serial,
            "hops": result.hops, "signed": result.signed, "trusted_server": result.trusted,
            "message_bytes": len(result.message or b""), "findings": [str(f) for f in result.findings],
            "voucher": {k: v for k, v in (result.voucher or {}).items() if k != "pinned-domain-cert"} or None,
            "notes": result.notes}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        how = "signed (voucher, owner certificate and signature verified)" if result.signed else \
            "unsigned (the server is trusted)"
        print(f"{ident.serial}: onboarding information {how} from {result.url}"
              + (f" after {len(result.hops) - 1} redirect(s)" if len(result.hops) > 1 else ""))
        print(f"  OMA DM bootstrap: {len(result.message or b'')} bytes"
              + (f" -> {args.out}" if args.out else "") + (", valid" if not result.findings else ""))
        for f in result.findings:
            print(f"  {f}")
        for note in result.notes:
            print(f"note: {note}")
    return ExitCode.VALIDATION if result.findings else 0


def run_discover(args) -> int:
    if args.dhcp:
        from ..server.dhcp import decode

        try:
            kind, uris = decode(bytes.fromhex(args.dhcp.replace(" ", "")))
        except ValueError:
            raise UsageError("--dhcp must be hex") from None
        out = [{"url": u, "source": kind} for u in uris]
    else:
        from ..device.discover import discover

        out = [{"url": r.url, "priority": r.priority, "weight": r.weight, "target": r.target, "port": r.port}
               for r in discover(args.domain, args.nameserver, args.seed)]
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for n, r in enumerate(out, 1):
            extra = f"  (priority {r['priority']}, weight {r['weight']})" if "priority" in r else f"  ({r['source']})"
            print(f"{n}. {r['url']}{extra}")
    return 0


def run_fetch(args) -> int:
    from ..device.fetch import fetch_first

    from .cardopts import secret_option

    basic = secret_option(args, "basic")  # --basic-env: SERIAL:CODE, never on the command line itself
    if (args.cert is None) != (args.key is None):
        raise UsageError("--cert and --key go together")
    connect_to = None
    if args.scws:
        from ..device.fetch import SCWS_URLS

        urls = [SCWS_URLS[args.transport]]
        if args.scws_address:
            from ..device.discover import ip_and_port

            connect_to = ip_and_port(args.scws_address, 443 if args.transport == "tcpip" else 4116, "--scws-address")
        elif args.transport == "tcpip":
            connect_to = ("127.0.0.1", 443)  # localuicc: the UICC's interface, emulated on loopback
    elif args.url:
        urls = [args.url]
    else:
        from ..device.discover import discover

        urls = [r.url for r in discover(args.discover, args.nameserver)]
    got, tried = fetch_first(urls, ca=args.ca, cert=args.cert, key=args.key, basic=basic, connect_to=connect_to)
    if args.out:
        write_private(args.out, got.data, what="bootstrap message")
    added = None
    if args.state and not got.findings:
        from ..device.boot import apply_elsewhere, load_state, save_state

        state = load_state(args.state)
        added = apply_elsewhere(state, got.loaded.message, "scws" if args.scws else "https", url=got.url)
        save_state(args.state, state)
    info = {"status": "fetched" if not got.findings else "invalid", "url": got.url, "bytes": len(got.data),
            "content_type": got.content_type, "findings": [str(f) for f in got.findings], "tried": tried,
            "applied": added}
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for t in tried:
            print(f"skipped: {t}")
        print(f"{'fetched' if not got.findings else 'INVALID'}: {len(got.data)}-byte bootstrap from {got.url}"
              + (f" -> {args.out}" if args.out else "") + ("" if got.findings else ", valid"))
        for f in got.findings:
            print(f"  {f}")
        for path in added or []:
            print(f"  added    {path} ({args.state})")
    return ExitCode.VALIDATION if got.findings else 0

