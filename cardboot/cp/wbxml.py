"""Client Provisioning documents in WBXML 1.1-1.3 (WAP-192-WBXML; the provisioning code pages of
WAP-183-ProvCont 8 and OMA-WAP-ProvCont 1.1 8: tag page 0/1, attribute pages 0 and 1), public identifier
0x0B ("-//WAPFORUM//DTD PROV 1.0//EN").

Three tags — wap-provisioningdoc 05, characteristic 06, parm 07 — and everything else in attributes: an
attribute start token names the attribute and may carry its value (``name="NAPID"`` is one token, 0x11),
attribute value tokens (>= 0x80) stand for well-known values, inline strings and string-table references
for the rest. Page 1 holds the OMA APPLICATION vocabulary (type APPLICATION 0x55 there, NAPDEF on page 0).
The token numbers were cross-checked against libwbxml 0.11.8 (its PROV 1.1 tables); libwbxml's
xml2wbxml / wbxml2xml read and write the same documents (tests/interop/test_libwbxml_cp.py).
"""

from __future__ import annotations

from ..errors import DecodeError
from .document import PUBLIC_ID, FPI, Characteristic, CpDocument, CpError, from_xml

SWITCH_PAGE, END, ENTITY, STR_I, LITERAL = 0x00, 0x01, 0x02, 0x03, 0x04
STR_T, OPAQUE = 0x83, 0xC3
TAGS = {0x05: "wap-provisioningdoc", 0x06: "characteristic", 0x07: "parm"}
TAG_TOKENS = {name: tok for tok, name in TAGS.items()}
MAX_DEPTH = 32
MAX_ITEMS = 5000

_TYPES0 = ["PXLOGICAL", "PXPHYSICAL", "PORT", "VALIDITY", "NAPDEF", "BOOTSTRAP", "VENDORCONFIG", "CLIENTIDENTITY",
           "PXAUTHINFO", "NAPAUTHINFO", "ACCESS"]  # 0x51..0x5B
_NAMES0 = ["NAME", "NAP-ADDRESS", "NAP-ADDRTYPE", "CALLTYPE", "VALIDUNTIL", "AUTHTYPE", "AUTHNAME", "AUTHSECRET",
           "LINGER", "BEARER", "NAPID", "COUNTRY", "NETWORK", "INTERNET", "PROXY-ID", "PROXY-PROVIDER-ID", "DOMAIN",
           "PROVURL", "PXAUTH-TYPE", "PXAUTH-ID", "PXAUTH-PW", "STARTPAGE", "BASAUTH-ID", "BASAUTH-PW",
           "PUSHENABLED", "PXADDR", "PXADDRTYPE", "TO-NAPID", "PORTNBR", "SERVICE", "LINKSPEED", "DNLINKSPEED",
           "LOCAL-ADDR", "LOCAL-ADDRTYPE", "CONTEXT-ALLOW", "TRUST", "MASTER", "SID", "SOC", "WSP-VERSION",
           "PHYSICAL-PROXY-ID", "CLIENT-ID", "DELIVERY-ERR-SDU", "DELIVERY-ORDER", "TRAFFIC-CLASS", "MAX-SDU-SIZE",
           "MAX-BITRATE-UPLINK", "MAX-BITRATE-DNLINK", "RESIDUAL-BER", "SDU-ERROR-RATIO", "TRAFFIC-HANDL-PRIO",
           "TRANSFER-DELAY", "GUARANTEED-BITRATE-UPLINK", "GUARANTEED-BITRATE-DNLINK", "PXADDR-FQDN", "PROXY-PW",
           "PPGAUTH-TYPE"]  # 0x07..0x3F
_NAMES0_MORE = {0x47: "PULLENABLED", 0x48: "DNS-ADDR", 0x49: "MAX-NUM-RETRY", 0x4A: "FIRST-RETRY-TIMEOUT",
                0x4B: "REREG-THRESHOLD", 0x4C: "T-BIT", 0x4E: "AUTH-ENTITY", 0x4F: "SPI"}
_NAMES1 = {0x07: "NAME", 0x14: "INTERNET", 0x1C: "STARTPAGE", 0x22: "TO-NAPID", 0x23: "PORTNBR", 0x24: "SERVICE",
           0x2E: "AACCEPT", 0x2F: "AAUTHDATA", 0x30: "AAUTHLEVEL", 0x31: "AAUTHNAME", 0x32: "AAUTHSECRET",
           0x33: "AAUTHTYPE", 0x34: "ADDR", 0x35: "ADDRTYPE", 0x36: "APPID", 0x37: "APROTOCOL", 0x38: "PROVIDER-ID",
           0x39: "TO-PROXY", 0x3A: "URI", 0x3B: "RULE"}
