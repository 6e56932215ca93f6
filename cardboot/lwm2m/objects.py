"""The objects an LwM2M bootstrap carries (OMA LwM2M Core 1.1 Appendix E.1-E.3): their resources, the
type of each, and which are secrets (masked wherever shown, like AAuthSecret)."""

from __future__ import annotations

from dataclasses import dataclass

SECURITY, SERVER, ACCESS_CONTROL = 0, 1, 2
OBJECT_NAMES = {SECURITY: "Security", SERVER: "Server", ACCESS_CONTROL: "Access Control"}
SECURITY_MODES = {0: "psk", 1: "rpk", 2: "certificate", 3: "nosec", 4: "certificate-est"}
MODE_NUMBERS = {name: number for number, name in SECURITY_MODES.items()}


@dataclass(frozen=True)
class Resource:
    ident: int
    name: str  # the template's key
    type: str  # string | integer | boolean | opaque
    secret: bool = False
    multiple: bool = False


RESOURCES: dict[int, dict[int, Resource]] = {
    SECURITY: {r.ident: r for r in (
        Resource(0, "uri", "string"), Resource(1, "bootstrap", "boolean"), Resource(2, "mode", "integer"),
        Resource(3, "identity", "opaque"), Resource(4, "server_public_key", "opaque"),
        Resource(5, "secret_key", "opaque", secret=True), Resource(10, "short_server_id", "integer"),
        Resource(11, "client_hold_off", "integer"), Resource(12, "bootstrap_timeout", "integer"))},
    SERVER: {r.ident: r for r in (
        Resource(0, "short_server_id", "integer"), Resource(1, "lifetime", "integer"),
        Resource(2, "default_min_period", "integer"), Resource(3, "default_max_period", "integer"),
        Resource(5, "disable_timeout", "integer"), Resource(6, "notification_storing", "boolean"),
        Resource(7, "binding", "string"))},
    ACCESS_CONTROL: {r.ident: r for r in (
        Resource(0, "object_id", "integer"), Resource(1, "object_instance_id", "integer"),
        Resource(2, "acl", "integer", multiple=True), Resource(3, "owner", "integer"))},
}
BY_NAME = {obj: {r.name: r for r in resources.values()} for obj, resources in RESOURCES.items()}


def resource(object_id: int, ident: int) -> Resource | None:
    return RESOURCES.get(object_id, {}).get(ident)
