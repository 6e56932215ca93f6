"""``cardboot lwm2m build | decode | validate``: the LwM2M bootstrap information of OMA LwM2M Core Appendix G
as a file (the card side is ``write --lwm2m``, ``read --lwm2m``, ``verify --lwm2m``, ``erase --lwm2m``)."""

from __future__ import annotations

import json

from ..errors import ExitCode
from ..outfile import write_private
from .commands import TOP_HELP

MAX_FILE = 1 << 16


def add_parser(sub) -> None:
    p = sub.add_parser("lwm2m", help=TOP_HELP["lwm2m"])
    lsub = p.add_subparsers(dest="lwm2m_command", required=True)
    b = lsub.add_parser("build", help="an LwM2M bootstrap from a template and its variables, checked")
    b.add_argument("--template", default="lwm2m-bootstrap", help="built-in name or TOML path")
    b.add_argument("--vars", required=True, help="TOML file with the template's variables")
    b.add_argument("--out", required=True, help="the EF content (0600)")
    b.set_defaults(func=run_build)
    d = lsub.add_parser("decode", help="the objects, resources and first contact of an LwM2M bootstrap file")
    d.add_argument("file")
    d.add_argument("--show-secrets", action="store_true", help="show the secret keys")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=run_decode)
    v = lsub.add_parser("validate", help="the LwM2M rules, one line per broken rule with its clause")
    v.add_argument("file")
    v.add_argument("--max-size", type=int, metavar="N", help="the EF's size")
    v.set_defaults(func=run_validate)


def read_lwm2m_file(path: str) -> bytes:
    """An LwM2M bootstrap file's bytes, bounded (an EF's content is at most 64 KiB + its header)."""
    from ..infile import read_bounded

    return read_bounded(path, what="LwM2M bootstrap", limit=MAX_FILE)


def _load(path: str):
    from ..lwm2m.bootstrap import decode_ef

    data = read_lwm2m_file(path)
    return data, decode_ef(data, path)


def run_build(args) -> int:
    from ..lwm2m.bootstrap import encode_ef
    from ..lwm2m.template import load
    from ..lwm2m.validate import refuse_if_invalid

    boot = refuse_if_invalid(load(args.template, args.vars), "refusing to build an invalid LwM2M bootstrap")
    data = encode_ef(boot)
    write_private(args.out, data, what="LwM2M bootstrap")
    print(f"LwM2M bootstrap: {len(boot.objects)} object(s), "
          f"{sum(len(o.instances) for o in boot.objects)} instance(s), {len(data)} bytes -> {args.out}")
    return 0


def as_json(boot, show_secrets: bool) -> dict:
    from ..lwm2m.bootstrap import first_contact, shown

    return {"objects": [{"object": o.object_id, "version": list(o.version) if o.version else None,
                         "instances": [{"instance": i.ident, "resources": {
                             str(r): ({str(k): shown(o.object_id, r, x, show_secrets) for k, x in v.items()}
                                      if isinstance(v, dict) else shown(o.object_id, r, v, show_secrets))
                             for r, v in sorted(i.values.items())}} for i in o.instances]} for o in boot.objects],
            "first_contact": first_contact(boot)}


def run_decode(args) -> int:
    from ..lwm2m.bootstrap import describe

    _data, boot = _load(args.file)
    if args.json:
        print(json.dumps(as_json(boot, args.show_secrets), indent=2))
    else:
        print(describe(boot, args.show_secrets))
    return 0


def run_validate(args) -> int:
    from ..lwm2m.validate import validate

    data, boot = _load(args.file)
    findings = validate(boot, args.max_size, data)
    for f in findings:
        print(f)
    if not findings:
        print(f"ok: {len(data)} bytes, {len(boot.objects)} object(s)")
    return ExitCode.VALIDATION if findings else 0
