"""``cardboot message``: build, decode, validate and diff bootstrap messages (OMA DM Bootstrap 5.5)."""

from __future__ import annotations

import sys

from ..bootstrap.builder import CARRIERS
from ..bootstrap.io import load_message_file
from ..bootstrap.syncml import expand_embedded_tnds, message_to_element
from ..bootstrap.validate import validate_message
from ..bootstrap.view import diff, mask_secrets
from ..errors import ExitCode, MessageError
from ..wbxml.codec import VERSIONS as codec_versions
from ..wbxml.xml import to_xml_bytes
from ..outfile import write_private
from ..provision.prepare import from_template
from .commands import TOP_HELP

VERSIONS = {text: number for number, text in codec_versions.items()}  # "1.2" -> 0x02


def add_parser(sub) -> None:
    p = sub.add_parser("message", help=TOP_HELP["message"])
    msub = p.add_subparsers(dest="message_command", metavar="ACTION")

    b = msub.add_parser("build", help="fill a template with per-card values and encode the message")
    b.add_argument("--template", default="dm-bootstrap", help="built-in name or TOML path (default dm-bootstrap)")
    b.add_argument("--vars", required=True, help="TOML file with the template's variables")
    b.add_argument("--out", required=True, help="output file (- for stdout)")
    b.add_argument("--carrier", choices=CARRIERS, default="tnds-wbxml", help="how the MOs travel (default tnds-wbxml)")
    b.add_argument("--wbxml-version", choices=sorted(VERSIONS), default="1.2")
    b.add_argument("--string-table", action="store_true", help="put repeated strings in the WBXML string table")
    b.add_argument("--inline-data", action="store_true", help="write Data content as inline strings, not OPAQUE")
    b.add_argument("--xml", action="store_true", help="write XML instead of WBXML")
    b.add_argument("--max-size", type=int, help="fail when the WBXML exceeds this many bytes (the EF size)")
    b.set_defaults(func=run_build)

    d = msub.add_parser("decode", help="WBXML (or XML) to indented XML, embedded TNDS expanded")
    d.add_argument("file")
    d.add_argument("--show-secrets", action="store_true", help="show AAuthSecret values instead of ****")
    d.set_defaults(func=run_decode)

    v = msub.add_parser("validate", help="check a message against the bootstrap rules")
    v.add_argument("file")
    v.add_argument("--max-size", type=int, help="size of the target EF in bytes")
    v.set_defaults(func=run_validate)

    c = msub.add_parser("convert", help="Client Provisioning <-> bootstrap message (OMA DM Bootstrap 5.4)")
    way = c.add_mutually_exclusive_group(required=True)
    way.add_argument("--from", dest="from_format", choices=["cp"], help="input is a CP document (WBXML or XML)")
    way.add_argument("--to", dest="to_format", choices=["cp"], help="output a CP document (w7, NAPDEF, PXLOGICAL)")
    c.add_argument("file", help="the CP document (--from cp) or the bootstrap message (--to cp)")
    c.add_argument("--out", required=True, help="output file (- for stdout)")
    c.add_argument("--carrier", choices=CARRIERS, default="tnds-wbxml", help="--from cp: how the MOs travel")
    c.add_argument("--target", default="IMEI:000000000000000",
                   help="--from cp: the device id for the message header (a CP document has none)")
    c.add_argument("--wbxml-version", choices=sorted(VERSIONS), default="1.2")
    c.add_argument("--xml", action="store_true", help="write XML instead of WBXML")
    c.set_defaults(func=run_convert)

    a = msub.add_parser("apply", help="process a bootstrap into a management tree as a DM client does (5.5.5)")
    a.add_argument("file")
    a.add_argument("--tree", help="the device's tree before (JSON; default: empty)")
    a.add_argument("--out", help="write the resulting tree here (JSON, 0600)")
    a.add_argument("--json", action="store_true", help="print the tree, notes and servers as JSON")
    a.add_argument("--show-secrets", action="store_true")
    a.set_defaults(func=run_apply)

    f = msub.add_parser("diff", help="semantic difference of two messages (any carrier, WBXML or XML)")
    f.add_argument("a")
    f.add_argument("b")
    f.set_defaults(func=run_diff)
    p.set_defaults(func=lambda args: (p.print_help(), ExitCode.USAGE)[1])


