"""Bootstrap server discovery (OMA DM Bootstrap Appendix E): the SRV records of
``_omadm-bootstrap._tcp.<domain>``, ordered as RFC 2782 says — lowest priority first; within one priority
a weighted random order (records of weight 0 first in the list, then repeatedly: a random number between
0 and the sum of the weights left, the first record whose running sum reaches it) — turned into the
bootstrap URLs a device tries in that order (``https://target:port/OMA/DM/Bootstrap.xml``, 5.5.7).

A single record with target "." says the service is not offered there (RFC 2782). Names are resolved with
dnspython; ``nameserver`` (``IP`` or ``IP:PORT``) points at a given server, as tests and labs need.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from ..errors import CardIOError, UsageError
from ..text import shown

SERVICE = "_omadm-bootstrap._tcp"
BOOTSTRAP_PATH = "/OMA/DM/Bootstrap.xml"


class DiscoveryError(CardIOError):
    """The DNS answer could not be had, or says there is no bootstrap server (exit 3)."""


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str

    @property
    def url(self) -> str:
        host = self.target.rstrip(".")
        return f"https://{host}{'' if self.port == 443 else f':{self.port}'}{BOOTSTRAP_PATH}"


def rfc2782_order(records: list[SrvRecord], rng: random.Random | None = None) -> list[SrvRecord]:
    rng = rng or random.Random()
    out: list[SrvRecord] = []
    for priority in sorted({r.priority for r in records}):
        group = [r for r in records if r.priority == priority]
        left = [r for r in group if r.weight == 0] + [r for r in group if r.weight != 0]
        while left:
            total = sum(r.weight for r in left)
            pick = rng.randint(0, total)
            running = 0
            for i, r in enumerate(left):
                running += r.weight
                if running >= pick:
                    out.append(left.pop(i))
                    break
    return out


def ip_and_port(spec: str, default_port: int, option: str) -> tuple[str, int]:
    """``IP``, ``IPv4:PORT``, ``IPv6`` or ``[IPv6]:PORT`` -> (address, port); anything else a UsageError
    naming ``option``."""
    import ipaddress

    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?|([0-9.]+)(?::(\d{1,5}))?|([0-9A-Fa-f:.]+)", spec.strip())
    if m is None:
        raise UsageError(f"{option} {shown(spec, 80)}: give an IP address, IPv4:PORT or [IPv6]:PORT")
    host = m.group(1) or m.group(3) or m.group(5)
    port = int(m.group(2) or m.group(4) or default_port)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise UsageError(f"{option} {shown(spec, 80)}: {shown(host, 60)} is not an IP address") from None
    if not 1 <= port <= 65535:
        raise UsageError(f"{option} {shown(spec, 80)}: port {port} is not 1..65535")
    return host, port


def nameserver_address(spec: str) -> tuple[str, int]:
    """A DNS server's ``--nameserver`` (port 53 unless given)."""
    return ip_and_port(spec, 53, "--nameserver")


def lookup(domain: str, nameserver: str | None = None, timeout: float = 5.0) -> list[SrvRecord]:
    import dns.exception
    import dns.rdatatype
    import dns.resolver

    name = domain.strip().rstrip(".")
    if not name or len(name) > 253 or any(not part or len(part) > 63 for part in name.split(".")):
        raise UsageError(f"{domain!r} is not a domain name")
    resolver = dns.resolver.Resolver(configure=nameserver is None)
    if nameserver:
        host, port = nameserver_address(nameserver)
        resolver.nameservers = [host]
        resolver.port = port
    resolver.lifetime = resolver.timeout = timeout
    qname = f"{SERVICE}.{name}."
    try:
        answer = resolver.resolve(qname, dns.rdatatype.SRV)
    except dns.resolver.NXDOMAIN:
        raise DiscoveryError(f"{qname}: no such name: no bootstrap server is announced for {name}") from None
    except dns.resolver.NoAnswer:
        raise DiscoveryError(f"{qname}: no SRV records: no bootstrap server is announced for {name}") from None
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as e:
        raise DiscoveryError(f"{qname}: the DNS server did not answer ({type(e).__name__})") from None
    except dns.exception.DNSException as e:
        raise DiscoveryError(f"{qname}: {e}") from None
    records = [SrvRecord(r.priority, r.weight, r.port, r.target.to_text()) for r in answer]
    if len(records) == 1 and records[0].target == ".":
        raise DiscoveryError(f"{qname}: the service is decidedly not offered (target \".\", RFC 2782)")
    return records


def discover(domain: str, nameserver: str | None = None, seed: int | None = None) -> list[SrvRecord]:
    """The records in the order a device tries them."""
    return rfc2782_order(lookup(domain, nameserver), random.Random(seed))
