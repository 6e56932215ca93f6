"""One small error hierarchy for all of cardboot.

Every error names what went wrong and where (file, FID, byte offset, command). The command-line and
TUI faces turn a :class:`CardbootError` into one line and the exit code of its class; nothing else
should ever reach the user as a traceback.

Error text never contains secret values: callers pass :class:`cardboot.secret.Secret` objects, whose
``str`` is ``****``.
"""

from __future__ import annotations


class ExitCode:
    """Process exit codes by error class (documented in README)."""

    OK = 0
    USAGE = 2
    CARD_IO = 3
    SECURITY = 4
    VALIDATION = 5
    MISMATCH = 6
    INTERNAL = 70


class CardbootError(Exception):
    """Base of every error cardboot raises on purpose."""

    exit_code = ExitCode.INTERNAL


class UsageError(CardbootError):
    """The user asked for something that cannot be done as asked (bad option, unknown profile)."""

    exit_code = ExitCode.USAGE


# --- card I/O ---------------------------------------------------------------------------------------


class CardIOError(CardbootError):
    """Anything between the host and the card went wrong."""

    exit_code = ExitCode.CARD_IO


class TransportError(CardIOError):
    """The reader or the link to it failed."""


class ReaderNotFoundError(TransportError):
    """No reader with the requested name or index."""


class NoCardError(TransportError):
    """The reader is there but holds no card."""


class CardRemovedError(TransportError):
    """The card left the reader (or the virtual card dropped its link) during a session."""


class CardBusyError(TransportError):
    """Another client held the card (a PC/SC transaction, a virtual card's state lock) longer than the
    session was told to wait: nothing was sent."""


class CardResetError(TransportError):
    """Another client reset the card during our session: what was selected and verified is gone, so the
    session stops rather than carry on from a guess."""


class CardResponseError(CardIOError):
    """The card answered in a way the standard does not allow (no channel number from MANAGE CHANNEL, no
    response data where it must give some). The card misbehaves: exit 3, never "usage"."""


class ChannelClosedError(CardIOError):
    """A command was meant for a logical channel that is closed (the card or an earlier error closed it)."""


class ApduFormatError(CardIOError):
    """A command or response APDU could not be built or parsed."""


class StatusWordError(CardIOError):
    """The card answered a status word other than success.

    Carries the command's name, the SW as an int and its meaning from the spec tables.
    """

    def __init__(self, command: str, sw: int, meaning: str):
        self.command = command
        self.sw = sw
        self.meaning = meaning
        super().__init__(f"{command}: card answered {sw:04X} ({meaning})")


class CardFileNotFoundError(StatusWordError):
    """SELECT found no such file (SW 6A82 on UICC, 9404 on SIM)."""

    def __init__(self, command: str, sw: int, meaning: str, path: str = ""):
        super().__init__(command, sw, meaning)
        self.path = path
        if path:
            self.args = (f"{command}: file {path} not found ({sw:04X} {meaning})",)


# --- PIN / security ---------------------------------------------------------------------------------


class SecurityError(CardbootError):
    """Access to the card was refused for security reasons, or cardboot refused to risk a PIN.

    ``secret_kind`` is 'pin' or 'adm' when the error concerns the value given for that secret (a wrong,
    blocked or guarded VERIFY), so that a face can forget exactly that value."""

    exit_code = ExitCode.SECURITY
    secret_kind: str | None = None


class MissingSecretError(SecurityError):
    """A key the access rule needs has no value given (nothing was sent to the card). ``needs_adm`` says
    which of the operator's secrets it is, so that a face can say how to give it (the CLI names its
    options, the TUI opens its dialog)."""

    def __init__(self, message: str, needs_adm: bool, given_for_another_key: bool = False):
        self.needs_adm = needs_adm
        self.given_for_another_key = given_for_another_key  # a value was given, for another key only
        super().__init__(message)


class SecurityStatusError(SecurityError, StatusWordError):
    """The card refused a command because an access condition is not fulfilled (6982 / 9804)."""


def tries_left(n: int) -> str:
    return f"{n} try left" if n == 1 else f"{n} tries left"


