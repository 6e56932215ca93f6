"""Handing a push's SMS to an SMSC: one HTTP GET per segment from a URL template (Kannel's sendsms, an
SMPP gateway's HTTP front), or one run of a command per segment.

URL template placeholders, each URL-encoded: ``{to}``, ``{udh}`` / ``{data}`` (the segment's user data
header and the rest of its user data, as raw bytes percent-encoded: Kannel's ``udh=`` and ``text=`` with
``coding=1``), ``{udh_hex}``, ``{data_hex}``, ``{tpdu_hex}`` (the SMS-SUBMIT TPDU), ``{seq}``,
``{total}``. The template comes from an environment variable: it usually holds the gateway's password.

A command gets the same values as environment variables (``CB_SMS_TO``, ``CB_SMS_UDH_HEX``,
``CB_SMS_DATA_HEX``, ``CB_SMS_TPDU_HEX``, ``CB_SMS_SEQ``, ``CB_SMS_TOTAL``) and the TPDU hex on stdin.
A refused segment (HTTP status not 2xx, exit status not 0, timeout) stops the run: :class:`SmscError`
names the segment and how many went out before it.
"""

from __future__ import annotations

import os
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


def _redacted(url: str) -> str:
    """A URL for messages: no query string, no user info (they hold the gateway's credentials)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def send_by_url(template: str, messages: list[Sms], timeout: float = 10.0) -> list[int]:
    """GET the template filled in for each segment; the HTTP status of each."""
    if not template.startswith(("http://", "https://")):
        raise UsageError("the SMSC URL template must start with http:// or https://")
    statuses = []
    for sms in messages:
        try:
            url = template.format(**sms.values())
        except (KeyError, IndexError, ValueError) as e:
            raise UsageError(f"the SMSC URL template has an unknown placeholder or brace: {e}") from None
        try:
            with urllib.request.urlopen(url, timeout=timeout) as reply:
                reply.read(MAX_REPLY)
                status = reply.status
        except urllib.error.HTTPError as e:
            status = e.code
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
        env = {**os.environ, **{f"CB_SMS_{k.upper()}": v for k, v in sms.values().items()
                                if k not in ("udh", "data")}}
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
