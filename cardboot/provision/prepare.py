"""From what the user gives (a template and its variables, or a message file) to the bytes a card or a
server will hold: message, WBXML, the validator's findings — the one way every face does it
(`message build`, `write`, `server add-device`, the batch CSV check, the TUI form).

The faces decide what to do with findings: :meth:`PreparedMessage.refuse_if_invalid` is the common
answer (a :class:`MessageError` listing each broken rule with its section).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..bootstrap.builder import build_message, encode_message
from ..bootstrap.io import load_message_file
from ..bootstrap.syncml import Message
from ..bootstrap.template import Bootstrap, fill_template, load_bootstrap
from ..bootstrap.validate import Finding, validate_message
from ..errors import MessageError, UsageError

DEFAULT_CARRIER = "tnds-wbxml"
DEFAULT_VERSION = 0x02  # WBXML 1.2


@dataclass
class PreparedMessage:
    message: Message
    wbxml: bytes
    findings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.findings

    def refuse_if_invalid(self, what: str = "refusing to write an invalid message") -> "PreparedMessage":
        if self.findings:
            raise MessageError(f"{what}: " + "; ".join(str(f) for f in self.findings))
        return self


def from_bootstrap(boot: Bootstrap, *, carrier: str = DEFAULT_CARRIER, wbxml_version: int = DEFAULT_VERSION,
                   string_table: bool = False, opaque_data: bool = True,
                   max_size: int | None = None) -> PreparedMessage:
    """A filled template → message, WBXML, findings."""
    msg = build_message(boot, carrier)
    wbxml = encode_message(msg, wbxml_version=wbxml_version, string_table=string_table, opaque_data=opaque_data)
    return PreparedMessage(msg, wbxml, validate_message(msg, encoded=wbxml, max_size=max_size))


def from_template(template: str | Path | dict, variables: dict | str | Path, *, source: str = "template",
                  **options) -> PreparedMessage:
    """A template (built-in name, TOML path, or an already loaded table) and its variables (a dict, or
    a variables file)."""
    boot = fill_template(template, variables, source) if isinstance(template, dict) and isinstance(variables, dict) \
        else load_bootstrap(template, variables)
    return from_bootstrap(boot, **options)


def from_file(path: str | Path, *, wbxml_version: int = DEFAULT_VERSION, max_size: int | None = None) -> PreparedMessage:
    """A message file (WBXML as it is, or XML encoded as WBXML ``wbxml_version``)."""
    loaded = load_message_file(path)
    wbxml = loaded.wbxml if loaded.wbxml is not None else encode_message(loaded.message, wbxml_version=wbxml_version)
    return PreparedMessage(loaded.message, wbxml, validate_message(loaded.message, encoded=wbxml, max_size=max_size))


def prepare_message(*, message_file: str | None = None, template: str | None = None, variables=None,
                    **options) -> PreparedMessage:
    """What the command-line options name: ``--message F`` or ``--template T --vars V``."""
    if message_file:
        return from_file(message_file, **{k: v for k, v in options.items() if k in ("wbxml_version", "max_size")})
    if not template:
        raise UsageError("give --message or --template")
    if not variables:
        raise UsageError("--template needs --vars")
    return from_template(template, variables, **options)
