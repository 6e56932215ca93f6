"""``cardboot``: the command-line entry point.

Every :class:`cardboot.errors.CardbootError` becomes one line on stderr and the exit code of its class
(README, "Exit codes"); anything else is an internal error, shown with a traceback only with --debug.
"""

from __future__ import annotations

import argparse
import logging
import sys

import importlib

from .. import __version__
from ..errors import CardbootError, ExitCode, MissingSecretError
from ..extras import missing_extra
from ..text import terminal_safe
from .commands import COMMANDS, TOP_HELP


def build_parser(only: str | None = None, *, full: bool = False) -> argparse.ArgumentParser:
    """The command line. Only the module of command ``only`` is imported and given its options (all of
    them with ``full``), and then the other commands are left out (each sub-parser costs argparse a dozen
    gettext lookups); without ``only`` every command appears with its help line — enough for
    ``cardboot --help`` and for argparse to name the choices. A card command pays for nothing it does not use."""
    parser = argparse.ArgumentParser(prog="cardboot", description="Provision and inspect SIM/UICC cards for "
                                     "OMA DM bootstrap (OMA-TS-DM_Bootstrap-V1_3 Appendix D).")
    parser.add_argument("--version", action="version", version=f"cardboot {__version__}")
    parser.add_argument("--debug", action="store_true", help="log APDUs (masked) and show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    done: set[str] = set()
    for name, (module, _help) in COMMANDS.items():
        if name in done:
            continue
        if not full and COMMANDS.get(only or "", ("",))[0] != module:
            if only is None:
                sub.add_parser(name, help=TOP_HELP[name])
            done.add(name)
            continue
        if module == "main":
            _add_tui(sub)
        else:
            mod = importlib.import_module(f".{module}", __package__)
            (getattr(mod, "add_parsers", None) or mod.add_parser)(sub)
        done.update(n for n, (m, _h) in COMMANDS.items() if m == module)
    return parser


def _add_tui(sub) -> None:
    tui = sub.add_parser("tui", help=TOP_HELP["tui"])
    tui.add_argument("--vsim", help="virtual cards to list (comma-separated layouts; default all built-in)")
    tui.add_argument("--template", default="dm-bootstrap")
    tui.set_defaults(func=_run_tui)


def _chosen_command(argv: list[str]) -> str | None:
    """The command a command line names (its first word that is not an option), when it is a known one."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def _run_tui(args) -> int:
    from ..tui.app import run_tui

    return run_tui(args)



def _missing(error: ModuleNotFoundError, command: str | None) -> int:
    """An optional part not installed: one line naming the extra (exit 2), else the bug it is."""
    missing = missing_extra(error, command)
    if missing is None:
        print(f"cardboot: internal error: {terminal_safe(str(error))} (run with --debug for details)", file=sys.stderr)
        return ExitCode.INTERNAL
    print(f"cardboot: error: {missing}", file=sys.stderr)
    return missing.exit_code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]  # accepted before or after the subcommand
    if debug:
        argv = [a for a in argv[:end] if a != "--debug"] + argv[end:]
    command = _chosen_command(argv)
    try:
        parser = build_parser(command)
    except ModuleNotFoundError as e:  # the command's module imports an extra at its top
        return _missing(e, command)
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
        text = str(e)
        if isinstance(e, MissingSecretError) and not e.given_for_another_key:
            from .cardopts import secret_flags

            text += f": give it with {secret_flags(e.needs_adm)}"
        print(f"cardboot: error: {terminal_safe(text)}", file=sys.stderr)
        return e.exit_code
    except ModuleNotFoundError as e:
        if args.debug:
            raise
        return _missing(e, command)
    except KeyboardInterrupt:
        print("cardboot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: say so without dumping a traceback on the user
        if args.debug:
            raise
        print(f"cardboot: internal error: {type(e).__name__}: {terminal_safe(str(e))} (run with --debug for details)",
              file=sys.stderr)
        return ExitCode.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
