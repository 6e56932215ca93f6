"""Text from outside (a server's status line, a card's label, a file's bytes) as it may be shown on a
terminal: control characters (CR, LF, ESC, the C1 range, ...) written as escapes, so a peer can neither
paint a line of its own ("verified: ...") nor send terminal commands, and long text cut."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    c = m.group(0)
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def shown(text: str, limit: int = 200) -> str:
    """One line of outside text: every control character escaped, at most ``limit`` characters."""
    out = _CONTROL.sub(_escape, str(text))
    return out if len(out) <= limit else out[:limit] + "..."


def terminal_safe(message: str) -> str:
    """A message of cardboot's own (which may span lines) with any control character but newline and tab
    escaped: the last guard for outside text that reached an error."""
    return _CONTROL_BUT_LINES.sub(_escape, message)
