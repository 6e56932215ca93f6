"""WBXML 1.1 / 1.2 / 1.3 encoder and decoder (WAP-192-WBXML-20010725-a, OMA-WBXML-1.3), for SyncML DM and
TNDS documents.

Covered: the header (version, public identifier as a number or as a string-table reference, charset,
string table), mb_u_int32, SWITCH_PAGE, END, ENTITY, STR_I, STR_T, OPAQUE, LITERAL / LITERAL_C (tag names
from the string table) and tags with or without content. SyncML and TNDS use no attributes, so tags
with attributes, LITERAL_A/AC, EXT_* and PI are refused with a typed error, as is anything malformed. The
decoder is iterative (no recursion), linear in the input, and bounded in depth, size and element count.

Why hand-written: no maintained Python package decodes WBXML with the SyncML/DM DDF code pages; libwbxml
(C) is used as the independent cross-check in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import WbxmlError
from .element import Element
from .tables import SYNCML12, CodePage, Language, language_by_fpi, language_by_public_id, language_for_root

SWITCH_PAGE, END, ENTITY, STR_I, LITERAL = 0x00, 0x01, 0x02, 0x03, 0x04
EXT_I = (0x40, 0x41, 0x42)
PI = 0x43
LITERAL_C = 0x44
EXT_T = (0x80, 0x81, 0x82)
STR_T = 0x83
LITERAL_A = 0x84
EXT = (0xC0, 0xC1, 0xC2)
OPAQUE = 0xC3
LITERAL_AC = 0xC4

VERSIONS = {0x01: "1.1", 0x02: "1.2", 0x03: "1.3"}
CHARSETS = {106: "utf-8", 4: "iso-8859-1", 3: "us-ascii"}  # IANA MIBenum
UTF8 = 106

MAX_DEPTH = 64
MAX_SIZE = 1 << 20
MAX_ELEMENTS = 200_000


@dataclass
class Document:
    root: Element
    version: int = 0x02
    language: Language = SYNCML12
    charset: int = UTF8
    end: int = 0  # offset just after the root element's last byte
    elements: int = 0  # how many elements the document holds (for a budget across embedded documents)


# --- decoding ------------------------------------------------------------------------------------------

_TAG_TABLES: dict[int, list] = {}


def _tag_table(page: CodePage) -> list:
    """256 entries: the tag name for each byte that is a known tag token without attributes, else None."""
    key = id(page)
    table = _TAG_TABLES.get(key)
    if table is None:
        table = [None] * 256
        for token, name in page.tags.items():
            table[token] = name
            table[token | 0x40] = name
        _TAG_TABLES[key] = table
    return table


class _Reader:
    __slots__ = ("data", "pos", "where")

    def __init__(self, data: bytes, where: str):
        self.data = data
        self.pos = 0
        self.where = where

    def fail(self, reason: str, offset: int | None = None) -> WbxmlError:
        return WbxmlError("WBXML", reason, self.pos if offset is None else offset, self.where)

    def byte(self, what: str) -> int:
        if self.pos >= len(self.data):
            raise self.fail(f"truncated: {what} missing")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def mb(self, what: str) -> int:
        """mb_u_int32: 7 bits per byte, high bit set on all but the last, at most 5 bytes (32 bits)."""
        start = self.pos
        value = 0
        data = self.data
        for _ in range(5):
            if self.pos >= len(data):
                raise self.fail(f"truncated mb_u_int32 ({what})", start)
            b = data[self.pos]
            self.pos += 1
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                if value > 0xFFFFFFFF:
                    raise self.fail(f"mb_u_int32 ({what}) exceeds 32 bits", start)
                return value
        raise self.fail(f"mb_u_int32 ({what}) longer than 5 bytes", start)

    def take(self, n: int, what: str) -> bytes:
        if n > len(self.data) - self.pos:
            raise self.fail(f"truncated: {what} announces {n} bytes, {len(self.data) - self.pos} remain")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return bytes(out)


def _table_string(table: bytes, index: int, encoding: str, reader: _Reader, at: int) -> str:
    if index >= len(table):
        raise reader.fail(f"string table reference {index} outside the table ({len(table)} bytes)", at)
    end = table.find(b"\x00", index)
    if end < 0:
        raise reader.fail(f"string table entry at {index} is not terminated", at)
    try:
        return table[index:end].decode(encoding)
    except UnicodeDecodeError:
        raise reader.fail(f"string table entry at {index} is not valid {encoding}", at) from None


def decode(data: bytes, *, where: str = "", trailing: str = "error", max_depth: int = MAX_DEPTH,
           max_size: int = MAX_SIZE, max_elements: int = MAX_ELEMENTS, language: Language | None = None) -> Document:
    """Decode a WBXML document. ``trailing``: 'error' (strict), 'padding' (only 00/FF may follow the root,
    as in an EF padded with FF) or 'ignore'. Raises :class:`WbxmlError` naming the byte offset."""
    if len(data) > max_size:
        raise WbxmlError("WBXML", f"document of {len(data)} bytes exceeds the {max_size}-byte limit", 0, where)
    r = _Reader(data, where)
    version = r.byte("version")
    if version not in VERSIONS:
        raise r.fail(f"WBXML version byte {version:02X} is not 1.1, 1.2 or 1.3", 0)
    pid_at = r.pos
    public_id = r.mb("public identifier")
    fpi_index = r.mb("public identifier string index") if public_id == 0 else None
    charset = r.mb("charset")
    encoding = CHARSETS.get(charset)
    if encoding is None:
        raise r.fail(f"charset {charset} is not supported (UTF-8, ISO-8859-1, US-ASCII)")
    table_len = r.mb("string table length")
    table = r.take(table_len, "string table")
    if fpi_index is not None:
        fpi = _table_string(table, fpi_index, encoding, r, pid_at)
        lang = language_by_fpi(fpi)
        if lang is None and language is None:
            raise r.fail(f"unknown public identifier {fpi!r}", pid_at)
    else:
        lang = language_by_public_id(public_id)
        if lang is None and language is None:
            raise r.fail(f"unknown public identifier {public_id:#x}", pid_at)
    lang = language or lang
    assert lang is not None

    page: CodePage = lang.pages[0]
    tags, ns = _tag_table(page), page.namespace
    stack: list[Element] = []
    root: Element | None = None
    count = 0
    buf = r.data
    n = len(buf)
    pos = r.pos
    find = buf.find
    append = None  # the open element's children.append
    try:
        while pos < n:
            tok = buf[pos]
            pos += 1
            name = tags[tok]
            if name is not None:  # the common case: a known tag without attributes
                element = Element(name, ns)
                count += 1
                if count > max_elements:
                    r.pos = pos - 1
                    raise r.fail(f"more than {max_elements} elements")
                if append is not None:
                    append(element)
                elif root is None:
                    root = element
                else:
                    r.pos = pos - 1
                    raise r.fail("a second root element")
                if tok & 0x40:
                    stack.append(element)
                    append = element.children.append
                    if len(stack) > max_depth:
                        r.pos = pos - 1
                        raise r.fail(f"nesting deeper than {max_depth}")
                elif append is None:
                    break
                continue
            if tok == STR_I:
                if append is None:
                    r.pos = pos - 1
                    raise r.fail("content token 03 outside the root element")
                end = find(b"\x00", pos)
                if end < 0:
                    r.pos = pos - 1
                    raise r.fail("truncated: inline string (STR_I) not terminated")
                try:
                    append(buf[pos:end].decode(encoding))
                except UnicodeDecodeError as e:
                    raise r.fail(f"inline string is not valid {encoding} ({e.reason})", pos + e.start) from None
                pos = end + 1
                continue
            if tok == END:
                if not stack:
                    r.pos = pos - 1
                    raise r.fail("END without an open element")
                stack.pop()
                if not stack:
                    break
                append = stack[-1].children.append
                continue
            r.pos = pos
            at = pos - 1
            if tok == SWITCH_PAGE:
                number = r.byte("code page number")
                found = lang.page(number)
                if found is None:
                    raise r.fail(f"unknown code page {number} for {lang.name}", at)
                page = found
                tags, ns = _tag_table(page), page.namespace
            elif tok in (ENTITY, STR_T, OPAQUE):
                if not stack:
                    raise r.fail(f"content token {tok:02X} outside the root element", at)
                parent = stack[-1]
                if tok == STR_T:
                    parent.children.append(_table_string(table, r.mb("string table reference"), encoding, r, at))
                elif tok == OPAQUE:
                    parent.children.append(r.take(r.mb("opaque length"), "opaque data"))
                else:
                    code = r.mb("entity")
                    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                        raise r.fail(f"entity {code:#x} is not a character", at)
                    parent.children.append(chr(code))
            elif tok in (LITERAL, LITERAL_C):
                element = Element(_table_string(table, r.mb("literal tag name"), encoding, r, at), ns)
                count += 1
                if count > max_elements:
                    raise r.fail(f"more than {max_elements} elements", at)
                if stack:
                    stack[-1].children.append(element)
                elif root is None:
                    root = element
                else:
                    raise r.fail("a second root element", at)
                if tok == LITERAL_C:
                    if len(stack) >= max_depth:
                        raise r.fail(f"nesting deeper than {max_depth}", at)
                    stack.append(element)
                    append = element.children.append
                elif not stack:
                    pos = r.pos
                    break
            elif tok in (PI, LITERAL_A, LITERAL_AC) or tok in EXT_I or tok in EXT_T or tok in EXT:
                raise r.fail(f"token {tok:02X} (PI, extension or attributes) is not used by SyncML/TNDS", at)
            elif tok & 0x80:
                raise r.fail(f"tag {tok:02X} has attributes, which SyncML/TNDS do not use", at)
            else:
                raise r.fail(f"unknown tag token {tok & 0x3F:02X} on code page {page.number} ({page.namespace})", at)
            pos = r.pos
    finally:
        r.pos = max(r.pos, pos) if pos <= n else n
    r.pos = pos
    if root is None:
        raise r.fail("no root element")
    if stack:
        raise r.fail(f"truncated: {len(stack)} element(s) not closed ({stack[-1].tag})")
    end = r.pos
    if end < n and trailing != "ignore":
        rest = buf[end:]
        if trailing == "error" or rest.strip(b"\x00\xff"):
            raise r.fail(f"{n - end} bytes after the root element", end)
    return Document(root, version, lang, charset, end, count)


# --- encoding ------------------------------------------------------------------------------------------

def mb_u_int32(value: int) -> bytes:
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{value} does not fit mb_u_int32")
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _strings(root: Element, opaque_tags: frozenset[str]):
    stack = [root]
    while stack:
        e = stack.pop()
        for c in e.children:
            if isinstance(c, Element):
                stack.append(c)
            elif isinstance(c, str) and e.tag not in opaque_tags:
                yield c


def encode(doc: Document | Element, *, version: int | None = None, language: Language | None = None,
           string_table: bool = False, opaque_tags: frozenset[str] = frozenset({"Data"}),
           min_table_string: int = 4) -> bytes:
    """Encode a document. ``opaque_tags``: elements whose text is written as OPAQUE (libwbxml does this
    for SyncML ``Data``); ``string_table``: strings used twice or more go to the string table (STR_T)."""
    if isinstance(doc, Element):
        root = doc
        lang = language or language_for_root(root.namespace, root.tag)
        ver = version or 0x02
    else:
        root = doc.root
        lang = language or doc.language
        ver = version or doc.version
    if lang is None:
        raise WbxmlError("WBXML", f"no WBXML language for root <{root.tag}> in {root.namespace!r}", None)
    if ver not in VERSIONS:
        raise WbxmlError("WBXML", f"version {ver:#x} is not 1.1, 1.2 or 1.3", None)

    table = bytearray()
    offsets: dict[str, int] = {}

    def add_to_table(s: str) -> int:
        if s not in offsets:
            offsets[s] = len(table)
            table.extend(s.encode("utf-8") + b"\x00")
        return offsets[s]

    if lang.public_id is None:
        add_to_table(lang.fpi)
    if string_table:
        seen: dict[str, int] = {}
        for s in _strings(root, opaque_tags):
            if len(s) >= min_table_string:
                seen[s] = seen.get(s, 0) + 1
        for s, k in seen.items():
            if k > 1:
                add_to_table(s)

    out = bytearray([ver])
    if lang.public_id is None:
        out += b"\x00" + mb_u_int32(offsets[lang.fpi])
    else:
        out += mb_u_int32(lang.public_id)
    out += mb_u_int32(UTF8) + mb_u_int32(len(table)) + table

    pages = {p.namespace: p for p in lang.pages}
    state = [0]  # the current code page
    _encode_element(root, out, pages, lang, opaque_tags, offsets, state, 0)
    return bytes(out)


def _encode_element(e: Element, out: bytearray, pages: dict, lang: Language, opaque_tags, offsets, state,
                    depth: int) -> None:
    if depth > MAX_DEPTH:
        raise WbxmlError("WBXML", f"element tree deeper than {MAX_DEPTH}", None)
    page = pages.get(e.namespace)
    if page is None:
        raise WbxmlError("WBXML", f"namespace {e.namespace!r} of <{e.tag}> has no code page in {lang.name}", None)
    token = page.tokens.get(e.tag)
    if token is None:
        raise WbxmlError("WBXML", f"<{e.tag}> has no token on code page {page.number} ({page.namespace})", None)
    if page.number != state[0]:
        out += bytes((SWITCH_PAGE, page.number))
        state[0] = page.number
    children = e.children
    if not children:
        out.append(token)
        return
    out.append(token | 0x40)
    opaque = e.tag in opaque_tags
    for c in children:
        if c.__class__ is Element:
            _encode_element(c, out, pages, lang, opaque_tags, offsets, state, depth + 1)
        elif c.__class__ is str and not opaque and c not in offsets and "\x00" not in c:
            out.append(STR_I)
            out += c.encode("utf-8")
            out.append(0)
        else:
            _write_text(out, c, opaque, offsets)
    out.append(END)


def _write_text(out: bytearray, c, opaque: bool, offsets: dict[str, int]) -> None:
    if isinstance(c, bytes):
        out.append(OPAQUE)
        out += mb_u_int32(len(c)) + c
        return
    if not isinstance(c, str):
        raise WbxmlError("WBXML", f"cannot encode a {type(c).__name__} child", None)
    raw = c.encode("utf-8")
    if opaque:
        out.append(OPAQUE)
        out += mb_u_int32(len(raw)) + raw
        return
    if "\x00" in c:
        raise WbxmlError("WBXML", "text contains a NUL character, which STR_I cannot carry", None)
    ref = offsets.get(c)
    if ref is not None:
        out.append(STR_T)
        out += mb_u_int32(ref)
    else:
        out.append(STR_I)
        out += raw + b"\x00"
