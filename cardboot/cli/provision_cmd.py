"""``cardboot readers | read | write | verify | erase``: the bench's daily job on one card."""

from __future__ import annotations

import json
import sys

from ..bootstrap.io import load_message_file
from ..bootstrap.syncml import expand_embedded_tnds
from ..bootstrap.view import mask_secrets
from ..card.path import path_str
from ..errors import ExitCode, MessageError
from ..outfile import write_private
from ..provision.prepare import prepare_message
from ..provision.read import read_object, read_stored
from ..provision.verify import verify_stored
from ..provision.write import erase_stored, write_stored
from ..wbxml.xml import to_xml_bytes
from .cardopts import add_card_options, add_secret_options, open_card, secrets_from
from .message_cmd import VERSIONS
from .commands import TOP_HELP


def add_parsers(sub) -> None:
    r = sub.add_parser("readers", help=TOP_HELP["readers"])
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=run_readers)

    rd = sub.add_parser("read", help=TOP_HELP["read"])
    add_card_options(rd)
    add_secret_options(rd)
    rd.add_argument("--out", help="write the message here (default: print it decoded)")
    rd.add_argument("--format", choices=["wbxml", "xml"], default=None, help="wbxml (default with --out) or xml")
    rd.add_argument("--show-secrets", action="store_true",
                    help="show AAuthSecret values in XML output (and a private --object's bytes)")
    rd.add_argument("--apply", action="store_true",
                    help="show the management tree a DM client makes of the message (5.5.5) and the servers it contacts")
    rd.add_argument("--object", metavar="LABEL|OID",
                    help="read any data object the DODF lists (raw bytes; hex on stdout, or --out)")
    rd.add_argument("--lwm2m", action="store_true",
                    help="the LwM2M bootstrap (LwM2M Core Appendix G), decoded (or its bytes with --out)")
    rd.set_defaults(func=run_read)

    w = sub.add_parser("write", help=TOP_HELP["write"])
    add_card_options(w)
    add_secret_options(w)
    src = w.add_mutually_exclusive_group(required=True)
    src.add_argument("--message", help="a message file (WBXML or XML)")
    src.add_argument("--template", help="a bootstrap template (built-in name or TOML path); needs --vars")
    src.add_argument("--lwm2m", metavar="FILE", help="an LwM2M bootstrap file (`cardboot lwm2m build`) into the "
                                                     "LwM2M object's EF")
    w.add_argument("--vars", help="TOML file with the template's variables")
    w.add_argument("--carrier", choices=["plain", "tnds-xml", "tnds-wbxml"], default="tnds-wbxml")
    w.add_argument("--wbxml-version", choices=sorted(VERSIONS), default="1.2")
    w.add_argument("--pad-all", action="store_true", help="write FF through the whole EF, not only over the old message")
    w.set_defaults(func=run_write)

    v = sub.add_parser("verify", help=TOP_HELP["verify"])
    add_card_options(v)
    add_secret_options(v)
    vsrc = v.add_mutually_exclusive_group(required=True)
    vsrc.add_argument("--message")
    vsrc.add_argument("--lwm2m", metavar="FILE", help="compare the LwM2M object with this file")
    v.set_defaults(func=run_verify)

    e = sub.add_parser("erase", help=TOP_HELP["erase"])
    add_card_options(e)
    add_secret_options(e)
    e.add_argument("--lwm2m", action="store_true", help="erase the LwM2M object's EF instead")
    e.set_defaults(func=run_erase)


def _emit(args, payload: dict, text: str) -> None:
    print(json.dumps(payload, indent=2) if getattr(args, "json", False) else text)


def run_readers(args) -> int:
    from ..transport.pcsc import reader_states

    out = [{"reader": name, "card": present, "atr": atr.hex().upper() if atr else None}
           for name, present, atr in reader_states()]
    if args.json:
        print(json.dumps(out, indent=2))
    elif not out:
        print("no PC/SC readers")
    else:
        for i, r in enumerate(out):
            print(f"{i}: {r['reader']:<32} {'card ' + r['atr'] if r['card'] else 'no card'}")
    return 0


