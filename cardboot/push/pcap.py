"""The push as a capture file Wireshark and tshark open: each WSP PDU as WDP over UDP/IPv4 (WAP WDP: the
connectionless push port 2948, from the WSP connectionless port 9200), libpcap format, link type 101
(raw IP). An independent decoder then shows the PDU type, the content type with SEC and MAC, the
X-Wap-Application-Id and the WBXML body."""

from __future__ import annotations

import struct

from .sms import WAP_PUSH_PORT, WAP_SOURCE_PORT

LINKTYPE_RAW = 101


def _checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_packet(payload: bytes, src: str = "10.0.0.1", dst: str = "10.0.0.2") -> bytes:
    udp = struct.pack("!HHHH", WAP_SOURCE_PORT, WAP_PUSH_PORT, 8 + len(payload), 0) + payload  # checksum 0: none
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     bytes(int(x) for x in src.split(".")), bytes(int(x) for x in dst.split(".")))
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return ip + udp


def pcap(pdus: list[bytes], when: int = 1796083200) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_RAW)
    for n, pdu in enumerate(pdus):
        pkt = udp_packet(pdu)
        out += struct.pack("<IIII", when + n, 0, len(pkt), len(pkt)) + pkt
    return out
