"""Options shared by every command that talks to a card: which card, which protocol, secrets, tracing."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass

from ..apdu import Trace
from ..card import Card
from ..provision.session import DEFAULT_WAIT, card_session
from ..errors import UsageError
from ..provision.access import Secrets
from ..secret import Secret
from ..transport.base import Transport
from ..transport.open import transport_for
from ..infile import read_bounded


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} s: give 0..3600")
    return value


def add_card_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--vsim", metavar="PROFILE[:STATE]", help="an in-process virtual card: built-in name "
                       "(uicc, sim, uicc-private, sim-private) or a layout TOML path, optionally with a state "
                       "file that keeps its content between runs (default: uicc)")
    where.add_argument("--reader", metavar="NAME|INDEX", help="a PC/SC reader by index or (part of its) name")
    parser.add_argument("--t0", action="store_true", help="virtual card: behave as T=0 (61xx/9Fxx procedure)")
    parser.add_argument("--protocol", choices=["any", "T=0", "T=1"], default="any", help="PC/SC protocol")
    parser.add_argument("--family", choices=["sim", "uicc"], help="skip detection (default: detect)")
    parser.add_argument("--trace", action="store_true", help="print the APDU trace (secrets shown as ****)")
    parser.add_argument("--wait", type=_seconds, metavar="S", default=DEFAULT_WAIT,
                        help="how long to wait for a card another client holds (default 5 s; 0: not at all), "
                             "then exit 3")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def add_secret_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("secrets (never on the command line itself)")
    for kind, what in (("pin", "the PIN / CHV1"), ("adm", "the ADM key")):
        g.add_argument(f"--{kind}-env", metavar="VAR", help=f"environment variable holding {what}")
        g.add_argument(f"--{kind}-file", metavar="FILE", help=f"file holding {what} (first line)")
        g.add_argument(f"--{kind}-prompt", action="store_true", help=f"ask for {what} (no echo)")
    g.add_argument("--force-verify", action="store_true",
                   help="VERIFY even when one wrong value would block the PIN, or the card hides the count")


MAX_SECRET_FILE = 4096  # a PIN or key file: its first line, and a bound before reading


def secret_option(args, kind: str) -> Secret | None:
    env, file, prompt = (getattr(args, f"{kind}_env", None), getattr(args, f"{kind}_file", None),
                         getattr(args, f"{kind}_prompt", False))
    if env:
        value = os.environ.get(env)
        if value is None:
            raise UsageError(f"environment variable {env} (--{kind}-env) is not set")
        if not value.strip():
            raise UsageError(f"environment variable {env} (--{kind}-env) is empty")
        return Secret(value.strip())
    if file:
        raw = read_bounded(file, what=f"--{kind}-file", limit=MAX_SECRET_FILE)
        try:
            text = raw.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise UsageError(f"--{kind}-file {file} is not UTF-8 text") from None  # no offset: it is a secret
        if not text or not text[0].strip():
            raise UsageError(f"--{kind}-file {file} is empty")
        return Secret(text[0].strip())
    if prompt:
        if not sys.stdin.isatty():
            raise UsageError(f"--{kind}-prompt needs a terminal")
        import getpass

        return Secret(getpass.getpass(f"{kind.upper()}: "))
    return None


def secret_flags(adm: bool) -> str:
    """How a secret is given on this command line (what a MissingSecretError or an unread content names)."""
    return "--adm-env/--adm-file/--adm-prompt" if adm else "--pin-env/--pin-file/--pin-prompt"


def secrets_from(args) -> Secrets:
    return Secrets(pin=secret_option(args, "pin"), adm=secret_option(args, "adm"), force=bool(getattr(args, "force_verify", False)))


@dataclass
class CardContext:
    card: Card
    transport: Transport
    trace: Trace
    source: str


def make_transport(args) -> tuple[Transport, str]:
    return transport_for(reader=getattr(args, "reader", None), vsim=getattr(args, "vsim", None),
                         protocol=getattr(args, "protocol", "any"), t0=getattr(args, "t0", False))


@contextlib.contextmanager
def open_card(args, *, dry_run: bool = False):
    """The card the options name, in a session. ``dry_run``: commands that change the card are held
    (see :class:`cardboot.transport.dryrun.DryRunTransport`), reads go through."""
    transport, source = make_transport(args)
    if dry_run:
        from ..transport.dryrun import DryRunTransport

        transport = DryRunTransport(transport)
    trace = Trace(keep=bool(getattr(args, "trace", False)))
    try:
        with card_session(transport, family=args.family, trace=trace,
                          wait=getattr(args, "wait", DEFAULT_WAIT)) as card:
            card.session.reveal = bool(getattr(args, "show_secrets", False))
            yield CardContext(card, transport, trace, source)
    finally:
        if trace.keep:
            for entry in trace:
                print(f"  {entry}", file=sys.stderr)
