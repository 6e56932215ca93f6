"""``cardboot dhcp encode|decode`` and ``cardboot dns srv``: discovery data for bootstrap servers."""

from __future__ import annotations

import json
from .commands import TOP_HELP


def add_parsers(sub) -> None:
    d = sub.add_parser("dhcp", help=TOP_HELP["dhcp"])
    dsub = d.add_subparsers(dest="dhcp_command", metavar="ACTION")
    e = dsub.add_parser("encode", help="option bytes (hex) for bootstrap server URIs")
    fam = e.add_mutually_exclusive_group(required=True)
    fam.add_argument("--v4", action="store_true")
    fam.add_argument("--v6", action="store_true")
    e.add_argument("uris", nargs="+", metavar="URI", help="https://host[:port]")
    e.set_defaults(func=run_encode)
    dec = dsub.add_parser("decode", help="URIs from option bytes (hex; v4 instances concatenated)")
    dec.add_argument("hex")
    dec.add_argument("--json", action="store_true")
    dec.set_defaults(func=run_decode)
    d.set_defaults(func=lambda args: (d.print_help(), 2)[1])

    n = sub.add_parser("dns", help=TOP_HELP["dns"])
    nsub = n.add_subparsers(dest="dns_command", metavar="ACTION")
    s = nsub.add_parser("srv", help="the _omadm-bootstrap._tcp SRV record")
    s.add_argument("domain")
    s.add_argument("host")
    s.add_argument("port", type=int, nargs="?", default=443)
    s.set_defaults(func=run_srv)
    n.set_defaults(func=lambda args: (n.print_help(), 2)[1])


def run_encode(args) -> int:
    from ..server.dhcp import encode_v4, encode_v6

    print((encode_v4 if args.v4 else encode_v6)(args.uris).hex().upper())
    return 0


def run_decode(args) -> int:
    from ..errors import UsageError
    from ..server.dhcp import decode

    try:
        data = bytes.fromhex(args.hex.replace(" ", "").replace(":", ""))
    except ValueError:
        raise UsageError("option bytes must be hex") from None
    family, uris = decode(data)
    if args.json:
        print(json.dumps({"family": family, "uris": uris}))
    else:
        print(f"{family}: " + " ".join(uris))
    return 0


def run_srv(args) -> int:
    from ..server.dns import srv_record

    print(srv_record(args.domain, args.host, args.port))
    return 0
