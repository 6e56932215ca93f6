"""``cardboot vsim``: serve virtual cards to pcscd through vpcd, list the built-in layouts, make a layout
(a virtual twin) from a real card's pySim-shell export."""

from __future__ import annotations

from vsim.serve import add_arguments as add_serve_arguments
from vsim.serve import add_scws_arguments

from ..errors import UsageError
from .commands import TOP_HELP


def add_parser(sub) -> None:
    p = sub.add_parser("vsim", help=TOP_HELP["vsim"])
    vsub = p.add_subparsers(dest="vsim_command", metavar="ACTION")
    serve = vsub.add_parser("serve", help="connect virtual cards to pcscd's vpcd reader slots")
    add_serve_arguments(serve)
    serve.set_defaults(func=run_serve)
    scws = vsub.add_parser("scws", help="the card's web server: GET /OMA/DM/Bootstrap.xml over TLS (5.5.7)")
    add_scws_arguments(scws)
    scws.set_defaults(func=run_scws)
    lst = vsub.add_parser("list", help="built-in card layouts")
    lst.set_defaults(func=run_list)
    imp = vsub.add_parser("from-pysim", help="a layout (virtual twin) from a real card's pySim-shell `export` "
                                             "script: each file's FCP and content verbatim")
    imp.add_argument("script", metavar="EXPORT", help="the export script (as `pySim-shell ... export` wrote it)")
    imp.add_argument("--atr", required=True, metavar="HEX", help="the card's ATR (pySim writes it in the file name "
                                                                 "of card_backup_<ATR>_<ICCID>.script)")
    imp.add_argument("--adm-env", required=True, metavar="VAR",
                     help="environment variable holding the card's ADM1 (8 digits or 16 hex digits)")
    imp.add_argument("--pin-env", metavar="VAR", help="environment variable holding PIN1 for the twin "
                                                      "(default 1234: exports hold no PIN)")
    imp.add_argument("--out", required=True, help="the layout TOML to write (0600: it holds the ADM1 value)")
    imp.set_defaults(func=run_from_pysim)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_list(args) -> int:
    from vsim.profile import builtin_profiles, load_profile

    for name in builtin_profiles():
        prof = load_profile(name)
        print(f"{name:<13} {prof.family:<5} {prof.name}")
    return 0


def run_serve(args) -> int:
    from vsim.serve import run

    try:
        return run(args)
    except ValueError as e:  # mismatched --state / --profile counts
        raise UsageError(str(e)) from None


def run_scws(args) -> int:
    from vsim.scws import ScwsError
    from vsim.serve import run_scws as serve_scws

    try:
        return serve_scws(args)
    except ScwsError as e:
        raise UsageError(str(e)) from None
    except OSError as e:  # the address is taken, a certificate file is missing
        raise UsageError(f"cannot serve the SCWS: {e.strerror or e}") from None


MAX_EXPORT = 4 << 20  # bytes: the largest public exports are ~0.5 MB


def run_from_pysim(args) -> int:
    import re
    from pathlib import Path

    from vsim.pysim_export import ExportError, layout_from_export

    from ..card.pin import pin_block
    from ..infile import read_text
    from ..outfile import write_private
    from .cardopts import secret_option

    atr_hex = re.sub(r"[\s:]", "", args.atr)
    if not re.fullmatch(r"(?:[0-9A-Fa-f]{2}){2,33}", atr_hex):
        raise UsageError(f"--atr {args.atr!r} is not 2..33 bytes of hex")
    adm = secret_option(args, "adm")
    pin = secret_option(args, "pin")
    adm_bytes = pin_block(adm, "ADM1").rstrip(b"\xff")
    pin_bytes = pin_block(pin, "PIN1").rstrip(b"\xff") if pin is not None else b"1234"
    text = read_text(args.script, what="pySim export", limit=MAX_EXPORT)
    try:
        layout = layout_from_export(text, atr=bytes.fromhex(atr_hex), adm1=adm_bytes, pin1=pin_bytes,
                                    name=Path(args.script).stem, source=args.script)
    except ExportError as e:
        raise UsageError(f"{args.script}: {e}") from None
    write_private(args.out, layout, what="card layout")
    print(f"layout of {args.script} written to {args.out}: `cardboot inspect --vsim {args.out}`")
    return 0
