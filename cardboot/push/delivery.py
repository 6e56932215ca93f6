"""The server-initiated bootstrap (OMA DM Bootstrap 5.1.2.3, OTA delivery 5.2): a bootstrap message
pushed by SMS as a WAP Push with SEC and MAC, and the device's check of one.

:func:`build_push`: WBXML message -> MAC for the SEC method -> WSP Push PDU -> SMS user data ->
SMS-DELIVER and SMS-SUBMIT TPDUs. :func:`verify_push`: TPDUs (any order) -> the PDU -> its content type,
application id and MAC -> the message decoded and validated. A MAC that does not hold is
:class:`PushMacError` (exit 6); bad bytes are typed decode errors (exit 5).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from ..bootstrap.io import load_message_bytes
from ..bootstrap.validate import Finding, validate_message
from ..errors import CardbootError, ExitCode, MessageError, UsageError
from ..secret import Secret
from . import sec as secm
from .sms import deliver_tpdu, reassemble, split_push, submit_tpdu
from .wsp import APP_SYNCML_DM, CP_WBXML, DM_WBXML, PushPdu, decode_push


class PushMacError(CardbootError):
    """The push's MAC does not hold for the given IMSI / PIN: a device would drop it."""

    exit_code = ExitCode.MISMATCH


@dataclass
class BuiltPush:
    pdu: bytes
    sec: int
    mac: str
    user_data: list[bytes]
    deliver: list[bytes]
    submit: list[bytes]
    mac_digits: str | None = None  # USERPINMAC: what the user types after the PIN
    notes: list[str] = field(default_factory=list)


def build_push(message: bytes, sec: int, *, imsi: str | None = None, pin: Secret | None = None,
               imsi_ascii: bool = False, destination: str = "+491720000001", tid: int = 0, reference: int = 0,
               content_type: int = DM_WBXML) -> BuiltPush:
    if not message:
        raise UsageError("the message is empty")
    key = secm.mac_key(sec, imsi, pin, imsi_ascii=imsi_ascii)
    mac = secm.mac_hex(key, message)
    pdu = PushPdu(content_type, message, tid, sec, mac,
                  APP_SYNCML_DM if content_type == DM_WBXML else None).encode()
    try:
        uds = split_push(pdu, reference)
        submit = [submit_tpdu(ud, destination, reference + i) for i, ud in enumerate(uds)]
    except ValueError as e:
        raise UsageError(str(e)) from None
    built = BuiltPush(pdu, sec, mac, uds, [deliver_tpdu(ud) for ud in uds], submit)
    if sec == secm.USERPINMAC:
        assert pin is not None
        built.mac_digits = secm.userpinmac_digits(pin, message)[len(pin.reveal()):]
    if imsi_ascii and sec in (secm.NETWPIN, secm.USERNETWPIN):
        built.notes.append("the key uses the IMSI as ASCII digits, not as semi-octets: only devices that do the "
                           "same accept this push")
    return built


@dataclass
class VerifiedPush:
    push: PushPdu
    segments: int
    duplicates: list[int]
    method: str
    findings: list[Finding]
    message_bytes: int
    kind: str  # "dm" | "cp"


def verify_push(tpdus: list[tuple[str, bytes]], *, imsi: str | None = None, pin: Secret | None = None,
                imsi_ascii: bool = False) -> VerifiedPush:
    joined = reassemble(tpdus)
    push = decode_push(joined.pdu)
    if push.content_type not in (DM_WBXML, CP_WBXML):
        raise MessageError(f"the push carries {push.content_type_name}, not a DM bootstrap or a CP document")
    if push.sec is None or push.mac is None:
        raise PushMacError("the push has no SEC / MAC: a device does not accept an unauthenticated bootstrap "
                           "(OMA DM Bootstrap 5.1.2.3: only from authorized servers)")
    key = secm.mac_key(push.sec, imsi, pin, imsi_ascii=imsi_ascii)
    expected = secm.mac_hex(key, push.body)
    if not hmac.compare_digest(expected, push.mac.upper()):
        what = {0: "IMSI", 1: "PIN", 2: "IMSI and PIN", 3: "PIN"}[push.sec]
        raise PushMacError(f"MAC ({secm.METHODS[push.sec]}) does not match the body for the {what} given: "
                           "the push was altered, or the key is not the one it was made with")
    kind = "dm" if push.content_type == DM_WBXML else "cp"
    findings: list[Finding] = []
    if kind == "dm":
        loaded = load_message_bytes(push.body, "pushed message")
        findings = validate_message(loaded.message, encoded=push.body)
    else:  # a CP document must decode; whether it maps to the DM tree is `message convert --from cp`'s to say
        from ..cp.wbxml import decode as decode_cp

        decode_cp(push.body, "pushed CP document")
    return VerifiedPush(push, joined.segments, joined.duplicates, secm.METHODS[push.sec], findings,
                        len(push.body), kind)
