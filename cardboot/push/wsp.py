"""The WSP Push PDU that carries a bootstrap over the air (WAP-230-WSP 8.2.4.1, 8.4; OMA DM Bootstrap 5.2):

    TID | 06 (Push) | uintvar headers length | content type | headers | body

The content type is the general form with its parameters (WSP 8.4.2.24): a value length, the media type
``application/vnd.syncml.dm+wbxml`` (well-known 0x42, sent ``C2``; Client Provisioning's
``application/vnd.wap.connectivity-wbxml`` is 0x36), then SEC (parameter 0x11, ``91`` + short integer
``80``..``83``) and MAC (0x12, ``92`` + 40 hex digits + ``00``). The header X-Wap-Application-Id (field
0x2F, ``AF``) names the push application: ``87`` = 0x07, ``x-wap-application:syncml.dm``.

Every malformed input is a :class:`WspError` naming the byte offset; lengths are bounded before use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DecodeError
from ..wbxml.codec import mb_u_int32

PUSH = 0x06
CONFIRMED_PUSH = 0x07
DM_WBXML = 0x42  # application/vnd.syncml.dm+wbxml
CP_WBXML = 0x36  # application/vnd.wap.connectivity-wbxml
CONTENT_TYPES = {DM_WBXML: "application/vnd.syncml.dm+wbxml", CP_WBXML: "application/vnd.wap.connectivity-wbxml",
                 0x44: "application/vnd.syncml.notification"}
PARAM_SEC, PARAM_MAC = 0x11, 0x12
X_WAP_APPLICATION_ID = 0x2F
APP_SYNCML_DM = 0x07
APP_IDS = {0x07: "x-wap-application:syncml.dm", 0x04: "x-wap-application:push.syncml", 0x08: "x-wap-application:wml.ua"}
MAX_HEADERS = 1024  # a push's headers are a few dozen bytes; anything larger is refused before it is read


class WspError(DecodeError):
    def __init__(self, reason: str, offset: int | None = None):
        super().__init__("WSP push PDU", reason, offset)


def uintvar(n: int) -> bytes:
    """WSP 8.1.2: 7 bits per octet, most significant first, b8 set on all but the last — the same
    encoding as WBXML's mb_u_int32."""
    return mb_u_int32(n)


def read_uintvar(data: bytes, i: int) -> tuple[int, int]:
    """(value, next offset). At most 5 octets (32 bits), as WSP 8.1.2 allows."""
    value = 0
    for k in range(5):
        if i + k >= len(data):
            raise WspError("uintvar runs past the end", i)
        b = data[i + k]
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            return value, i + k + 1
    raise WspError("uintvar longer than 5 octets", i)


def _value_length(n: int) -> bytes:
    return bytes([n]) if n <= 30 else b"\x1f" + uintvar(n)


@dataclass(frozen=True)
class PushPdu:
    content_type: int | str  # well-known code or the text
    body: bytes
    tid: int = 0
    sec: int | None = None  # 0 NETWPIN .. 3 USERPINMAC
    mac: str | None = None  # 40 upper-case hex digits (USERPINMAC: its decimal form is what the user types)
    app_id: int | str | None = APP_SYNCML_DM
    other_headers: tuple[tuple[int, bytes], ...] = field(default=())  # (field code, raw value) kept as is

    @property
    def content_type_name(self) -> str:
        return CONTENT_TYPES.get(self.content_type, f"0x{self.content_type:02X}") if isinstance(
            self.content_type, int) else self.content_type

    def encode(self) -> bytes:
        if isinstance(self.content_type, int):
            media = bytes([0x80 | self.content_type])
        else:
            media = self.content_type.encode("ascii") + b"\x00"
        params = b""
        if self.sec is not None:
            params += bytes([0x80 | PARAM_SEC, 0x80 | self.sec])
        if self.mac is not None:
            params += bytes([0x80 | PARAM_MAC]) + self.mac.encode("ascii") + b"\x00"
        ctype = media if not params and isinstance(self.content_type, int) else _value_length(len(media + params)) + media + params
        headers = b""
        if self.app_id is not None:
            value = bytes([0x80 | self.app_id]) if isinstance(self.app_id, int) else self.app_id.encode("ascii") + b"\x00"
            headers += bytes([0x80 | X_WAP_APPLICATION_ID]) + value
        for code, raw in self.other_headers:
            headers += bytes([0x80 | code]) + raw
        head = ctype + headers
        return bytes([self.tid, PUSH]) + uintvar(len(head)) + head + self.body


