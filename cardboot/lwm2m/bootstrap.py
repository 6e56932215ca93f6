"""EF LwM2M_Bootstrap's content (OMA LwM2M Core Appendix G.3.4) as LwM2M clients read it — Nordic's
nRF Connect SDK (``lwm2m_client_utils``, ``lwm2m_ef_decode``) and its test vector are the reading this
follows: a header of the number of objects (2 bytes) and the size of what follows (2 bytes), then per
object its ID (2 bytes), its version (major, 1 byte, then minor, 1 byte, only when major is not 0), the
length of its TLV (2 bytes) and the object's instances in LwM2M TLV (``tlv.py``). The rest of the EF is FF."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import DecodeError
from . import tlv
from .objects import OBJECT_NAMES, RESOURCES, SECURITY_MODES, SECURITY, SERVER, resource

MAX_CONTENT = 0xFFFF + 4


@dataclass
class Instance:
    ident: int
    values: dict[int, object] = field(default_factory=dict)  # resource ID -> value; multiple: {instance: value}


@dataclass
class LwObject:
    object_id: int
    version: tuple[int, int] | None = None  # None: version 0 (the object's first), no minor byte
    instances: list[Instance] = field(default_factory=list)


@dataclass
class LwBootstrap:
    objects: list[LwObject] = field(default_factory=list)

    def instances(self, object_id: int) -> list[Instance]:
        return [i for o in self.objects if o.object_id == object_id for i in o.instances]


def _fail(reason: str, offset: int, where: str) -> DecodeError:
    return DecodeError("LwM2M bootstrap", reason, offset, where)


# --- values --------------------------------------------------------------------------------------------

def _value_bytes(object_id: int, ident: int, value) -> bytes:
    r = resource(object_id, ident)
    kind = r.type if r else "opaque"
    if kind == "boolean":
        return b"\x01" if value else b"\x00"
    if kind == "integer":
        return tlv.encode_int(int(value))
    if kind == "string":
        return str(value).encode("utf-8")
    return bytes(value)


def _value(object_id: int, ident: int, raw: bytes, offset: int, where: str):
    r = resource(object_id, ident)
    kind = r.type if r else "opaque"
    if kind == "boolean":
        return tlv.decode_bool(raw, offset, where)
    if kind == "integer":
        return tlv.decode_int(raw, offset, where)
    if kind == "string":
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _fail(f"resource {ident} is not UTF-8 text", offset, where) from None
    return raw


# --- encoding ------------------------------------------------------------------------------------------

def instance_tlv(object_id: int, inst: Instance) -> tlv.Tlv:
    children = []
    for ident, value in sorted(inst.values.items()):
        if isinstance(value, dict):
            children.append(tlv.Tlv(tlv.MULTIPLE_RESOURCE, ident, children=[
                tlv.Tlv(tlv.RESOURCE_INSTANCE, i, _value_bytes(object_id, ident, v)) for i, v in sorted(value.items())]))
        else:
            children.append(tlv.Tlv(tlv.RESOURCE, ident, _value_bytes(object_id, ident, value)))
    return tlv.Tlv(tlv.OBJECT_INSTANCE, inst.ident, children=children)


def encode_ef(boot: LwBootstrap) -> bytes:
    body = b""
    for obj in boot.objects:
        data = tlv.encode([instance_tlv(obj.object_id, i) for i in obj.instances])
        major, minor = obj.version or (0, 0)
        version = bytes([major]) + (bytes([minor]) if major else b"")
        body += obj.object_id.to_bytes(2, "big") + version + len(data).to_bytes(2, "big") + data
    if len(body) > 0xFFFF:
        raise ValueError(f"{len(body)} bytes of objects: more than the 16-bit size field holds")
    return len(boot.objects).to_bytes(2, "big") + len(body).to_bytes(2, "big") + body


# --- decoding ------------------------------------------------------------------------------------------

def content_length(data: bytes) -> int:
    """Bytes the content takes (header + objects), from the header; 0 for an empty (all FF) EF."""
    if len(data) < 4 or data[:4] == b"\xff\xff\xff\xff":
        return 0
    return 4 + int.from_bytes(data[2:4], "big")


def decode_ef(data: bytes, where: str = "EF LwM2M_Bootstrap") -> LwBootstrap:
    """The content of ``data`` (an EF's bytes, FF padding allowed after it), every object decoded."""
    data = bytes(data)
    if len(data) < 4:
        raise _fail(f"{len(data)} bytes: shorter than the 4-byte header", 0, where)
    count, size = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
    end = 4 + size
    if end > len(data):
        raise _fail(f"the header announces {size} bytes of objects, {len(data) - 4} follow", 2, where)
    tail = data[end:].lstrip(b"\xff")
    if tail:
        raise _fail("bytes other than FF after the content", len(data) - len(tail), where)
    boot, pos = LwBootstrap(), 4
    for n in range(count):
        if pos + 5 > end:
            raise _fail(f"object {n + 1} of {count}: truncated header", pos, where)
        object_id = int.from_bytes(data[pos:pos + 2], "big")
        major = data[pos + 2]
        pos += 3
        minor = 0
        if major:
            minor = data[pos]
            pos += 1
        length = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        if pos + length > end:
            raise _fail(f"object {object_id}: {length} bytes of TLV past the content's end", pos - 2, where)
        obj = LwObject(object_id, (major, minor) if major else None)
        for entry in _entries(data, pos, length, where):
            obj.instances.append(_instance(object_id, entry, pos, where))
        boot.objects.append(obj)
        pos += length
    if pos != end:
        raise _fail(f"{end - pos} bytes after the {count} object(s) the header counts", pos, where)
    return boot


def _entries(data: bytes, pos: int, length: int, where: str) -> list[tlv.Tlv]:
    try:
        return tlv.decode(data[pos:pos + length], where)
    except tlv.LwTlvError as e:
        raise _fail(e.reason, pos + e.offset, where) from None


def _instance(object_id: int, entry: tlv.Tlv, base: int, where: str) -> Instance:
    """An object instance's resources as values; ``base``: where the object's TLV starts in the EF."""
    if entry.kind != tlv.OBJECT_INSTANCE:
        # a single-instance object may carry its resources without an instance wrapper: instance 0
        entry = tlv.Tlv(tlv.OBJECT_INSTANCE, 0, children=[entry], offset=entry.offset)
    inst = Instance(entry.ident)
    for child in entry.children:
        if child.ident in inst.values:
            raise _fail(f"resource {child.ident} twice in instance {entry.ident}", base + child.offset, where)
        if child.kind == tlv.MULTIPLE_RESOURCE:
            inst.values[child.ident] = {i.ident: _value(object_id, child.ident, i.value, base + i.offset, where)
                                        for i in child.children}
        else:
            inst.values[child.ident] = _value(object_id, child.ident, child.value, base + child.offset, where)
    return inst


# --- for people ----------------------------------------------------------------------------------------

def shown(object_id: int, ident: int, value, show_secrets: bool) -> str:
    r = resource(object_id, ident)
    if r is not None and r.secret and not show_secrets:
        return "****"
    if isinstance(value, bytes):
        try:
            text = value.decode("ascii")
            if text.isprintable():
                return repr(text)
        except UnicodeDecodeError:
            pass
        return value.hex().upper()
    if object_id == SECURITY and ident == 2 and isinstance(value, int):
        return f"{value} ({SECURITY_MODES.get(value, 'unknown')})"
    return repr(value)


def describe(boot: LwBootstrap, show_secrets: bool = False) -> str:
    lines = []
    for obj in boot.objects:
        name = OBJECT_NAMES.get(obj.object_id, f"object {obj.object_id}")
        version = f" v{obj.version[0]}.{obj.version[1]}" if obj.version else ""
        for inst in obj.instances:
            lines.append(f"{name} ({obj.object_id}{version}) instance {inst.ident}")
            for ident, value in sorted(inst.values.items()):
                r = resource(obj.object_id, ident)
                label = r.name if r else f"resource {ident}"
                if isinstance(value, dict):
                    for i, v in sorted(value.items()):
                        lines.append(f"  {ident}/{i} {label} = {shown(obj.object_id, ident, v, show_secrets)}")
                else:
                    lines.append(f"  {ident} {label} = {shown(obj.object_id, ident, value, show_secrets)}")
    lines += [f"next: {line}" for line in first_contact(boot)]
    return "\n".join(lines)


def first_contact(boot: LwBootstrap) -> list[str]:
    """Whom a client contacts first (Core 6.1.3 / 6.2): the LwM2M servers it has accounts for, to register;
    with none, the bootstrap server, for a client-initiated bootstrap."""
    servers = {i.values.get(0): i for i in boot.instances(SERVER)}
    out = []
    for sec in boot.instances(SECURITY):
        mode = SECURITY_MODES.get(sec.values.get(2), "unknown mode")
        if not sec.values.get(1) and sec.values.get(10) in servers:
            srv = servers[sec.values.get(10)]
            out.append(f"register with {sec.values.get(0)} (short server ID {sec.values.get(10)}, {mode}, "
                       f"lifetime {srv.values.get(1, '?')} s, binding {srv.values.get(7, 'U')})")
    if not out:
        for sec in boot.instances(SECURITY):
            if sec.values.get(1):
                out.append(f"bootstrap from {sec.values.get(0)} ({SECURITY_MODES.get(sec.values.get(2), 'unknown mode')}, "
                           "client-initiated bootstrap)")
    return out


__all__ = ["Instance", "LwObject", "LwBootstrap", "encode_ef", "decode_ef", "content_length", "describe",
           "first_contact", "RESOURCES"]
