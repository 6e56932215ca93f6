"""``cardboot vsim``: serve virtual cards to pcscd through vpcd, list the built-in layouts."""

from __future__ import annotations

from vsim.serve import add_arguments as add_serve_arguments

from ..errors import UsageError
from .commands import TOP_HELP


def add_parser(sub) -> None:
    p = sub.add_parser("vsim", help=TOP_HELP["vsim"])
    vsub = p.add_subparsers(dest="vsim_command", metavar="ACTION")
    serve = vsub.add_parser("serve", help="connect virtual cards to pcscd's vpcd reader slots")
    add_serve_arguments(serve)
    serve.set_defaults(func=run_serve)
    lst = vsub.add_parser("list", help="built-in card layouts")
    lst.set_defaults(func=run_list)
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
