"""Handing a push's SMS to an SMSC: one HTTP GET per segment from a URL template (Kannel's sendsms, an
SMPP gateway's HTTP front), or one run of a command per segment.

URL template placeholders, each URL-encoded: ``{to}``, ``{udh}`` / ``{data}`` (the segment's user data
header and the rest of its user data, as raw bytes percent-encoded: Kannel's ``udh=`` and ``text=`` with
``coding=1``), ``{udh_hex}``, ``{data_hex}``, ``{tpdu_hex}`` (the SMS-SUBMIT TPDU), ``{seq}``,
``{total}``. The template comes from an environment variable: it usually holds the gateway's password.

A command gets the same values as environment variables (``CB_SMS_TO``, ``CB_SMS_UDH_HEX``,
``CB_SMS_DATA_HEX``, ``CB_SMS_TPDU_HEX``, ``CB_SMS_SEQ``, ``CB_SMS_TOTAL``) and the TPDU hex on stdin —
and of cardboot's environment only PATH, LANG and LC_ALL: the PIN, ADM and URL variables stay here.
A refused segment (HTTP status not 2xx, exit status not 0, timeout) stops the run: :class:`SmscError`
names the segment and how many went out before it.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from ..errors import CardIOError, UsageError

MAX_REPLY = 64 << 10


class SmscError(CardIOError):
    """The SMSC or the hand-off command refused a segment (exit 3, like other trouble with what cardboot
    talks to)."""


@dataclass(frozen=True)
class Sms:
    to: str
    seq: int
    total: int
    user_data: bytes
    tpdu: bytes

    @property
    def udh(self) -> bytes:
        return self.user_data[: 1 + self.user_data[0]]

    @property
    def data(self) -> bytes:
        return self.user_data[1 + self.user_data[0] :]

    def values(self) -> dict[str, str]:
        q = urllib.parse.quote_from_bytes
        return {"to": urllib.parse.quote(self.to, safe=""), "udh": q(self.udh, safe=""), "data": q(self.data, safe=""),
                "udh_hex": self.udh.hex().upper(), "data_hex": self.data.hex().upper(),
                "tpdu_hex": self.tpdu.hex().upper(), "seq": str(self.seq), "total": str(self.total)}


PLACEHOLDERS = ("to", "udh", "data", "udh_hex", "data_hex", "tpdu_hex", "seq", "total")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
# what the command's children get besides CB_SMS_*: never the caller's secrets (--pin-env, the ADM, the URL)
_COMMAND_ENV = ("PATH", "LANG", "LC_ALL")


def fill_template(template: str, values: dict[str, str]) -> str:
    """``{name}`` replaced by its value, ``{{`` / ``}}`` by a brace. Only the names above: no format
    specifications, no attributes or indexes (``str.format`` would evaluate ``{to.__class__}`` and build
    ``{to:>99999999999}``). Errors never quote the template: it holds the gateway's password."""
    def one(m: re.Match) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = m.group(1)
        if name is None:
            raise UsageError("the SMSC URL template has a lone brace (write {{ or }} for a brace)")
        if name not in values:
            shown = name if re.fullmatch(r"[A-Za-z_]{1,20}", name) else "a placeholder that is not a plain name"
            raise UsageError(f"the SMSC URL template names {shown}; placeholders are {', '.join(PLACEHOLDERS)} "
                             "(no format specifications or attributes)")
        return values[name]

    return _FIELD.sub(one, template)


def _checked_url(url: str) -> str:
    """The filled URL, refused before any connection when it cannot be one (a space, a control character,
    a port that is not 1..65535, a broken IPv6 literal). The message names neither the URL nor its query."""
    bad = next((c for c in url if ord(c) <= 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        raise UsageError("the SMSC URL template holds a space or a control character (percent-encode it)")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise UsageError("the SMSC URL template's host or port is not valid (port 1..65535, IPv6 in [ ])") from None
    if not parts.hostname or (port is not None and not 1 <= port <= 65535):
        raise UsageError("the SMSC URL template's host or port is not valid (port 1..65535, IPv6 in [ ])")
    return url


def _redacted(url: str) -> str:
    """A URL for messages: no query string, no user info (they hold the gateway's credentials)."""
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "(the SMSC URL)"
    return f"{parts.scheme}://{host}{':' + str(port) if port else ''}{parts.path}"


def send_by_url(template: str, messages: list[Sms], timeout: float = 10.0) -> list[int]:
    """GET the template filled in for each segment; the HTTP status of each."""
    if not template.startswith(("http://", "https://")):
        raise UsageError("the SMSC URL template must start with http:// or https://")
    statuses = []
    for sms in messages:
        url = _checked_url(fill_template(template, sms.values()))
        try:
            with urllib.request.urlopen(url, timeout=timeout) as reply:
                reply.read(MAX_REPLY)
                status = reply.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (ValueError, http.client.HTTPException) as e:  # what urllib still refuses: never its text
            raise UsageError(f"SMSC {_redacted(template)}: the filled URL is not usable "
                             f"({type(e).__name__})") from None
        except (urllib.error.URLError, OSError) as e:
            raise SmscError(f"SMSC {_redacted(template)}: segment {sms.seq} of {sms.total} not sent "
                            f"({len(statuses)} sent before it): {getattr(e, 'reason', e)}") from None
        if not 200 <= status < 300:
            raise SmscError(f"SMSC {_redacted(template)} answered HTTP {status} to segment {sms.seq} of {sms.total} "
                            f"({len(statuses)} sent before it)")
        statuses.append(status)
    return statuses


def send_by_command(command: str, messages: list[Sms], timeout: float = 30.0) -> None:
    argv = shlex.split(command)
    if not argv:
        raise UsageError("the SMSC command is empty")
    for n, sms in enumerate(messages):
        env = {k: os.environ[k] for k in _COMMAND_ENV if k in os.environ}
        env.setdefault("PATH", os.defpath)
        env.update({f"CB_SMS_{k.upper()}": v for k, v in sms.values().items() if k not in ("udh", "data")})
        env["CB_SMS_TO"] = sms.to
        try:
            done = subprocess.run(argv, input=sms.tpdu.hex().upper() + "\n", text=True, env=env,
                                  capture_output=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SmscError(f"SMSC command {argv[0]}: segment {sms.seq} of {sms.total} not sent ({n} sent before "
                            f"it): {e}") from None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            raise SmscError(f"SMSC command {argv[0]} exited {done.returncode} on segment {sms.seq} of {sms.total} "
                            f"({n} sent before it): {tail[0][:200]}")
