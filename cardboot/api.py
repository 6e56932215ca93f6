"""cardboot for scripts: the jobs a bench script does, with typed results and stable names.

    from cardboot import api

    with api.open_card(vsim="uicc:card.json") as card:        # or reader=0 / reader="ACS ACR39U ..."
        card.write(api.build_message("dm-bootstrap", "vars.toml").wbxml, adm="88888888")
        print(card.verify(api.load_message("boot.wbxml")).holds)

A card is held for the whole ``with`` block (a PC/SC transaction; a virtual card's state file locked), so
no other client's APDU lands between ours. Each call is what the command of the same name does
(``cardboot inspect``, ``read``, ``write``, ``verify``, ``erase``, ``pkcs15 init``, ``dump``): the same
provisioning functions, the same checks (a write is read back and compared; a VERIFY that could block a PIN
is refused unless ``force``), the same typed errors (:mod:`cardboot.errors`, each with its ``exit_code``).
Secrets are given as ``str``, ``bytes`` or :class:`Secret` and never printed: ``repr`` shows ``****``.

This module is the stable surface: names here keep their meaning across versions; what they return is
the provisioning layer's own result types, re-exported here. It imports nothing of the command line.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .apdu.trace import Trace
from .bootstrap.io import LoadedMessage, load_message_bytes
from .bootstrap.validate import Finding, validate_message
from .card.connect import Card as _EngineCard
from .errors import CardbootError, ExitCode, MessageError
from .provision.access import Secrets
from .provision.dump import CardDump, diff_dumps, dump_card, to_layout
from .provision.init import InitResult, init_card
from .provision.inspect import CardReport, Content, ContentStatus, inspect_card
from .provision.layout import load_layout
from .provision.prepare import DEFAULT_CARRIER, DEFAULT_VERSION, PreparedMessage, from_file, from_template
from .provision.read import StoredMessage, StoredObject, read_object, read_stored
from .provision.session import DEFAULT_WAIT, card_session
from .provision.verify import Verification, verify_stored
from .provision.write import WriteResult, erase_stored, write_stored
from .secret import Secret
from .transport.open import transport_for

__all__ = [
    "open_card", "Card", "build_message", "load_message", "decode_message", "validate", "diff_dumps", "to_layout",
    "Secret", "Secrets", "CardReport", "Content", "ContentStatus", "StoredMessage", "StoredObject", "WriteResult",
    "Verification", "InitResult", "CardDump", "PreparedMessage", "LoadedMessage", "Finding",
    "CardbootError", "ExitCode", "MessageError",
]

SecretValue = str | bytes | Secret | None


def _secret(value: SecretValue) -> Secret | None:
    if value is None or isinstance(value, Secret):
        return value
    return Secret(value)


class Card:
    """A card in a session (from :func:`open_card`). Secrets given to :func:`open_card` are used by
    every call; a call's own ``pin`` / ``adm`` take their place for that call."""

    def __init__(self, engine: _EngineCard, source: str, trace: Trace, secrets: Secrets):
        self._card = engine
        self.source = source  # "vsim uicc (card.json)", "reader 0"
        self._trace = trace
        self._secrets = secrets

    @property
    def family(self) -> str:
        """``"sim"`` (TS 51.011, CLA A0) or ``"uicc"`` (TS 102 221)."""
        return self._card.family.value

    @property
    def apdus(self) -> int:
        """APDUs exchanged in this session so far."""
        return self._card.exchange.count

    @property
    def trace(self) -> list[str]:
        """The session's APDUs, one line each, secrets and secret-bearing files' data masked (with
        ``open_card(trace=True)``; else empty)."""
        return [str(entry) for entry in self._trace]

    def _with(self, pin: SecretValue, adm: SecretValue, force: bool | None) -> Secrets:
        base = self._secrets
        return Secrets(pin=_secret(pin) or base.pin, adm=_secret(adm) or base.adm,
                       force=base.force if force is None else force)

    def inspect(self, *, pin: SecretValue = None) -> CardReport:
        """ATR, ICCID, EF.DIR, the PKCS#15 application and its objects, where the bootstrap is (D.2.5 /
        D.3.5) and what EF DM_Bootstrap holds (``report.content``); problems are in ``report.errors``."""
        return inspect_card(self._card, self.source, secrets=self._with(pin, None, None))

    def read(self, *, pin: SecretValue = None, force: bool | None = None) -> StoredMessage:
        """The stored bootstrap message: ``data`` (WBXML, padding trimmed), ``empty`` (all FF, D.4.3),
        ``loaded`` (decoded) and ``findings`` (broken rules)."""
        return read_stored(self._card, self._with(pin, None, force))

    def read_object(self, wanted: str, *, pin: SecretValue = None, force: bool | None = None) -> StoredObject:
        """Any data object the DODF lists, by label or OID (LwM2M bootstrap, CP ProvBoot, ...)."""
        return read_object(self._card, wanted, self._with(pin, None, force))

    def write(self, message: bytes, *, adm: SecretValue = None, pin: SecretValue = None,
              force: bool | None = None, pad_all: bool = False) -> WriteResult:
        """Write WBXML ``message`` to EF DM_Bootstrap: VERIFY what the access rule needs, UPDATE, FF over
        every old byte past it, read back and compare (``verified``). Validate first
        (:func:`build_message` does; :meth:`PreparedMessage.refuse_if_invalid`)."""
        return write_stored(self._card, bytes(message), self._with(pin, adm, force), pad_all=pad_all)

    def verify(self, expected: LoadedMessage | PreparedMessage | bytes, *, pin: SecretValue = None,
               force: bool | None = None) -> Verification:
        """Compare the card with ``expected``, byte-wise and semantically, and check every byte after the
        message is FF (``Verification.holds``)."""
        if isinstance(expected, PreparedMessage):
            expected = load_message_bytes(expected.wbxml)
        elif isinstance(expected, (bytes, bytearray)):
            expected = load_message_bytes(bytes(expected))
        return verify_stored(self._card, expected, self._with(pin, None, force))

    def erase(self, *, adm: SecretValue = None, pin: SecretValue = None, force: bool | None = None) -> WriteResult:
        """EF DM_Bootstrap back to all FF (D.4.3), read back."""
        return erase_stored(self._card, self._with(pin, adm, force))

    def init(self, layout: str | Path, *, adm: SecretValue = None, recreate: bool = False,
             no_efdir: bool = False, dry_run: bool = False) -> InitResult:
        """Make the card hold the PKCS#15 part of ``layout`` (a built-in name or a layout TOML), as
        ``cardboot pkcs15 init`` does: CREATE FILE what is missing, merge directory entries, every change
        read back. ``dry_run`` sends only the survey's reads (the session must be opened with
        ``open_card(dry_run=True)`` for the held commands to be kept from the card)."""
        return init_card(self._card, load_layout(layout), self._with(None, adm, None), recreate=recreate,
                         dry_run=dry_run, no_efdir=no_efdir)

    def dump(self, *, scan: bool = False, pin: SecretValue = None, adm: SecretValue = None) -> CardDump:
        """Everything the card shows (EFs behind the PIN / ADM given too); :func:`to_layout` makes a vsim
        layout of it, the card's virtual twin."""
        return dump_card(self._card, self.source, scan=scan, secrets=self._with(pin, adm, None))


