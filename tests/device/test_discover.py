"""Discovery as Appendix E says: SRV records of _omadm-bootstrap._tcp.<domain> from a DNS server the test
starts on loopback (answers built with dnspython's message API), ordered as RFC 2782 says: priority
first, weight 0 first within a priority, otherwise chosen in proportion to the weights."""

from __future__ import annotations

import random
import socket
import threading
from collections import Counter

import dns.message
import dns.rcode
import dns.rrset
import pytest

from cardboot.device.discover import DiscoveryError, SrvRecord, discover, rfc2782_order
from tests.helpers import cli

ZONE = {
    "_omadm-bootstrap._tcp.example.com.": ["10 60 443 boot-a.example.com.", "10 20 8443 boot-b.example.com.",
                                          "5 0 443 primary.example.com.", "20 0 443 last.example.com."],
    "_omadm-bootstrap._tcp.off.example.": ["0 0 0 ."],
}


@pytest.fixture
def dns_server():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except socket.timeout:
                continue
            query = dns.message.from_wire(wire)
            reply = dns.message.make_response(query)
            name = query.question[0].name.to_text()
            if name in ZONE:
                reply.answer.append(dns.rrset.from_text(name, 60, "IN", "SRV", *ZONE[name]))
            else:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(reply.to_wire(), peer)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    t.join(2)
    sock.close()


def test_priority_order_and_urls(dns_server):
    records = discover("example.com", dns_server, seed=1)
    assert [r.priority for r in records] == [5, 10, 10, 20]
    assert records[0].url == "https://primary.example.com/OMA/DM/Bootstrap.xml"
    assert {r.url for r in records[1:3]} == {"https://boot-a.example.com/OMA/DM/Bootstrap.xml",
                                            "https://boot-b.example.com:8443/OMA/DM/Bootstrap.xml"}


def test_no_records_and_not_offered(dns_server):
    with pytest.raises(DiscoveryError, match="no such name"):
        discover("nothing.example", dns_server)
    with pytest.raises(DiscoveryError, match="decidedly not offered"):
        discover("off.example", dns_server)


def test_cli(dns_server):
    r = cli("device", "discover", "example.com", "--nameserver", dns_server, "--seed", "3")
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith("1. https://primary.example.com/")
    option = cli("dhcp", "encode", "--v4", "https://boot.example.com:8443", "https://b2.example.com").stdout.strip()
    r = cli("device", "discover", "--dhcp", option)  # the RFC 8572 redirect path: `dhcp encode` output fed in
    assert r.returncode == 0 and r.stdout.splitlines() == ["1. https://boot.example.com:8443  (v4)",
                                                           "2. https://b2.example.com  (v4)"]
    r = cli("device", "discover", "--dhcp", "00FF")
    assert r.returncode == 5 and "Traceback" not in r.stderr


def test_rfc2782_weights():
    group = [SrvRecord(1, 3, 443, "a."), SrvRecord(1, 1, 443, "b."), SrvRecord(1, 0, 443, "z.")]
    firsts = Counter(rfc2782_order(group, random.Random(seed))[0].target for seed in range(4000))
    # weight 0 sits first in the list and is picked only when the random number is 0 (1 in 5 here)
    assert 0.15 < firsts["z."] / 4000 < 0.25
    ratio = firsts["a."] / firsts["b."]
    assert 2.5 < ratio < 3.6  # 3:1, as the weights say
    for seed in range(50):
        order = rfc2782_order([SrvRecord(2, 5, 1, "x."), SrvRecord(1, 0, 1, "y."), SrvRecord(3, 9, 1, "w.")],
                              random.Random(seed))
        assert [r.priority for r in order] == [1, 2, 3]
