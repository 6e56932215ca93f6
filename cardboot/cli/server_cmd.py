"""``cardboot server``: the network bootstrap server (OMA DM Bootstrap 5.5.7, RFC 8572) and its admin."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..errors import CardbootError, UsageError
from ..infile import read_bounded
from .commands import TOP_HELP


def _serial(value: str) -> str:
    """argparse type: a device serial (:func:`cardboot.server.serials.check_serial`)."""
    from ..server.serials import check_serial

    try:
        return check_serial(value)
    except CardbootError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_parser(sub) -> None:
    p = sub.add_parser("server", help=TOP_HELP["server"])
    ssub = p.add_subparsers(dest="server_command", metavar="ACTION")

    r = ssub.add_parser("run", help="serve over HTTPS (plain HTTP only with --insecure)")
    r.add_argument("--db", default="sqlite:///cardboot-server.sqlite", help="device store URL (SQLite or PostgreSQL)")
    r.add_argument("--cert", help="server certificate (PEM)")
    r.add_argument("--key", help="server key (PEM)")
    r.add_argument("--client-ca", help="CA that issues device certificates (enables client certificate identity)")
    r.add_argument("--owner-cert", help="owner certificate: conveyed information is signed with it")
    r.add_argument("--owner-key")
    r.add_argument("--voucher-signer-cert", help="manufacturer's voucher signer (ownership vouchers)")
    r.add_argument("--voucher-signer-key")
    r.add_argument("--pinned-ca", help="the owner's CA that vouchers pin (default: --client-ca)")
    masa = r.add_mutually_exclusive_group()
    masa.add_argument("--voucher-command", metavar="CMD", help="get each voucher from this command (a MASA hook): "
                      "CB_VOUCHER_SERIAL, CB_VOUCHER_NONCE, CB_VOUCHER_PINNED_CERT in, the voucher CMS out")
    masa.add_argument("--voucher-url", metavar="URL", help="get each voucher by an HTTPS POST to this MASA")
    r.add_argument("--voucher-url-ca", metavar="CA", help="the CA the --voucher-url server's TLS chains to")
    r.add_argument("--voucher-timeout", type=float, metavar="S", help="how long a voucher may take (default 5 s)")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, default=8443)
    r.add_argument("--insecure", action="store_true", help="plain HTTP, for local tests only")
    r.add_argument("--max-connections-per-client", type=int, default=None, metavar="N",
                   help="connections one client address may hold, counted from accept (default 32; the next is "
                   "closed before its TLS handshake)")
    r.add_argument("--handshake-timeout", type=float, default=None, metavar="S",
                   help="seconds a new connection has to finish its TLS handshake (default 10)")
    r.add_argument("--header-timeout", type=float, default=None, metavar="S",
                   help="seconds a connection has to deliver complete request headers (default 5)")
    r.add_argument("--cache-seconds", type=float, default=None, metavar="S",
                   help="how long a worker answers from a device record it read (default 1; a change made "
                   "with add-device/remove-device reaches every worker within it; 0: ask the store each time)")
    r.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes sharing the port and the store (SQLite in WAL mode on one box, "
                   "PostgreSQL across hosts); SIGHUP restarts them gracefully")
    r.set_defaults(func=run_server)

    i = ssub.add_parser("init-pki", help="a development PKI: CA, server, owner, voucher signer, device certificates")
    i.add_argument("dir")
    i.add_argument("--device", action="append", default=[], metavar="SERIAL", type=_serial)
    i.add_argument("--server-name", action="append", metavar="NAME", help="DNS name or IP of the server")
    i.add_argument("--key-type", choices=["ecdsa", "rsa"], default="ecdsa",
                   help="ECDSA P-256 (default: the cheaper handshake) or RSA 2048, for every key")
    i.set_defaults(func=run_init_pki)

    a = ssub.add_parser("add-device", help="register a device and the bootstrap it gets")
    a.add_argument("--db", default="sqlite:///cardboot-server.sqlite")
    a.add_argument("--serial", required=True, type=_serial)
    a.add_argument("--activation-code-env", metavar="VAR", help="environment variable with its activation code "
                   "(HTTP Basic); without it the device must use a client certificate")
    a.add_argument("--template", help="bootstrap template (with --vars)")
    a.add_argument("--vars")
    a.add_argument("--message", help="a bootstrap message file instead of a template")
    a.add_argument("--redirect", action="append", default=[], metavar="URI", help="https://host[:port] of another bootstrap server")
    a.add_argument("--redirect-trust-anchor", action="append", default=[], metavar="PEM",
                   help="the CA certificate(s) the device checks that server's TLS against (RFC 8572 2.1); the "
                        "Nth belongs to the Nth --redirect")
    a.set_defaults(func=run_add)

    for name, helptext in (("list-devices", "registered devices"), ("reports", "progress reports")):
        s = ssub.add_parser(name, help=helptext)
        s.add_argument("--db", default="sqlite:///cardboot-server.sqlite")
        if name == "reports":
            s.add_argument("--device")
        s.set_defaults(func=run_list if name == "list-devices" else run_reports)
    pu = ssub.add_parser("push", help="push a device's bootstrap by SMS (WAP Push with SEC/MAC) through an SMSC")
    pu.add_argument("--db", default="sqlite:///cardboot-server.sqlite")
    pu.add_argument("--serial", required=True, type=_serial)
    pu.add_argument("--to", required=True, metavar="MSISDN", help="the device's number (+country...)")
    pu.add_argument("--imsi", help="the device's IMSI (NETWPIN / USERNETWPIN)")
    pu.add_argument("--imsi-ascii", action="store_true")
    pu.add_argument("--pin-env", metavar="VAR", help="environment variable with the user PIN")
    pu.add_argument("--sec", help="NETWPIN, USERPIN, USERNETWPIN or USERPINMAC (default from what is given)")
    how = pu.add_mutually_exclusive_group(required=True)
    how.add_argument("--smsc-url-env", metavar="VAR", help="environment variable with the SMSC URL template "
                     "(placeholders {to} {udh} {data} {udh_hex} {data_hex} {tpdu_hex} {seq} {total})")
    how.add_argument("--smsc-command", metavar="CMD", help="run once per SMS: CB_SMS_* variables, TPDU hex on stdin")
    how.add_argument("--out", metavar="DIR", help="only write the SMS-SUBMIT TPDUs (hex) to DIR/submit.hex")
    pu.add_argument("--json", action="store_true")
    pu.set_defaults(func=run_push)

    rm = ssub.add_parser("remove-device")
    rm.add_argument("--db", default="sqlite:///cardboot-server.sqlite")
    rm.add_argument("--serial", required=True, type=_serial)
    rm.set_defaults(func=run_remove)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _read(path: str | None) -> bytes | None:
    """A PEM certificate or key file, bounded."""
    return None if path is None else read_bounded(path, what="PEM file", limit=1 << 20)


def run_server(args) -> int:
    import uvicorn

    from ..server.run import SETTINGS_ENV, ServerSettings, build_app, make_config

    if args.owner_cert and not (args.voucher_signer_cert or args.voucher_command or args.voucher_url):
        raise UsageError("signed conveyed information needs a voucher signer: --voucher-signer-cert/--voucher-signer-key, "
                         "--voucher-command or --voucher-url")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    settings = ServerSettings(args.db, args.owner_cert, args.owner_key, args.voucher_signer_cert,
                              args.voucher_signer_key, args.pinned_ca or args.client_ca,
                              args.max_connections_per_client, args.header_timeout, args.cache_seconds,
                              args.handshake_timeout, args.voucher_command, args.voucher_url, args.voucher_url_ca,
                              args.voucher_timeout)
    app = build_app(settings)  # in this process too: bad files and stores are reported before serving
    if args.workers > 1:
        os.environ[SETTINGS_ENV] = json.dumps(settings.__dict__)  # paths and bounds only, no key material
        app = "cardboot.server.run:app_factory"
    config = make_config(app, host=args.host, port=args.port, cert=args.cert, key=args.key, client_ca=args.client_ca,
                         insecure=args.insecure, max_per_client=args.max_connections_per_client,
                         header_timeout=args.header_timeout, handshake_timeout=args.handshake_timeout,
                         workers=args.workers)
    scheme = "http" if args.insecure else "https"
    _more_descriptors()
    sockets = [config.bind_socket()]  # listen.py serves a socket bound beforehand, in every mode
    # said once the socket listens: a client connecting from now on waits in the backlog, never refused
    print(f"cardboot bootstrap server on {scheme}://{args.host}:{args.port}"
          + (f", {args.workers} workers" if args.workers > 1 else ""), file=sys.stderr, flush=True)
    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        import inspect

        if "target" in inspect.signature(Multiprocess).parameters:  # older uvicorn took the worker target
            Multiprocess(config, target=uvicorn.Server(config).run, sockets=sockets).run()
        else:
            Multiprocess(config, sockets=sockets).run()
    else:
        uvicorn.Server(config).run(sockets=sockets)
    return 0


def _more_descriptors() -> None:
    """Raise the soft limit on open files to the hard one (at most 65,536): each connection costs one, and
    Debian's default soft limit of 1,024 is what a flood of connections exhausts first."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass  # a container may refuse; the per-address cap still holds


