"""Read a bootstrap message from bytes or a file, whichever form it is in: WBXML (as stored in EF
DM_Bootstrap, possibly padded with FF) or XML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import MessageError
from ..wbxml import codec
from ..wbxml.element import Element
from ..infile import read_bounded
from .syncml import ElementBudget, Message, element_to_message


@dataclass
class LoadedMessage:
    message: Message
    root: Element
    wbxml: bytes | None  # the WBXML bytes (without padding) when the input was WBXML
    version: int | None


def load_message_bytes(data: bytes, where: str = "message") -> LoadedMessage:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<":
        from ..wbxml.xml import element_from_xml, parse_xml  # XML input only: WBXML needs none of it

        root = element_from_xml(parse_xml(data, where=where))
        return LoadedMessage(element_to_message(root), root, None, None)
    if not data or data[0] not in (0x01, 0x02, 0x03):
        if data and set(data) == {0xFF}:
            raise MessageError(f"{where}: empty (all bytes FF, D.4.3)")
        raise MessageError(f"{where}: neither WBXML 1.1-1.3 nor XML (first byte {data[:1].hex() or 'none'})")
    doc = codec.decode(data, where=where, trailing="padding")
    message = element_to_message(doc.root, ElementBudget(used=doc.elements))
    return LoadedMessage(message, doc.root, bytes(data[: doc.end]), doc.version)


MAX_MESSAGE_FILE = 1 << 20  # the WBXML and XML decoders' own limit


def load_message_file(path: str | Path) -> LoadedMessage:
    data = read_bounded(path, what="message", limit=MAX_MESSAGE_FILE)
    return load_message_bytes(data, str(path))