class WrongPinError(SecurityError):
    """A VERIFY was refused; ``retries_left`` tries remain."""

    def __init__(self, pin_name: str, retries_left: int | None):
        self.pin_name = pin_name
        self.retries_left = retries_left
        left = tries_left(retries_left) if retries_left is not None else "the card does not say how many tries are left"
        super().__init__(f"wrong {pin_name}: {left}")


class PinBlockedError(SecurityError):
    """The PIN is blocked; only an UNBLOCK with the PUK helps. Never retried."""

    def __init__(self, pin_name: str):
        self.pin_name = pin_name
        super().__init__(f"{pin_name} is blocked (no tries left); unblock it with its PUK")


class PinRetryGuardError(SecurityError):
    """cardboot refused to send a VERIFY that could block the PIN (retries <= threshold)."""

    def __init__(self, pin_name: str, retries_left: int):
        self.pin_name = pin_name
        self.retries_left = retries_left
        super().__init__(
            f"refusing to VERIFY {pin_name}: only {retries_left} try left and a wrong value would block it "
            "(force with --force-verify)"
        )

    @classmethod
    def unknown(cls, pin_name: str) -> "PinRetryGuardError":
        err = cls.__new__(cls)
        err.pin_name = pin_name
        err.retries_left = None
        SecurityError.__init__(err, f"refusing to VERIFY {pin_name}: the card does not tell how many tries are "
                                    "left (force with --force-verify)")
        return err


# --- decoding / validation --------------------------------------------------------------------------


class DecodeError(CardbootError):
    """Bytes could not be decoded. Names what was being decoded, where, and the byte offset."""

    exit_code = ExitCode.VALIDATION

    def __init__(self, what: str, reason: str, offset: int | None = None, where: str = ""):
        self.what = what
        self.reason = reason
        self.offset = offset
        self.where = where
        place = f" in {where}" if where else ""
        at = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"malformed {what}{place}{at}: {reason}")


class TlvError(DecodeError):
    """Malformed BER-TLV data (truncated, bad length, nesting too deep)."""


class ProfileError(CardbootError):
    """A card layout or template in profiles/ is wrong. Names the file and the line."""

    exit_code = ExitCode.VALIDATION

    def __init__(self, file: str, line: int | None, reason: str):
        self.file = file
        self.line = line
        self.reason = reason
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {reason}")


class BenchmarkError(CardbootError):
    """A benchmark could not run to its end (its server, pcscd or load generator failed): one line naming
    the benchmark and what failed, exit 3 like other trouble with what cardboot talks to."""

    exit_code = ExitCode.CARD_IO


class ObjectNotFoundError(CardbootError):
    """The card's PKCS#15 directories list no such data object (exit 5: the card's content is not what
    the operation needs)."""

    exit_code = ExitCode.VALIDATION


class VerifyMismatchError(CardbootError):
    """What was read back from the card differs from what was written."""

    exit_code = ExitCode.MISMATCH

    def __init__(self, where: str, offset: int, wrote: int, read: int):
        self.where = where
        self.offset = offset
        super().__init__(f"{where}: read-back differs from what was written at byte {offset} "
                         f"(wrote {wrote:02X}, card has {read:02X})")

    @classmethod
    def empty(cls, where: str) -> "VerifyMismatchError":
        err = cls.__new__(cls)
        err.where, err.offset = where, 0
        CardbootError.__init__(err, f"{where}: the card holds no message (all FF)")
        return err


class Asn1Error(DecodeError):
    """Malformed DER/BER in a PKCS#15 file (truncated, bad length, wrong tag, nesting too deep)."""


class WbxmlError(DecodeError):
    """Malformed WBXML: truncated, bad mb_u_int32, unknown token or page, string table out of range,
    nesting or size limit exceeded."""


class XmlError(DecodeError):
    """XML that cardboot refuses or cannot parse (malformed, DTD entities, too large)."""


class MessageError(CardbootError):
    """A bootstrap message or template cannot be built as asked (missing variable, bad value)."""

    exit_code = ExitCode.VALIDATION


class MessageTooBigError(CardbootError):
    """The bootstrap message does not fit EF DM_Bootstrap."""

    exit_code = ExitCode.VALIDATION

    def __init__(self, size: int, capacity: int, where: str):
        self.size = size
        self.capacity = capacity
        super().__init__(f"message of {size} bytes does not fit {where} ({capacity} bytes)")
