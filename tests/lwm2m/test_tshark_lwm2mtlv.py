"""Wireshark's lwm2mtlv dissector — a decoder we did not write — reads the TLV cardboot builds for each
object of the shipped template as we do: carried in a CoAP PUT to /<object> with Content-Format 11542
(application/vnd.oma.lwm2m+tlv), every object instance, resource and value tshark shows is the one ours has."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from cardboot.lwm2m import tlv
from cardboot.lwm2m.bootstrap import instance_tlv
from cardboot.lwm2m.template import load

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is installed by scripts/install.sh")


def coap_put(object_id: int, payload: bytes, message_id: int) -> bytes:
    path = str(object_id).encode()
    options = bytes([0xB0 | len(path)]) + path  # Uri-Path (11)
    options += bytes([0x12]) + struct.pack("!H", 11542)  # Content-Format (12): application/vnd.oma.lwm2m+tlv
    return bytes([0x40, 0x03]) + struct.pack("!H", message_id) + options + b"\xff" + payload


def pcap(datagrams: list[bytes]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)  # LINKTYPE_RAW (IPv4)
    for n, payload in enumerate(datagrams):
        udp = struct.pack("!HHHH", 40000, 5683, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        total = sum(struct.unpack("!10H", ip))
        while total >> 16:
            total = (total & 0xFFFF) + (total >> 16)
        ip = ip[:10] + struct.pack("!H", ~total & 0xFFFF) + ip[12:]
        out += struct.pack("<IIII", 1796083200 + n, 0, len(ip + udp), len(ip + udp)) + ip + udp
    return out


def _leaves(proto) -> list[tuple[int, bytes]]:
    """(identifier, value bytes) of every value tshark shows in one packet's lwm2mtlv tree (PDML: every
    field in order, where JSON output would fold repeated names into one)."""
    found = []
    for value in proto.iter("field"):
        if value.get("name") != "lwm2mtlv.value":
            continue
        ident = value.getparent().find("field[@name='lwm2mtlv.header']/field[@name='lwm2mtlv.identifier']")
        found.append((int(ident.get("show")), bytes.fromhex(value.get("value"))))
    return found


def test_tshark_reads_our_tlv_as_we_do(tmp_path):
    boot = load("lwm2m-bootstrap", "profiles/vars/lwm2m-example.toml")
    datagrams, expected = [], []
    for n, obj in enumerate(boot.objects):
        payload = tlv.encode([instance_tlv(obj.object_id, i) for i in obj.instances])
        datagrams.append(coap_put(obj.object_id, payload, n + 1))
        leaves = []
        for inst in obj.instances:
            for entry in instance_tlv(obj.object_id, inst).children:
                leaves += [(c.ident, c.value) for c in entry.children] if entry.container else [(entry.ident, entry.value)]
        expected.append(leaves)
    (tmp_path / "lwm2m.pcap").write_bytes(pcap(datagrams))
    done = subprocess.run(["tshark", "-r", str(tmp_path / "lwm2m.pcap"), "-d", "udp.port==5683,coap", "-T", "pdml"],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from lxml import etree

    packets = etree.fromstring(done.stdout, etree.XMLParser(resolve_entities=False, no_network=True)).findall("packet")
    assert len(packets) == len(boot.objects)
    names = set()
    for packet, leaves, obj in zip(packets, expected, boot.objects):
        proto = packet.find("proto[@name='lwm2mtlv']")
        assert proto is not None, f"tshark did not dissect object {obj.object_id} as LwM2M TLV"
        assert _leaves(proto) == leaves
        names |= {f.get("show") for f in proto.iter("field") if f.get("name") == "lwm2mtlv.resource_name"}
    # tshark names the resources from its own tables of the Security and Server objects
    assert {"Bootstrap-Server", "Security Mode", "Secret Key", "Short Server ID", "Lifetime", "Binding"} <= names, names
