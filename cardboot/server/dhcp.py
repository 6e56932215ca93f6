"""The SZTP redirect options of RFC 8572 section 8: OPTION_V4_SZTP_REDIRECT (143) and
OPTION_V6_SZTP_REDIRECT (136). Both carry a bootstrap-server-list of ``uri-length`` (2 octets,
big-endian) + URI entries (8.3); each URI MUST be ``https://<ip-address-or-hostname>[:<port>]``.
A DHCPv4 list longer than 255 octets is split into several instances of the option (RFC 3396), which a
decoder concatenates; DHCPv6 options carry a 2-octet length and are never split.
"""

from __future__ import annotations

import re

from ..errors import DecodeError, UsageError

OPTION_V4_SZTP_REDIRECT = 143
OPTION_V6_SZTP_REDIRECT = 136
_URI = re.compile(r"^https://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


def check_uri(uri: str) -> str:
    """RFC 8572 8.3: the https scheme and no path, query or fragment."""
    if not _URI.match(uri):
        raise UsageError(f"{uri!r} is not an RFC 8572 bootstrap server URI (https://<host>[:<port>], no path)")
    port = uri.rsplit(":", 1)[-1] if re.search(r":\d+$", uri) else None
    if port is not None and not 0 < int(port) < 65536:
        raise UsageError(f"{uri!r}: port {port} is out of range")
    return uri


def server_list(uris: list[str]) -> bytes:
    out = b""
    for uri in uris:
        raw = check_uri(uri).encode("ascii")
        out += len(raw).to_bytes(2, "big") + raw
    if not out:
        raise UsageError("at least one bootstrap server URI is needed")
    return out


def encode_v4(uris: list[str]) -> bytes:
    """One or more option-143 instances (code, 1-octet length, up to 255 octets each)."""
    data = server_list(uris)
    out = b""
    for i in range(0, len(data), 255):
        chunk = data[i : i + 255]
        out += bytes([OPTION_V4_SZTP_REDIRECT, len(chunk)]) + chunk
    return out


def encode_v6(uris: list[str]) -> bytes:
    data = server_list(uris)
    if len(data) > 0xFFFF:
        raise UsageError(f"the URI list of {len(data)} octets does not fit a DHCPv6 option")
    return OPTION_V6_SZTP_REDIRECT.to_bytes(2, "big") + len(data).to_bytes(2, "big") + data


def parse_list(data: bytes, what: str) -> list[str]:
    uris = []
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise DecodeError(what, "truncated uri-length", i)
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise DecodeError(what, f"uri-length {n} runs past the option's end", i)
        try:
            uris.append(data[i + 2 : i + 2 + n].decode("ascii"))
        except UnicodeDecodeError:
            raise DecodeError(what, "URI is not ASCII", i + 2) from None
        i += 2 + n
    return uris


def decode(data: bytes) -> tuple[str, list[str]]:
    """('v4' | 'v6', URIs) from option bytes: v4 instances concatenated per RFC 3396, or one v6 option."""
    if len(data) >= 4 and int.from_bytes(data[:2], "big") == OPTION_V6_SZTP_REDIRECT:
        n = int.from_bytes(data[2:4], "big")
        if len(data) != 4 + n:
            raise DecodeError("OPTION_V6_SZTP_REDIRECT", f"option-length {n} but {len(data) - 4} octets follow", 2)
        return "v6", parse_list(data[4:], "OPTION_V6_SZTP_REDIRECT")
    joined = b""
    i = 0
    while i < len(data):
        if data[i] != OPTION_V4_SZTP_REDIRECT:
            raise DecodeError("OPTION_V4_SZTP_REDIRECT", f"option code {data[i]} is neither 143 nor (v6) 136", i)
        if i + 2 > len(data) or i + 2 + data[i + 1] > len(data):
            raise DecodeError("OPTION_V4_SZTP_REDIRECT", "truncated option", i)
        joined += data[i + 2 : i + 2 + data[i + 1]]
        i += 2 + data[i + 1]
    if not joined:
        raise DecodeError("OPTION_V4_SZTP_REDIRECT", "no option data", 0)
    return "v4", parse_list(joined, "OPTION_V4_SZTP_REDIRECT")