def _text(data: bytes, i: int, end: int, what: str) -> tuple[str, int]:
    j = data.find(b"\x00", i, end)
    if j < 0:
        raise WspError(f"{what}: text without its terminating 00", i)
    raw = data[i:j]
    if raw[:1] == b"\x7f":  # quote (WSP 8.4.2.1)
        raw = raw[1:]
    try:
        return raw.decode("ascii"), j + 1
    except UnicodeDecodeError:
        raise WspError(f"{what}: text is not ASCII", i) from None


def _skip_value(data: bytes, i: int, end: int) -> int:
    """Past one header value in the general encoding (WSP 8.4.1.2): short integer, value-length + data,
    or text up to 00."""
    if i >= end:
        raise WspError("header without a value", i)
    b = data[i]
    if b & 0x80:
        return i + 1
    if b <= 30:
        nxt = i + 1 + b
    elif b == 31:
        n, j = read_uintvar(data, i + 1)
        nxt = j + n
    else:
        return _text(data, i, end, "header value")[1]
    if nxt > end:
        raise WspError("header value runs past the headers", i)
    return nxt


def _content_type(data: bytes, i: int, end: int):
    """(content type, sec, mac, next offset)."""
    b = data[i]
    if b & 0x80:
        code = b & 0x7F
        if code not in CONTENT_TYPES:
            raise WspError(f"unknown well-known content type 0x{code:02X}", i)
        return code, None, None, i + 1
    if b >= 0x20:
        text, nxt = _text(data, i, end, "content type")
        return text, None, None, nxt
    if b == 31:
        n, j = read_uintvar(data, i + 1)
    else:
        n, j = b, i + 1
    stop = j + n
    if stop > end:
        raise WspError(f"content type of {n} bytes runs past the headers", i)
    m = data[j]
    if m & 0x80:
        ctype: int | str = m & 0x7F
        if ctype not in CONTENT_TYPES:
            raise WspError(f"unknown well-known content type 0x{m & 0x7F:02X}", j)
        k = j + 1
    elif m < 0x20:
        raise WspError("a long-integer media type is not used by push", j)
    else:
        ctype, k = _text(data, j, stop, "media type")
    sec = mac = None
    while k < stop:
        p = data[k]
        if p == 0x80 | PARAM_SEC:
            if k + 1 >= stop or not data[k + 1] & 0x80:
                raise WspError("SEC parameter without a short-integer value", k)
            sec = data[k + 1] & 0x7F
            if sec > 3:
                raise WspError(f"SEC value {sec} is none of NETWPIN, USERPIN, USERNETWPIN, USERPINMAC", k + 1)
            k += 2
        elif p == 0x80 | PARAM_MAC:
            mac, k = _text(data, k + 1, stop, "MAC parameter")
        elif p & 0x80:
            raise WspError(f"unknown well-known parameter 0x{p & 0x7F:02X}", k)
        else:
            _name, k = _text(data, k, stop, "parameter name")  # untyped parameter: name, then its value
            k = _skip_value(data, k, stop)
    return ctype, sec, mac, stop


def decode_push(pdu: bytes) -> PushPdu:
    if len(pdu) < 4:
        raise WspError(f"{len(pdu)} bytes: too short for a push PDU", 0)
    tid, kind = pdu[0], pdu[1]
    if kind not in (PUSH, CONFIRMED_PUSH):
        raise WspError(f"PDU type 0x{kind:02X} is not Push (06)", 1)
    hlen, i = read_uintvar(pdu, 2)
    if hlen > MAX_HEADERS:
        raise WspError(f"headers of {hlen} bytes (more than {MAX_HEADERS})", 2)
    end = i + hlen
    if end > len(pdu) or hlen == 0:
        raise WspError(f"headers length {hlen} does not fit the {len(pdu)}-byte PDU", 2)
    ctype, sec, mac, i = _content_type(pdu, i, end)
    app_id: int | str | None = None
    others = []
    while i < end:
        f = pdu[i]
        if f == 0x80 | X_WAP_APPLICATION_ID:
            v = pdu[i + 1] if i + 1 < end else None
            if v is None:
                raise WspError("X-Wap-Application-Id without a value", i)
            if v & 0x80:
                app_id, i = v & 0x7F, i + 2
            else:
                app_id, i = _text(pdu, i + 1, end, "X-Wap-Application-Id")
        elif f & 0x80:
            nxt = _skip_value(pdu, i + 1, end)
            others.append((f & 0x7F, bytes(pdu[i + 1 : nxt])))
            i = nxt
        else:
            _name, k = _text(pdu, i, end, "header name")  # application header: name and text value
            i = _skip_value(pdu, k, end)
    return PushPdu(ctype, bytes(pdu[end:]), tid, sec, mac, app_id, tuple(others))