_TYPES1 = {0x53: "PORT", 0x58: "CLIENTIDENTITY", 0x55: "APPLICATION", 0x56: "APPADDR", 0x57: "APPAUTH",
           0x59: "RESOURCE"}


def _attr_starts() -> dict[int, dict[int, tuple[str, str | None]]]:
    p0: dict[int, tuple[str, str | None]] = {0x45: ("version", None), 0x46: ("version", "1.0"), 0x50: ("type", None),
                                             0x05: ("name", None), 0x06: ("value", None)}
    p0.update({0x51 + i: ("type", t) for i, t in enumerate(_TYPES0)})
    p0.update({0x07 + i: ("name", n) for i, n in enumerate(_NAMES0)})
    p0.update({t: ("name", n) for t, n in _NAMES0_MORE.items()})
    p1: dict[int, tuple[str, str | None]] = {0x50: ("type", None), 0x05: ("name", None), 0x06: ("value", None)}
    p1.update({t: ("type", v) for t, v in _TYPES1.items()})
    p1.update({t: ("name", n) for t, n in _NAMES1.items()})
    return {0: p0, 1: p1}


_VALUES0 = {0x85: "IPV4", 0x86: "IPV6", 0x87: "E164", 0x88: "ALPHA", 0x89: "APN", 0x8A: "SCODE", 0x8B: "TETRA-ITSI",
            0x8C: "MAN", 0x90: "ANALOG-MODEM", 0x91: "V.120", 0x92: "V.110", 0x93: "X.31", 0x94: "BIT-TRANSPARENT",
            0x95: "DIRECT-ASYNCHRONOUS-DATA-SERVICE", 0x9A: "PAP", 0x9B: "CHAP", 0x9C: "HTTP-BASIC",
            0x9D: "HTTP-DIGEST", 0x9E: "WTLS-SS", 0x9F: "MD5", 0xC5: "AUTOBAUDING", 0xCA: "CL-WSP", 0xCB: "CO-WSP",
            0xCC: "CL-SEC-WSP", 0xCD: "CO-SEC-WSP", 0xCE: "CL-SEC-WTA", 0xCF: "CO-SEC-WTA", 0xD0: "OTA-HTTP-TO",
            0xD1: "OTA-HTTP-TLS-TO", 0xD2: "OTA-HTTP-PO", 0xD3: "OTA-HTTP-TLS-PO", 0xE0: "AAA", 0xE1: "HA"}
_BEARERS = ["GSM-USSD", "GSM-SMS", "ANSI-136-GUTS", "IS-95-CDMA-SMS", "IS-95-CDMA-CSD", "IS-95-CDMA-PACKET",
            "ANSI-136-CSD", "ANSI-136-GPRS", "GSM-CSD", "GSM-GPRS", "AMPS-CDPD", "PDC-CSD", "PDC-PACKET", "IDEN-SMS",
            "IDEN-CSD", "IDEN-PACKET", "FLEX/REFLEX", "PHS-SMS", "PHS-CSD", "TRETRA-SDS", "TRETRA-PACKET",
            "ANSI-136-GHOST", "MOBITEX-MPAK", "CDMA2000-1X-SIMPLE-IP", "CDMA2000-1X-MOBILE-IP"]  # 0xA2..0xBA
_VALUES0.update({0xA2 + i: b for i, b in enumerate(_BEARERS)})
_VALUES1 = {0x86: "IPV6", 0x87: "E164", 0x88: "ALPHA", 0x8D: "APPSRV", 0x8E: "OBEX", 0x90: ",", 0x91: "HTTP-",
            0x92: "BASIC", 0x93: "DIGEST"}  # 0x90..0x93: PROV 1.1 (AAUTHTYPE pieces)

ATTR_STARTS = _attr_starts()
ATTR_VALUES = {0: _VALUES0, 1: _VALUES1}
# encoding: (attribute, value-or-None) -> (page, token); page 0 preferred where both pages have it
_START_TOKEN: dict[tuple[str, str | None], tuple[int, int]] = {}
for _page in (1, 0):
    for _tok, _key in ATTR_STARTS[_page].items():
        _START_TOKEN[_key] = (_page, _tok)
_VALUE_TOKEN: dict[str, tuple[int, int]] = {}
for _page in (1, 0):
    for _tok, _val in ATTR_VALUES[_page].items():
        if len(_val) > 1:  # "," and word pieces only decode; whole values are what the encoder looks up
            _VALUE_TOKEN[_val] = (_page, _tok)
# the same, per page: what a token is called on the page the encoder stands on (no switch needed)
_START_ON_PAGE = {page: {key: tok for tok, key in starts.items()} for page, starts in ATTR_STARTS.items()}
_VALUE_ON_PAGE = {page: {val: tok for tok, val in values.items()} for page, values in ATTR_VALUES.items()}


