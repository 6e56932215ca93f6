"""The command table: which module defines each top-level command, and its one-line help. ``main`` loads
only the chosen command's module (a card command does not import the server, TUI or batch stacks)."""

from __future__ import annotations

# command -> (module in cardboot.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "inspect": ("inspect_cmd", "show what is on a card (default: the built-in virtual UICC)"),
    "readers": ("provision_cmd", "list PC/SC readers, whether a card is in each, and its ATR"),
    "read": ("provision_cmd", "read the stored bootstrap message (trimmed at its end)"),
    "write": ("provision_cmd", "write a bootstrap message, read it back and compare"),
    "verify": ("provision_cmd", "compare the card's message with a file, byte-wise and semantically"),
    "erase": ("provision_cmd", "reset EF DM_Bootstrap to all FF (D.4.3), verified"),
    "pkcs15": ("pkcs15_cmd", "lay out a card's PKCS#15 application from a layout (TS 102 222 CREATE FILE)"),
    "dump": ("dump_cmd", "read all a card shows (no secrets) into a vsim layout: its virtual twin"),
    "diff": ("dump_cmd", "compare two cards or dumps file by file (content, size, access rules)"),
    "push": ("push_cmd", "the bootstrap pushed by SMS: WAP Push with SEC/MAC (build, verify)"),
    "device": ("device_cmd", "the device's side: discover bootstrap servers, fetch a bootstrap as a device does"),
    "conformance": ("conformance_cmd", "OMA DM Bootstrap Appendix B items a message, a card or a server shows"),
    "bench": ("bench_cmd", "benchmarks: APDU counts, codec, PC/SC round trips, batch, server"),
    "message": ("message_cmd", "build, decode, validate and diff bootstrap messages"),
    "lwm2m": ("lwm2m_cmd", "the LwM2M bootstrap for the smartcard (LwM2M Core Appendix G): build, decode, validate"),
    "batch": ("batch_cmd", "personalize a CSV of cards through many readers"),
    "dhcp": ("discovery_cmd", "RFC 8572 SZTP redirect options (DHCPv4 143, DHCPv6 136)"),
    "dns": ("discovery_cmd", "DNS data for bootstrap server discovery (OMA DM Bootstrap Appendix E)"),
    "server": ("server_cmd", "bootstrap server: HTTPS GET (5.5.7) and RFC 8572 RESTCONF"),
    "vsim": ("vsim_cmd", "virtual SIM/UICC cards"),
    "tui": ("main", "the bench TUI: readers, card tree, bootstrap fields, write and verify"),
}
TOP_HELP = {name: text for name, (_module, text) in COMMANDS.items()}