def run_init_pki(args) -> int:
    from ..server.pki import init_pki

    files = init_pki(args.dir, args.device, tuple(args.server_name or ("localhost", "127.0.0.1")), args.key_type)
    for name, path in files.items():
        print(f"{name:<24} {path}")
    return 0


def run_add(args) -> int:
    from ..provision.prepare import prepare_message
    from ..server.dhcp import check_uri
    from ..server.store import DeviceStore

    code = None
    if args.activation_code_env:
        code = os.environ.get(args.activation_code_env)
        if code is None:
            raise UsageError(f"environment variable {args.activation_code_env} is not set")
        if not code:
            raise UsageError(f"environment variable {args.activation_code_env} is empty")
    message = None
    if args.message or args.template:
        prepared = prepare_message(message_file=args.message, template=args.template, variables=args.vars)
        message = prepared.refuse_if_invalid(f"refusing to store an invalid message for {args.serial}").wbxml
    redirects = [check_uri(u) for u in args.redirect]
    if len(args.redirect_trust_anchor) > len(redirects):
        raise UsageError(f"{len(args.redirect_trust_anchor)} --redirect-trust-anchor for {len(redirects)} --redirect")
    anchors = [_trust_anchor(path) for path in args.redirect_trust_anchor]
    DeviceStore(args.db).add(args.serial, code, message, redirects, anchors)
    print(f"device {args.serial}: {len(message or b'')}-byte bootstrap, {len(redirects)} redirect(s), "
          f"{'Basic + certificate' if code else 'client certificate only'}")
    return 0


