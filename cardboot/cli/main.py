"""``cardboot``: the command-line entry point.

Every :class:`cardboot.errors.CardbootError` becomes one line on stderr and the exit code of its class
(README, "Exit codes"); anything else is an internal error, shown with a traceback only with --debug.
"""

from __future__ import annotations

import argparse
import logging
import sys

from .. import __version__
from ..errors import CardbootError, ExitCode
from . import batch_cmd, bench_cmd, discovery_cmd, inspect_cmd, message_cmd, provision_cmd, server_cmd, vsim_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cardboot", description="Provision and inspect SIM/UICC cards for "
                                     "OMA DM bootstrap (OMA-TS-DM_Bootstrap-V1_3 Appendix D).")
    parser.add_argument("--version", action="version", version=f"cardboot {__version__}")
    parser.add_argument("--debug", action="store_true", help="log APDUs (masked) and show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    inspect_cmd.add_parser(sub)
    provision_cmd.add_parsers(sub)
    bench_cmd.add_parser(sub)
    message_cmd.add_parser(sub)
    batch_cmd.add_parser(sub)
    discovery_cmd.add_parsers(sub)
    server_cmd.add_parser(sub)
    vsim_cmd.add_parser(sub)
    tui = sub.add_parser("tui", help="the bench TUI: readers, card tree, bootstrap fields, write and verify")
    tui.add_argument("--vsim", help="virtual cards to list (comma-separated layouts; default all built-in)")
    tui.add_argument("--template", default="dm-bootstrap")
    tui.set_defaults(func=_run_tui)
    return parser


def _run_tui(args) -> int:
    from ..tui.app import run_tui

    return run_tui(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]  # accepted before or after the subcommand
    if debug:
        argv = [a for a in argv[:end] if a != "--debug"] + argv[end:]
    args = parser.parse_args(argv)
    args.debug = debug
    if not getattr(args, "func", None):
        parser.print_help()
        return ExitCode.USAGE
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except CardbootError as e:
        print(f"cardboot: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("cardboot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: say so without dumping a traceback on the user
        if args.debug:
            raise
        print(f"cardboot: internal error: {type(e).__name__}: {e} (run with --debug for details)", file=sys.stderr)
        return ExitCode.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