@contextmanager
def open_card(*, reader: str | int | None = None, vsim: str | None = None, family: str | None = None,
              protocol: str = "any", pin: SecretValue = None, adm: SecretValue = None, force: bool = False,
              wait: float = DEFAULT_WAIT, trace: bool = False, dry_run: bool = False) -> Iterator[Card]:
    """A card in a session: ``reader`` (PC/SC index or name) or ``vsim`` (``PROFILE[:STATE]``: a built-in
    layout or a layout TOML, with a state file keeping its content; default the built-in UICC).
    ``family`` skips detection; ``wait`` is how long to wait for a card another client holds; ``force``
    allows a VERIFY that one wrong value would block; ``dry_run`` holds every command that changes the card."""
    if reader is not None and vsim is not None:
        raise ValueError("open_card takes reader or vsim, not both")
    transport, source = transport_for(reader=reader, vsim=vsim, protocol=protocol)
    if dry_run:
        from .transport.dryrun import DryRunTransport

        transport = DryRunTransport(transport)
    keep = Trace(keep=trace)
    with card_session(transport, family=family, trace=keep, wait=wait) as engine:
        yield Card(engine, source, keep, Secrets(pin=_secret(pin), adm=_secret(adm), force=force))


def build_message(template: str | Path | dict, variables: str | Path | dict, *, carrier: str = DEFAULT_CARRIER,
                  wbxml_version: int = DEFAULT_VERSION, max_size: int | None = None) -> PreparedMessage:
    """A bootstrap message from a template (built-in name such as ``"dm-bootstrap"``, a TOML path, or a
    table) and its variables (a TOML path or a dict): ``.message``, ``.wbxml``, ``.findings`` / ``.valid``.
    ``carrier``: ``plain``, ``tnds-xml`` or ``tnds-wbxml``; ``wbxml_version`` 0x01..0x03."""
    return from_template(template, variables, carrier=carrier, wbxml_version=wbxml_version, max_size=max_size)


def load_message(path: str | Path, *, wbxml_version: int = DEFAULT_VERSION,
                 max_size: int | None = None) -> PreparedMessage:
    """A message file (WBXML, or XML encoded as WBXML ``wbxml_version``), validated."""
    return from_file(path, wbxml_version=wbxml_version, max_size=max_size)


def decode_message(data: bytes) -> LoadedMessage:
    """WBXML or XML bytes → the message (``.message``, ``.root`` element tree, ``.wbxml``, ``.version``);
    malformed input is a :class:`CardbootError` (``WbxmlError``, ``XmlError``, ``MessageError``) naming what
    and where."""
    return load_message_bytes(bytes(data))


def validate(message: bytes | LoadedMessage | PreparedMessage, *, max_size: int | None = None) -> list[Finding]:
    """The bootstrap rules a message breaks, each with its spec section (empty: valid)."""
    if isinstance(message, PreparedMessage):
        return validate_message(message.message, encoded=message.wbxml, max_size=max_size)
    loaded = message if isinstance(message, LoadedMessage) else load_message_bytes(bytes(message))
    return validate_message(loaded.message, encoded=loaded.wbxml, max_size=max_size)

