"""The rules an LwM2M bootstrap must keep (OMA LwM2M Core 1.1: 6.1 bootstrap information, Appendix E.1
Security and E.2 Server objects), one finding per broken rule with its clause."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .bootstrap import LwBootstrap
from .objects import SECURITY, SECURITY_MODES, SERVER

SCHEMES = {"coap", "coaps", "coap+tcp", "coaps+tcp"}
SECURE = {"coaps", "coaps+tcp"}


@dataclass(frozen=True)
class LwFinding:
    rule: str
    clause: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.clause})"


def refuse_if_invalid(boot: LwBootstrap, what: str) -> LwBootstrap:
    """``boot`` when it keeps every rule; else a MessageError listing them, led by ``what``."""
    from ..errors import MessageError

    findings = validate(boot)
    if findings:
        raise MessageError(f"{what}: " + "; ".join(map(str, findings)))
    return boot


def validate(boot: LwBootstrap, max_size: int | None = None, encoded: bytes | None = None) -> list[LwFinding]:
    out: list[LwFinding] = []

    def bad(rule: str, clause: str) -> None:
        out.append(LwFinding(rule, clause))

    securities, servers = boot.instances(SECURITY), boot.instances(SERVER)
    if not securities:
        bad("no Security object instance: a client has no server to contact", "LwM2M Core 6.1")
    if sum(1 for s in securities if s.values.get(1)) > 1:
        bad("more than one bootstrap-server account", "LwM2M Core 6.1, E.1 resource 1")
    ids = [s.ident for s in securities]
    if len(ids) != len(set(ids)):
        bad("two Security instances with one instance ID", "LwM2M Core 7.4.3")
    server_ids = {s.values.get(0) for s in servers}
    for sec in securities:
        where = f"Security instance {sec.ident}"
        for ident, name in ((0, "LwM2M Server URI"), (1, "Bootstrap-Server"), (2, "Security Mode")):
            if ident not in sec.values:
                bad(f"{where}: resource {ident} ({name}) is missing", "LwM2M Core E.1")
        mode = sec.values.get(2)
        if mode is not None and mode not in SECURITY_MODES:
            bad(f"{where}: security mode {mode} is none of 0..4", "LwM2M Core E.1 resource 2")
        uri = sec.values.get(0)
        if isinstance(uri, str):
            try:
                parts = urlsplit(uri)
                parts.port  # noqa: B018 - a port that is no number or out of range raises here
            except ValueError:
                parts = None
            if parts is None or parts.scheme not in SCHEMES or not parts.hostname:
                bad(f"{where}: {uri!r} is no coap/coaps URI with a host", "LwM2M Core 8.2.1, RFC 7252 6")
            elif mode == 3 and parts.scheme in SECURE:
                bad(f"{where}: {uri} is secure and the mode is NoSec", "LwM2M Core E.1 resource 2")
            elif mode in (0, 1, 2, 4) and parts.scheme not in SECURE:
                bad(f"{where}: mode {SECURITY_MODES[mode]} needs a coaps URI, not {uri}", "LwM2M Core E.1 resource 2")
        needs = {0: (3, 5), 1: (3, 4, 5), 2: (3, 4, 5), 4: (3, 4, 5)}.get(mode, ())
        for ident in needs:
            if not sec.values.get(ident):
                names = {3: "public key or identity", 4: "server public key", 5: "secret key"}
                bad(f"{where}: mode {SECURITY_MODES[mode]} needs resource {ident} ({names[ident]})", "LwM2M Core E.1")
        if not sec.values.get(1):
            ssid = sec.values.get(10)
            if not isinstance(ssid, int) or not 1 <= ssid <= 65534:
                bad(f"{where}: an LwM2M server account needs a short server ID 1..65534 (resource 10)",
                    "LwM2M Core E.1 resource 10")
            elif ssid not in server_ids:
                bad(f"{where}: no Server instance has short server ID {ssid}", "LwM2M Core E.2 resource 0")
    account_ids = {s.values.get(10) for s in securities if not s.values.get(1)}
    for srv in servers:
        where = f"Server instance {srv.ident}"
        ssid = srv.values.get(0)
        if not isinstance(ssid, int) or not 1 <= ssid <= 65534:
            bad(f"{where}: short server ID 1..65534 is missing (resource 0)", "LwM2M Core E.2 resource 0")
        elif ssid not in account_ids:
            bad(f"{where}: short server ID {ssid} has no Security instance", "LwM2M Core E.1 resource 10")
        if 1 not in srv.values:
            bad(f"{where}: resource 1 (lifetime) is missing", "LwM2M Core E.2")
        binding = srv.values.get(7)
        if binding is not None and (not binding or set(binding) - set("UTSNQ")):
            bad(f"{where}: binding {binding!r} is not made of U, T, S, N, Q", "LwM2M Core E.2 resource 7")
    if encoded is not None and max_size is not None and len(encoded) > max_size:
        bad(f"{len(encoded)} bytes do not fit the {max_size}-byte EF", "LwM2M Core G.3.4")
    return out
