"""Which DODF entry is the DM bootstrap (pure: DataObjects in, one out).

The spec does not fix a label or OID (OMA DM Bootstrap D.1 only says the message is an opaque data object
the DODF-bootstrap points to). cardboot's rule, in order: an entry whose applicationOID / oidDO OID equals
the configured OID; an entry whose label or applicationName is one of the configured names (default
"DM_Bootstrap", the file name D.4.3 uses, and "OMA DM Bootstrap"); otherwise the first data object of
the first DODF that points to a file and is not marked as another application's by a well-known OID
(LwM2M, Client Provisioning, GlobalPlatform: ``oids.py``). See README "PKCS#15".

:class:`ObjectSelector` picks any object by label, application name or OID (``read --object``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .dodf import DataObject

DEFAULT_NAMES = ("DM_Bootstrap", "OMA DM Bootstrap")


def _norm(text: str | None) -> str:
    return "".join(ch for ch in (text or "").lower() if ch.isalnum())


@dataclass(frozen=True)
class BootstrapRule:
    """How to recognise the bootstrap entry in a DODF."""

    names: tuple[str, ...] = DEFAULT_NAMES
    oid: str | None = None

    def choose(self, objects: list[DataObject]) -> DataObject | None:
        with_path = [o for o in objects if o.path is not None]
        if self.oid:
            for o in with_path:
                if self.oid in (o.application_oid, o.oid):
                    return o
        wanted = {_norm(n) for n in self.names}
        for o in with_path:
            if _norm(o.label) in wanted or _norm(o.application_name) in wanted:
                return o
        return None

    def fallback(self, objects: list[DataObject]) -> DataObject | None:
        """The first object with a path that no well-known OID gives to another application."""
        return next((o for o in objects if o.path is not None and o.known_as is None), None)

    def describe(self) -> str:
        return "DM bootstrap object"


@dataclass(frozen=True)
class ObjectSelector:
    """Any DODF data object, by label / application name (compared like the bootstrap names) or OID."""

    wanted: str

    def choose(self, objects: list[DataObject]) -> DataObject | None:
        for o in objects:
            if self.wanted in (o.oid, o.application_oid):
                return o
        key = _norm(self.wanted)
        for o in objects:
            if key and key in (_norm(o.label), _norm(o.application_name)):
                return o
        return None

    def fallback(self, objects: list[DataObject]) -> DataObject | None:
        return None

    def describe(self) -> str:
        return f"data object {self.wanted!r}"