# --- decoding ------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes, where: str):
        self.data, self.i, self.where = data, 0, where

    def fail(self, reason: str, at: int | None = None) -> CpError:
        return CpError(reason, self.i if at is None else at, self.where)

    def byte(self) -> int:
        if self.i >= len(self.data):
            raise self.fail("the document ends in the middle of a token")
        b = self.data[self.i]
        self.i += 1
        return b

    def mb(self) -> int:
        start, value = self.i, 0
        for _ in range(5):
            b = self.byte()
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                return value
        raise self.fail("mb_u_int32 longer than 5 octets", start)

    def cstr(self) -> str:
        j = self.data.find(b"\x00", self.i)
        if j < 0:
            raise self.fail("inline string without its terminating 00")
        raw, self.i = self.data[self.i:j], j + 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("inline string is not UTF-8", j - len(raw)) from None


def decode(data: bytes, where: str = "CP document") -> CpDocument:
    r = _Reader(data, where)
    version = r.byte()
    if version not in (0x01, 0x02, 0x03):
        raise r.fail(f"WBXML version byte {version:02X} (1.1-1.3 expected)", 0)
    pid = r.mb()
    fpi_index = r.mb() if pid == 0 else None
    charset = r.mb()
    if charset not in (106, 0):
        raise r.fail(f"charset MIBenum {charset} (UTF-8, 106, expected)")
    table_len = r.mb()
    if table_len > len(data) - r.i:
        raise r.fail(f"string table of {table_len} bytes runs past the document")
    table, r.i = data[r.i : r.i + table_len], r.i + table_len
    if fpi_index is not None and _table_string(table, fpi_index, r) != FPI:
        raise r.fail("the document's public identifier is not PROV 1.0")
    if pid not in (0, PUBLIC_ID, 0x01):
        raise r.fail(f"public identifier 0x{pid:02X} is not PROV 1.0 (0x0B)")
    items = [0]
    attr_page = [0]

    def attributes() -> dict[str, str]:
        out: dict[str, str] = {}
        current: list | None = None
        while True:
            at = r.i
            t = r.byte()
            if t == END:
                return out
            if t == SWITCH_PAGE:
                page = r.byte()
                if page not in ATTR_STARTS:
                    raise r.fail(f"attribute code page {page} does not exist in PROV", at)
                attr_page[0] = page
            elif t == STR_I:
                if current is None:
                    raise r.fail("attribute value before any attribute", at)
                current.append(r.cstr())
            elif t == STR_T:
                if current is None:
                    raise r.fail("attribute value before any attribute", at)
                current.append(_table_string(table, r.mb(), r))
            elif t == ENTITY:
                if current is None:
                    raise r.fail("attribute value before any attribute", at)
                current.append(chr(r.mb()))
            elif t == LITERAL:
                current = _start(out, _table_string(table, r.mb(), r), None)
            elif t >= 0x80:
                value = ATTR_VALUES[attr_page[0]].get(t)
                if value is None or current is None:
                    raise r.fail(f"unknown attribute value token {t:02X} on page {attr_page[0]}", at)
                current.append(value)
            else:
                start = ATTR_STARTS[attr_page[0]].get(t)
                if start is None:
                    raise r.fail(f"unknown attribute start token {t:02X} on page {attr_page[0]}", at)
                current = _start(out, *start)
            if current is not None:
                out[current[0]] = "".join(current[1:])

    def element(depth: int):
        at = r.i
        while True:
            t = r.byte()
            if t == SWITCH_PAGE:
                if r.byte() not in (0, 1):
                    raise r.fail("tag code page other than 0 and 1", at)
                at = r.i
                continue
            break
        items[0] += 1
        if items[0] > MAX_ITEMS or depth > MAX_DEPTH:
            raise r.fail(f"more than {MAX_ITEMS} elements or deeper than {MAX_DEPTH}", at)
        tag = TAGS.get(t & 0x3F)
        if tag is None:
            raise r.fail(f"token {t:02X} is no PROV tag", at)
        attrs = attributes() if t & 0x80 else {}
        children = []
        if t & 0x40:
            while True:
                if r.i >= len(data):
                    raise r.fail(f"{tag} is not closed")
                if data[r.i] == END:
                    r.i += 1
                    break
                if data[r.i] in (STR_I, STR_T, ENTITY, OPAQUE):
                    raise r.fail(f"text inside {tag}: PROV elements carry attributes only")
                children.append(element(depth + 1))
        return tag, attrs, children, at

    tag, attrs, children, at = element(0)
    if tag != "wap-provisioningdoc":
        raise r.fail(f"root element is {tag}, not wap-provisioningdoc", at)
    if r.i != len(data):
        raise r.fail(f"{len(data) - r.i} bytes after the root element")

    def characteristic(node) -> Characteristic:
        ctag, cattrs, cchildren, cat = node
        if ctag != "characteristic" or "type" not in cattrs:
            raise r.fail(f"{ctag} {'without a type' if ctag == 'characteristic' else 'where a characteristic belongs'}", cat)
        c = Characteristic(cattrs["type"])
        for child in cchildren:
            if child[0] == "parm":
                if "name" not in child[1]:
                    raise r.fail("parm without a name", child[3])
                c.parms.append((child[1]["name"], child[1].get("value")))
            else:
                c.children.append(characteristic(child))
        return c

    return CpDocument(attrs.get("version", "1.0"), [characteristic(c) for c in children])


