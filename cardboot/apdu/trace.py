"""A structured APDU trace that never holds a secret.

Each entry keeps the command's name, its header, its data (or None when the data is secret, shown as
``****``), the response data, the SW with its meaning and the time the card took in microseconds.
Entries are also logged at DEBUG on the ``cardboot.apdu`` logger, masked the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..secret import MASK
from .command import CommandApdu
from .status import sw_meaning

log = logging.getLogger("cardboot.apdu")


@dataclass(frozen=True)
class TraceEntry:
    name: str
    header: bytes
    data: bytes | None  # None: secret, not kept
    data_len: int
    le: int | None
    response: bytes | None  # None: secret response
    sw: int
    meaning: str
    micros: int
    stage: str = ""
    response_len: int = 0  # kept when the response itself is not (bytes on the wire)

    @property
    def secret(self) -> bool:
        return self.data is None and self.data_len > 0

    def command_hex(self) -> str:
        out = self.header.hex(" ").upper()
        if self.data_len:
            body = MASK if self.data is None else self.data.hex().upper()
            out += f" {self.data_len:02X} {body}"
        if self.le is not None:
            out += f" {self.le & 0xFF:02X}"
        return out

    def response_hex(self) -> str:
        if self.response is None:
            return MASK
        return self.response.hex().upper()

    def __str__(self) -> str:
        resp = self.response_hex()
        resp = f"{resp} " if resp else ""
        return f"{self.name:<16} {self.command_hex()} -> {resp}{self.sw:04X} ({self.meaning}) {self.micros} us"

    def as_dict(self) -> dict:
        return {
            "stage": self.stage,
            "name": self.name,
            "command": self.command_hex(),
            "response": self.response_hex(),
            "sw": f"{self.sw:04X}",
            "meaning": self.meaning,
            "us": self.micros,
        }


@dataclass
class Trace:
    """Collects :class:`TraceEntry` objects; ``keep=False`` only counts (for benchmarks)."""

    keep: bool = True
    entries: list[TraceEntry] = field(default_factory=list)
    count: int = 0
    stage: str = ""

    def record(
        self, cmd: CommandApdu, response: bytes, sw: int, family, micros: int, secret_response: bool = False
    ) -> None:
        """Count the exchange; build an entry (and look up the SW's meaning) only when kept or logged."""
        self.count += 1
        if not self.keep and not log.isEnabledFor(logging.DEBUG):
            return
        meaning = sw_meaning(sw, family)
        entry = TraceEntry(
            name=cmd.label,
            header=cmd.header,
            data=None if cmd.secret else cmd.data,
            data_len=len(cmd.data),
            le=cmd.le,
            response=None if secret_response else response,
            sw=sw,
            meaning=meaning,
            micros=micros,
            stage=self.stage,
            response_len=len(response),
        )
        if self.keep:
            self.entries.append(entry)
        log.debug("%s", entry)

    def clear(self) -> None:
        self.entries.clear()
        self.count = 0

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


class Stage:
    """A named step of a card workflow: the APDUs sent inside the block carry ``name`` as their trace
    stage, and their number is added to ``counts[name]``."""

    def __init__(self, trace: Trace, name: str, counts: dict[str, int]):
        self.trace = trace
        self.name = name
        self.counts = counts

    def __enter__(self) -> "Stage":
        self.previous = self.trace.stage
        self.start = self.trace.count
        self.trace.stage = self.name
        return self

    def __exit__(self, *exc) -> None:
        self.trace.stage = self.previous
        self.counts[self.name] = self.counts.get(self.name, 0) + self.trace.count - self.start
