"""The virtual card's file system: MF, DFs, ADFs, transparent and linear fixed EFs.

Access conditions are kept per operation ("read", "update") as ``ALWAYS``, ``NEVER`` or a key
reference: the PIN/CHV/ADM that must be verified. The same model serves both personalities; the SIM
shows them as TS 51.011 nibbles, the UICC as TS 102 221 expanded security attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALWAYS = "always"
NEVER = "never"
AccessCondition = str | int  # ALWAYS, NEVER, or a key reference

MF_FID = 0x3F00


@dataclass
class Node:
    fid: int
    name: str = ""
    parent: "DF | None" = field(default=None, repr=False)
    access: dict[str, AccessCondition] = field(default_factory=dict)
    sfi: int | None = None
    # Raw bytes a layout gives verbatim (a real card's, as an oracle cardboot did not encode): the whole
    # SELECT response (UICC FCP / SIM GET RESPONSE data) or, on a UICC, only its security attributes
    # (8B / 8C / AB TLVs). Enforcement still follows ``access``: the layout states what the card enforces.
    fcp_raw: bytes | None = None
    security_raw: bytes | None = None
    # A file created with CREATE FILE (TS 102 222) is guarded by the security attributes it was created
    # with (``security_raw``, see vsim.rules), not by ``access``.
    enforce_security: bool = False
    lifecycle: int = 0x05  # LCSI (TS 102 221 11.1.1.4.9): 05 activated, 04 deactivated

    @property
    def path(self) -> list[int]:
        out: list[int] = []
        node: Node | None = self
        while node is not None:
            out.append(node.fid)
            node = node.parent
        return out[::-1]

    @property
    def path_str(self) -> str:
        return "/".join(f"{f:04X}" for f in self.path)

    def condition(self, op: str) -> AccessCondition:
        return self.access.get(op, ALWAYS if op == "read" else NEVER)


@dataclass
class DF(Node):
    aid: bytes | None = None  # an ADF when set
    children: dict[int, Node] = field(default_factory=dict)
    pin_refs: list[int] = field(default_factory=list)  # PIN status template (C6) / CHV status of this DF
    reserved: int = 0  # memory a CREATE FILE reserved for the DF (81, TS 102 222)

    @property
    def is_adf(self) -> bool:
        return self.aid is not None

    def add(self, node: Node) -> None:
        node.parent = self
        self.children[node.fid] = node

    def walk(self):
        yield self
        for child in self.children.values():
            if isinstance(child, DF):
                yield from child.walk()
            else:
                yield child


@dataclass
class EF(Node):
    structure: str = "transparent"  # or "linear"
    data: bytearray = field(default_factory=bytearray)
    record_size: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def record_count(self) -> int:
        return len(self.data) // self.record_size if self.record_size else 0

    def record(self, n: int) -> bytes:
        start = (n - 1) * self.record_size
        return bytes(self.data[start : start + self.record_size])

    def set_record(self, n: int, value: bytes) -> None:
        start = (n - 1) * self.record_size
        self.data[start : start + len(value)] = value