def _start(out: dict, name: str, prefix: str | None) -> list:
    current = [name, prefix or ""]
    out[name] = prefix or ""
    return current


def _table_string(table: bytes, index: int, r: _Reader) -> str:
    if index >= len(table):
        raise r.fail(f"string table reference {index} past its {len(table)} bytes")
    j = table.find(b"\x00", index)
    if j < 0:
        raise r.fail(f"string table entry at {index} is not terminated")
    try:
        return table[index:j].decode("utf-8")
    except UnicodeDecodeError:
        raise r.fail(f"string table entry at {index} is not UTF-8") from None


def looks_like_cp(data: bytes) -> bool:
    """WBXML whose public identifier is PROV 1.0 (0x0B), as `message decode` tells a CP document."""
    return len(data) > 2 and data[0] in (0x01, 0x02, 0x03) and data[1] == PUBLIC_ID


def load_cp(data: bytes, where: str = "CP document") -> CpDocument | None:
    """A CP document from WBXML (public id 0x0B) or XML (root wap-provisioningdoc); None for anything else."""
    if looks_like_cp(data):
        return decode(data, where)
    if data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and b"wap-provisioningdoc" in data[:4096]:
        return from_xml(data, where)
    return None


# --- encoding ------------------------------------------------------------------------------------------


def _cstr(text: str) -> bytes:
    raw = text.encode("utf-8")
    if b"\x00" in raw:
        raise ValueError("a NUL character cannot travel in WBXML")
    return bytes([STR_I]) + raw + b"\x00"


def encode(doc: CpDocument, version: int = 0x03) -> bytes:
    """WBXML ``version`` (0x01-0x03), public id 0x0B, UTF-8, no string table."""
    out = bytearray([version, PUBLIC_ID, 0x6A, 0x00])
    page = [0]

    def to_page(p: int) -> None:
        if page[0] != p:
            out.extend((SWITCH_PAGE, p))
            page[0] = p

    def start(key: tuple[str, str | None]) -> None:
        """The attribute start token, on the current attribute page when it has one (no switch)."""
        here = _START_ON_PAGE[page[0]].get(key)
        if here is None:
            p, here = _START_TOKEN[key]
            to_page(p)
        out.append(here)

    def attribute(name: str, value: str | None) -> None:
        key = (name, value)
        if key in _START_TOKEN:
            start(key)
            return
        start((name, None))
        if value is None:
            return
        here = _VALUE_ON_PAGE[page[0]].get(value)
        if here is not None:  # a well-known value on the current attribute page
            out.append(here)
        elif value in _VALUE_TOKEN:
            vp, vt = _VALUE_TOKEN[value]
            to_page(vp)
            out.append(vt)
        else:
            out.extend(_cstr(value))

    def parm(name: str, value: str | None) -> None:
        out.append(0x80 | TAG_TOKENS["parm"])
        if ("name", name) in _START_TOKEN:
            attribute("name", name)
        else:
            start(("name", None))
            out.extend(_cstr(name))
        if value is not None:
            attribute("value", value)
        out.append(END)

    def characteristic(c: Characteristic) -> None:
        content = bool(c.parms or c.children)
        out.append(0x80 | (0x40 if content else 0) | TAG_TOKENS["characteristic"])
        if ("type", c.type) in _START_TOKEN:
            attribute("type", c.type)
        else:
            attribute("type", None)
            out.extend(_cstr(c.type))
        out.append(END)
        for name, value in c.parms:
            parm(name, value)
        for child in c.children:
            characteristic(child)
        if content:
            out.append(END)

    out.append(0x80 | 0x40 | TAG_TOKENS["wap-provisioningdoc"])
    attribute("version", doc.version)
    out.append(END)
    for c in doc.characteristics:
        characteristic(c)
    out.append(END)
    return bytes(out)


__all__ = ["decode", "encode", "looks_like_cp", "DecodeError"]