def _message_from_args(args) -> bytes:
    prepared = prepare_message(message_file=args.message, template=args.template, variables=args.vars,
                               carrier=args.carrier, wbxml_version=VERSIONS[args.wbxml_version])
    return prepared.refuse_if_invalid().wbxml


def run_write(args) -> int:
    if args.lwm2m:
        from ..provision.lwm2m import write_lwm2m

        from .lwm2m_cmd import read_lwm2m_file

        content = read_lwm2m_file(args.lwm2m)
        with open_card(args) as ctx:
            result = write_lwm2m(ctx.card, content, secrets_from(args), pad_all=args.pad_all)
        loc = result.location
        _emit(args, {"status": "verified", "object": "lwm2m", "path": path_str(loc.path), "bytes": result.written,
                     "capacity": loc.size, "padded_bytes": result.padded, "apdus": result.apdus, "card": ctx.source},
              f"verified: {result.written}-byte LwM2M bootstrap in {path_str(loc.path)} ({loc.size}-byte EF, "
              f"{result.padded} bytes cleared to FF) on {ctx.source}, {result.apdus} APDUs")
        return 0
    message = _message_from_args(args)
    with open_card(args) as ctx:
        result = write_stored(ctx.card, message, secrets_from(args), pad_all=args.pad_all)
    loc = result.location
    payload = {"status": "verified", "path": path_str(loc.path), "message_bytes": result.written,
               "capacity": loc.size, "padded_bytes": result.padded, "previous_bytes": result.previous,
               "apdus": result.apdus, "card": ctx.source}
    _emit(args, payload, f"verified: {result.written}-byte message in {path_str(loc.path)} "
                         f"({loc.size}-byte EF, {result.padded} bytes cleared to FF) on {ctx.source}, "
                         f"{result.apdus} APDUs")
    return 0


def run_read_object(args) -> int:
    with open_card(args) as ctx:
        obj = read_object(ctx.card, args.object, secrets_from(args))
    loc, d = obj.location, obj.location.data_object
    hidden = (d.needs_pin or d.carries_secrets) and not args.show_secrets
    info = {"status": "read", "object": d.title, "oid": d.oid or d.application_oid, "known_as": d.known_as,
            "path": path_str(loc.path), "bytes": len(obj.data)}
    if args.out:
        write_private(args.out, obj.data, what="object")
        _emit(args, {**info, "out": args.out}, f"read {len(obj.data)} bytes of {d.title!r} ({path_str(loc.path)}) "
                                                f"-> {args.out}")
    else:
        shown = "****" if hidden else obj.data.hex().upper()
        _emit(args, {**info, "data": shown}, shown if not hidden else
              f"{d.title!r} is {'private' if d.needs_pin else 'a holder of secrets'}: its {len(obj.data)} bytes "
              "are shown with --show-secrets or written with --out")
    return 0


def run_read_lwm2m(args) -> int:
    from .lwm2m_cmd import as_json
    from ..lwm2m.bootstrap import describe
    from ..provision.lwm2m import read_lwm2m

    with open_card(args) as ctx:
        stored = read_lwm2m(ctx.card, secrets_from(args))
    if stored.empty:
        _emit(args, {"status": "empty"}, f"empty: the LwM2M EF {path_str(stored.location.path)} is all FF")
        return 0
    if args.out:
        write_private(args.out, stored.data, what="LwM2M bootstrap")
        _emit(args, {"status": "read", "bytes": len(stored.data), "out": args.out},
              f"read {len(stored.data)}-byte LwM2M bootstrap -> {args.out}")
    elif args.json:
        print(json.dumps({"status": "read", "bytes": len(stored.data), **as_json(stored.boot, args.show_secrets),
                          "findings": [str(f) for f in stored.findings]}, indent=2))
    else:
        print(describe(stored.boot, args.show_secrets))
    for f in stored.findings:
        print(f"warning: {f}", file=sys.stderr)
    return 0


