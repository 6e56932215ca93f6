"""OMA DM Bootstrap Appendix E: a device finds its DM Bootstrap Server by the DNS SRV record
``_omadm-bootstrap._tcp.<domain>`` (RFC 2782), after learning its domain from DHCP."""

from __future__ import annotations

import re

from ..errors import UsageError

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _fqdn(name: str, what: str) -> str:
    n = name.rstrip(".")
    if not n or len(n) > 253 or not all(_LABEL.match(p) for p in n.split(".")):
        raise UsageError(f"{what} {name!r} is not a valid domain name")
    return n + "."


def srv_record(domain: str, target: str, port: int = 443, priority: int = 0, weight: int = 0,
               ttl: int = 3600) -> str:
    """The zone-file line: ``_omadm-bootstrap._tcp.example.com. 3600 IN SRV 0 0 443 boot.example.com.``"""
    if not 0 < port < 65536 or not 0 <= priority < 65536 or not 0 <= weight < 65536:
        raise UsageError("port, priority and weight must be 16-bit numbers (port not 0)")
    return (f"_omadm-bootstrap._tcp.{_fqdn(domain, 'domain')} {ttl} IN SRV {priority} {weight} {port} "
            f"{_fqdn(target, 'target')}")