def _write(path: str, data: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_private(path, data, what="message")


def run_build(args) -> int:
    version = VERSIONS[args.wbxml_version]
    prepared = from_template(args.template, args.vars, carrier=args.carrier, wbxml_version=version,
                             string_table=args.string_table, opaque_data=not args.inline_data,
                             max_size=args.max_size)
    msg, wbxml = prepared.message, prepared.wbxml
    if prepared.findings:
        for f in prepared.findings:
            print(f"cardboot: {f}", file=sys.stderr)
        return ExitCode.VALIDATION
    if args.xml:
        data = to_xml_bytes(message_to_element(msg, wbxml_version=version))
    else:
        data = wbxml
    _write(args.out, data)
    print(f"{args.carrier} message, WBXML {args.wbxml_version}: {len(wbxml)} bytes"
          + (f" -> {args.out}" if args.out != "-" else ""), file=sys.stderr)
    return 0


def _read_input(path: str) -> bytes:
    from ..bootstrap.io import MAX_MESSAGE_FILE
    from ..infile import read_bounded

    return read_bounded(path, what="message", limit=MAX_MESSAGE_FILE)


def run_decode(args) -> int:
    from ..cp.wbxml import load_cp

    data = _read_input(args.file)
    cp = load_cp(data, args.file)
    if cp is not None:
        from ..cp.document import to_xml

        sys.stdout.buffer.write(to_xml(cp, args.show_secrets))
        return 0
    from ..bootstrap.io import load_message_bytes

    loaded = load_message_bytes(data, args.file)
    root = expand_embedded_tnds(loaded.root, xml_text=True)
    if not args.show_secrets:
        root = mask_secrets(root)
    sys.stdout.buffer.write(to_xml_bytes(root))
    return 0


def run_validate(args) -> int:
    loaded = load_message_file(args.file)
    findings = validate_message(loaded.message, encoded=loaded.wbxml, max_size=args.max_size)
    for f in findings:
        print(f)
    if findings:
        return ExitCode.VALIDATION
    form = f"WBXML {codec_versions[loaded.version]}, {len(loaded.wbxml)} bytes" if loaded.wbxml else "XML"
    print(f"ok: {form}, {len(loaded.message.commands)} command(s)")
    return 0


def run_diff(args) -> int:
    a, b = load_message_file(args.a), load_message_file(args.b)
    lines = diff(a.message, b.message)
    for line in lines:
        print(line)
    if not lines:
        print("same content")
    return 1 if lines else 0



def run_convert(args) -> int:
    from ..cp import document, wbxml as cpwbxml
    from ..cp.mapping import bootstrap_to_cp, cp_to_bootstrap
    from ..provision.prepare import from_bootstrap

    data = _read_input(args.file)
    version = VERSIONS[args.wbxml_version]
    if args.from_format == "cp":
        doc = cpwbxml.load_cp(data, args.file)
        if doc is None:
            raise MessageError(f"{args.file}: not a Client Provisioning document (WBXML public id 0x0B or XML "
                               "wap-provisioningdoc)")
        converted = cp_to_bootstrap(doc, target=args.target)
        prepared = from_bootstrap(converted.bootstrap, carrier=args.carrier, wbxml_version=version)
        prepared.refuse_if_invalid("the converted message is not a valid bootstrap")
        out = to_xml_bytes(message_to_element(prepared.message, wbxml_version=version)) if args.xml else prepared.wbxml
        _write(args.out, out)
        for note in converted.notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"w7 -> DMAcc, {len(converted.bootstrap.objects) - 1} connectivity object(s), {args.carrier}: "
              f"{len(prepared.wbxml)} bytes, valid" + (f" -> {args.out}" if args.out != "-" else ""), file=sys.stderr)
        return 0
    from ..bootstrap.io import load_message_bytes
    from ..bootstrap.validate import message_objects

    loaded = load_message_bytes(data, args.file)
    objects = [(loc, node) for loc, node, _tree in message_objects(loaded.message)]
    doc = bootstrap_to_cp(objects)
    out = document.to_xml(doc) if args.xml else cpwbxml.encode(doc, version=max(version, 0x01))
    _write(args.out, out)
    print(f"DMAcc -> w7, {len(doc.characteristics) - 1} connectivity characteristic(s): {len(out)} bytes"
          + (f" -> {args.out}" if args.out != "-" else ""), file=sys.stderr)
    return 0


def run_apply(args) -> int:
    import json

    from ..bootstrap.io import load_message_bytes
    from ..device.apply import apply_message, describe
    from ..device.tree import dumps, load_tree, new_tree, to_json

    loaded = load_message_bytes(_read_input(args.file), args.file)
    tree = load_tree(args.tree) if args.tree else new_tree()
    applied = apply_message(loaded.message, tree)
    if args.out:
        write_private(args.out, dumps(applied.tree), what="management tree")
    if args.json:
        print(json.dumps({"tree": to_json(applied.tree, args.show_secrets), "added": applied.added,
                          "notes": applied.notes, "servers": applied.servers}, indent=2))
        return 0
    print(describe(applied, args.show_secrets))
    return 0