def _trust_anchor(path: str) -> bytes:
    """A PEM file of CA certificates as the certs-only CMS a redirect's trust-anchor is (RFC 8572 6.1)."""
    from cryptography import x509

    from ..infile import read_bounded
    from ..server.cms import certificate_bag

    data = read_bounded(path, what="trust anchor", limit=1 << 20)
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise UsageError(f"{path}: no PEM certificate") from None
    from cryptography.hazmat.primitives import serialization

    return certificate_bag([c.public_bytes(serialization.Encoding.PEM) for c in certs])


def run_list(args) -> int:
    from ..server.store import DeviceStore

    print(json.dumps(DeviceStore(args.db).list(), indent=2))
    return 0


def run_reports(args) -> int:
    from ..server.store import DeviceStore

    print(json.dumps(DeviceStore(args.db).reports(args.device), indent=2))
    return 0


def run_remove(args) -> int:
    from ..server.store import DeviceStore

    if not DeviceStore(args.db).remove(args.serial):
        raise UsageError(f"no device {args.serial}")
    print(f"device {args.serial} removed")
    return 0


def run_push(args) -> int:
    from pathlib import Path

    from ..outfile import write_private
    from ..push import sec as secm
    from ..server.push import build_device_push, send_device_push
    from ..server.store import DeviceStore
    from .cardopts import secret_option

    store = DeviceStore(args.db)
    push = build_device_push(store, args.serial, args.to, sec=args.sec, imsi=args.imsi,
                             pin=secret_option(args, "pin"), imsi_ascii=args.imsi_ascii)
    built, messages = push.built, push.messages
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_private(Path(args.out) / "submit.hex", "".join(m.tpdu.hex().upper() + "\n" for m in messages),
                      what="SMS TPDUs")
        how = f"written to {Path(args.out) / 'submit.hex'}"
    else:
        template = None
        if args.smsc_url_env:
            template = os.environ.get(args.smsc_url_env)
            if not template:
                raise UsageError(f"environment variable {args.smsc_url_env} is not set")
        how = send_device_push(store, push, url_template=template, command=args.smsc_command)
    info = {"status": "pushed" if not args.out else "built", "serial": args.serial, "sms": len(messages),
            "sec": secm.METHODS[push.method], "mac": built.mac}
    if built.mac_digits is not None:
        info["user_enters"] = f"the PIN, then {built.mac_digits}"
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(f"{args.serial}: {push.message_bytes}-byte bootstrap in {len(messages)} SMS to {args.to}, "
              f"{secm.METHODS[push.method]}, {how}")
        if built.mac_digits is not None:
            print(f"the user enters the PIN followed by {built.mac_digits}")
    return 0