def run_read(args) -> int:
    if args.lwm2m:
        return run_read_lwm2m(args)
    if args.object:
        return run_read_object(args)
    with open_card(args) as ctx:
        stored = read_stored(ctx.card, secrets_from(args))
    if stored.empty:
        _emit(args, {"status": "empty"}, "empty: EF DM_Bootstrap is all FF (D.4.3)")
        return 0
    fmt = args.format or ("wbxml" if args.out else "xml")
    if stored.loaded is None:
        raise MessageError(f"the stored content is not a bootstrap message: {stored.error}")
    if args.apply:
        from ..device.apply import apply_message, describe
        from ..device.tree import new_tree

        print(describe(apply_message(stored.loaded.message, new_tree()), args.show_secrets))
        return 0
    if fmt == "wbxml":
        data = stored.data
    else:
        root = expand_embedded_tnds(stored.loaded.root, xml_text=True)
        data = to_xml_bytes(root if args.show_secrets else mask_secrets(root))
    if args.out:
        write_private(args.out, data, what="message")
        _emit(args, {"status": "read", "bytes": len(stored.data), "out": args.out, "format": fmt,
                     "findings": [str(f) for f in stored.findings]},
              f"read {len(stored.data)}-byte message ({stored.read_bytes} bytes of the EF read) -> {args.out}")
    elif args.json:
        print(json.dumps({"status": "read", "bytes": len(stored.data), "format": fmt,
                          "message": data.decode("utf-8") if fmt == "xml" else data.hex().upper()}, indent=2))
    else:
        sys.stdout.buffer.write(data)
    for f in stored.findings:
        print(f"warning: {f}", file=sys.stderr)
    return 0


def run_verify(args) -> int:
    if args.lwm2m:
        from ..provision.lwm2m import verify_lwm2m

        from .lwm2m_cmd import read_lwm2m_file

        expected_lw = read_lwm2m_file(args.lwm2m)
        with open_card(args) as ctx:
            stored = verify_lwm2m(ctx.card, expected_lw, secrets_from(args))
        _emit(args, {"bytes_equal": True, "leftover_at": None},
              f"verified: the card holds the same {len(stored.data)}-byte LwM2M bootstrap")
        return 0
    expected = load_message_file(args.message)
    with open_card(args) as ctx:
        result = verify_stored(ctx.card, expected, secrets_from(args))
    payload = {"bytes_equal": result.bytes_equal, "semantic_equal": result.semantic_equal,
               "differences": result.differences, "leftover_at": result.leftover_at}
    if result.leftover_at is not None:
        _emit(args, payload, f"old content remains after the message: byte {result.leftover_at} of "
                             f"{result.path} is not FF (D.4.3); write again to clear it")
        return ExitCode.MISMATCH
    if result.bytes_equal:
        _emit(args, payload, f"verified: the card holds the same {result.expected_bytes} bytes")
        return 0
    changes = result.differences
    text = "\n".join([f"bytes differ ({result.stored_bytes} on the card, {result.expected_bytes} in the file); "
                      + ("same content" if not changes else f"{len(changes)} semantic difference(s):")] + changes)
    _emit(args, payload, text)
    return 0 if not changes else ExitCode.MISMATCH


def run_erase(args) -> int:
    with open_card(args) as ctx:
        if args.lwm2m:
            from ..provision.lwm2m import erase_lwm2m

            result = erase_lwm2m(ctx.card, secrets_from(args))
        else:
            result = erase_stored(ctx.card, secrets_from(args))
    _emit(args, {"status": "erased", "path": path_str(result.location.path), "bytes": result.padded,
                 "apdus": result.apdus}, f"erased: {path_str(result.location.path)} is all FF ({result.padded} bytes), "
                                         f"verified, {result.apdus} APDUs")
    return 0

