"""Device records of the bootstrap server, in a real database through SQLAlchemy Core (SQLite file by
default, PostgreSQL by URL, the same code): the device's serial number, its activation code as a salted
scrypt hash, its OMA DM bootstrap message (WBXML) and redirect URIs, and the progress reports it sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Column, Float, Integer, LargeBinary, MetaData, String, Table, Text, create_engine, delete, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .serials import check_serial
from ..errors import CardbootError, ExitCode, UsageError
from ..outfile import prepare_sqlite_file

metadata = MetaData()
devices = Table(
    "cardboot_devices", metadata,
    Column("serial", String(128), primary_key=True),
    Column("code_hash", Text),  # scrypt$N$r$p$salt$hash (base64), or NULL: client certificate only
    Column("message", LargeBinary),  # WBXML bootstrap message
    Column("redirects", Text),  # JSON list of https://host[:port], or of {"uri", "trust_anchor": base64 CMS}
    Column("created", Float, nullable=False),
)
reports = Table(
    "cardboot_progress", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("serial", String(128), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("progress_type", String(64), nullable=False),
    Column("message", Text),
    Column("detail", Text),
)

SCRYPT = (2 ** 14, 8, 1)
# What one device can make the store keep: its newest MAX_REPORTS progress reports, each message cut to
# MAX_REPORT_MESSAGE characters (marked "[... cut]"); storing one more deletes its oldest.
MAX_REPORTS = 50
MAX_REPORT_MESSAGE = 2048
# Checked when a serial is unknown, so that an unknown serial costs the same scrypt as a known one
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


class StoreError(CardbootError):
    exit_code = ExitCode.CARD_IO


def hash_code(code: str) -> str:
    n, r, p = SCRYPT
    salt = os.urandom(16)
    digest = hashlib.scrypt(code.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_code(code: str, stored: str | None) -> bool:
    """Whether ``code`` matches the stored scrypt hash. Without a hash the same scrypt runs against a
    dummy, so the answer takes as long for an unknown serial as for a known one."""
    if not stored:
        check_code(code, _DUMMY_HASH)
        return False
    try:
        _name, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(code.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


@dataclass
class Device:
    serial: str
    code_hash: str | None
    message: bytes | None
    redirects: list[str]
    redirect_anchors: list[bytes | None] = field(default_factory=list)  # a certs-only CMS per redirect, or None


def _redirects(text: str | None) -> tuple[list[str], list[bytes | None]]:
    """The stored redirects: URIs and, where given, each one's trust anchor (RFC 8572 2.1)."""
    uris, anchors = [], []
    for entry in json.loads(text or "[]"):
        if isinstance(entry, dict):
            uris.append(entry["uri"])
            anchors.append(base64.b64decode(entry["trust_anchor"]) if entry.get("trust_anchor") else None)
        else:
            uris.append(entry)
            anchors.append(None)
    return uris, anchors


class DeviceStore:
    def __init__(self, url: str):
        kwargs = {}
        if url in ("sqlite://", "sqlite:///:memory:"):
            from sqlalchemy.pool import StaticPool

            kwargs = dict(connect_args={"check_same_thread": False}, poolclass=StaticPool)
        prepare_sqlite_file(url, what="device store")
        try:
            self.engine = create_engine(url, **kwargs)
            metadata.create_all(self.engine)
        except (SQLAlchemyError, ImportError, ValueError) as e:
            raise UsageError(f"cannot open device store {url.split('@')[-1]}: {(str(e).splitlines() or [type(e).__name__])[0]}") from None
        self._lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            from sqlalchemy import event

            @event.listens_for(self.engine, "connect")
            def _wal(dbapi_connection, _record):  # several server processes on one box share the file
                cur = dbapi_connection.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=5000")
                cur.close()

    def _tx(self):
        return self.engine.begin()

    def add(self, serial: str, code: str | None, message: bytes | None, redirects: list[str] = (),
            anchors: list[bytes | None] = ()) -> None:
        """Register a device; ``anchors[i]`` (a certs-only CMS) is the trust anchor of ``redirects[i]``."""
        check_serial(serial)
        anchors = list(anchors) + [None] * (len(redirects) - len(anchors))
        stored = [{"uri": u, "trust_anchor": base64.b64encode(a).decode()} if a else u for u, a in zip(redirects, anchors)]
        if code is None and message is None and not redirects:
            raise UsageError(f"device {serial}: nothing to serve (give a bootstrap message or redirects)")
        try:
            with self._tx() as db:
                db.execute(insert(devices).values(serial=serial, code_hash=hash_code(code) if code else None,
                                                  message=message, redirects=json.dumps(stored),
                                                  created=time.time()))
        except IntegrityError:
            raise UsageError(f"device {serial} exists already (remove it first)") from None

    def get(self, serial: str) -> Device | None:
        with self.engine.connect() as db:
            row = db.execute(select(devices).where(devices.c.serial == serial)).first()
        if row is None:
            return None
        uris, anchors = _redirects(row.redirects)
        return Device(row.serial, row.code_hash, row.message, uris, anchors)

    def remove(self, serial: str) -> bool:
        with self._tx() as db:
            return db.execute(delete(devices).where(devices.c.serial == serial)).rowcount == 1

    def list(self) -> list[dict]:
        with self.engine.connect() as db:
            rows = db.execute(select(devices.c.serial, devices.c.message, devices.c.redirects, devices.c.code_hash,
                                     devices.c.created).order_by(devices.c.serial))
            return [{"serial": r.serial, "message_bytes": len(r.message or b""),
                     "redirects": _redirects(r.redirects)[0], "basic_auth": r.code_hash is not None,
                     "created": r.created} for r in rows]

    def add_report(self, serial: str, progress_type: str, message: str | None, detail: dict | None = None) -> None:
        """Store a progress report, within the per-device bounds above (the oldest goes first)."""
        if message is not None and len(message) > MAX_REPORT_MESSAGE:
            message = message[:MAX_REPORT_MESSAGE] + " [... cut]"
        with self._tx() as db:
            db.execute(insert(reports).values(serial=serial, at=time.time(), progress_type=progress_type,
                                              message=message, detail=json.dumps(detail) if detail else None))
            keep = select(reports.c.id).where(reports.c.serial == serial).order_by(reports.c.id.desc()) \
                .limit(MAX_REPORTS).subquery()
            db.execute(delete(reports).where(reports.c.serial == serial, reports.c.id.not_in(select(keep.c.id))))

    def reports(self, serial: str | None = None) -> list[dict]:
        q = select(reports).order_by(reports.c.id)
        if serial:
            q = q.where(reports.c.serial == serial)
        with self.engine.connect() as db:
            return [{"serial": r.serial, "at": r.at, "progress_type": r.progress_type, "message": r.message}
                    for r in db.execute(q)]
