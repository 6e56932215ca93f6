"""The batch ledger: which card is where, shared by every station of a bureau.

A real database through SQLAlchemy Core — SQLite file by default, PostgreSQL by URL, the same code.
A card row moves pending → claimed → written → verified, or to failed (reason, attempts). A claim is
one transaction: on PostgreSQL the row is locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` (a row another
station is claiming is skipped, not waited for); SQLite serialises writers itself. A claim held by another
station counts until its lease runs out, so a crashed station's cards come back. Secrets are never stored:
rows keep a SHA-256 of their non-secret values only.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import (Column, Float, Integer, MetaData, String, Table, Text, and_, create_engine, event, func,
                        insert, select, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import CardbootError, ExitCode, UsageError

PENDING, CLAIMED, WRITTEN, VERIFIED, FAILED = "pending", "claimed", "written", "verified", "failed"
INITIALIZED = "initialized"  # batch run --init: the PKCS#15 files are laid out, the message not written yet
STATES = (PENDING, CLAIMED, INITIALIZED, WRITTEN, VERIFIED, FAILED)
LEASE_SECONDS = 600

metadata = MetaData()
batches = Table(
    "cardboot_batches", metadata,
    Column("name", String(200), primary_key=True),
    Column("template", Text, nullable=False),
    Column("created", Float, nullable=False),
)
cards = Table(
    "cardboot_cards", metadata,
    Column("batch", String(200), primary_key=True),
    Column("iccid", String(20), primary_key=True),
    Column("row", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("state", String(16), nullable=False, default=PENDING),
    Column("attempts", Integer, nullable=False, default=0),
    Column("reason", Text),
    Column("station", String(200)),
    Column("reader", String(200)),
    Column("claimed_at", Float),
    Column("updated_at", Float),
    Column("apdus", Integer),
    Column("seconds", Float),
)


class LedgerError(CardbootError):
    exit_code = ExitCode.CARD_IO


@dataclass
class Claim:
    iccid: str
    row: int
    previous_state: str
    attempts: int


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def default_url(batch: str) -> str:
    return f"sqlite:///{batch}.ledger.sqlite"


def _guarded(method):
    """Database trouble becomes a LedgerError naming the operation (no SQLAlchemy traceback at the user)."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            if self._lock is not None:  # SQLite: one writer at a time within this process
                with self._lock:
                    return method(self, *args, **kwargs)
            return method(self, *args, **kwargs)
        except SQLAlchemyError as e:
            raise LedgerError(f"ledger {method.__name__}: {e.__class__.__name__}: {(str(e).splitlines() or [type(e).__name__])[0]}") from None

    return wrapper


class Ledger:
    def __init__(self, url: str):
        try:
            kwargs = {}
            if url in ("sqlite://", "sqlite:///:memory:"):  # one shared in-memory database for all threads
                from sqlalchemy.pool import StaticPool

                kwargs = dict(connect_args={"check_same_thread": False}, poolclass=StaticPool)
            self.engine: Engine = create_engine(url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as e:
            raise UsageError(f"cannot open ledger {url.split('@')[-1]}: {e}") from None
        self.sqlite = self.engine.dialect.name == "sqlite"
        self._lock = threading.RLock() if self.sqlite else None
        if self.sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as e:
            raise LedgerError(f"ledger {self.engine.url.render_as_string(hide_password=True)}: {e.__class__.__name__}: "
                              f"{(str(e).splitlines() or [type(e).__name__])[0]}") from None

    # --- setting up ---------------------------------------------------------------------------------
    @_guarded
    def add_batch(self, name: str, template: str, rows) -> tuple[int, int]:
        """Create the batch (or join it when it exists); add rows not yet there. (added, existing)."""
        now = time.time()
        with self.engine.begin() as db:
            if db.execute(select(batches.c.name).where(batches.c.name == name)).first() is None:
                db.execute(insert(batches).values(name=name, template=template, created=now))
            have = {r.iccid: r.digest for r in db.execute(select(cards.c.iccid, cards.c.digest).where(cards.c.batch == name))}
            changed = [r for r in rows if r.iccid in have and have[r.iccid] != r.digest]
            if changed:
                raise UsageError(f"batch {name}: row {changed[0].row} (ICCID {changed[0].iccid}) differs from what the "
                                 "ledger recorded; use a new --batch name for changed data")
            new = [r for r in rows if r.iccid not in have]
            if new:
                db.execute(insert(cards), [dict(batch=name, iccid=r.iccid, row=r.row, digest=r.digest, state=PENDING,
                                                attempts=0, updated_at=now) for r in new])
        return len(new), len(rows) - len(new)

    # --- claiming -----------------------------------------------------------------------------------
    @_guarded
    def claim(self, batch: str, iccid: str, station: str, reader: str, max_attempts: int = 3) -> Claim | None:
        """Take the card for this station, or None (verified, failed too often, unknown, or another
        station holds a live claim)."""
        now = time.time()
        with self.engine.begin() as db:
            q = select(cards).where(and_(cards.c.batch == batch, cards.c.iccid == iccid))
            if not self.sqlite:
                q = q.with_for_update(skip_locked=True)
            row = db.execute(q).first()
            if row is None:
                return None
            if row.state == VERIFIED:
                return None
            if row.state == FAILED and row.attempts >= max_attempts:
                return None
            held = row.state in (CLAIMED, INITIALIZED, WRITTEN) and row.station not in (None, station)
            if held and row.claimed_at and now - row.claimed_at < LEASE_SECONDS:
                return None
            # the conditional update makes the claim atomic on SQLite as well
            result = db.execute(update(cards).where(and_(cards.c.batch == batch, cards.c.iccid == iccid,
                                                         cards.c.state == row.state,
                                                         cards.c.attempts == row.attempts))
                                .values(state=CLAIMED, station=station, reader=reader, claimed_at=now, updated_at=now,
                                        attempts=row.attempts + 1, reason=None))
            if result.rowcount != 1:
                return None
            return Claim(iccid, row.row, row.state, row.attempts + 1)

    @_guarded
    def mark(self, batch: str, iccid: str, state: str, *, reason: str | None = None, apdus: int | None = None,
             seconds: float | None = None) -> None:
        assert state in STATES
        values = dict(state=state, updated_at=time.time(), reason=reason)
        if apdus is not None:
            values["apdus"] = apdus
        if seconds is not None:
            values["seconds"] = seconds
        if state == PENDING:
            values["attempts"] = cards.c.attempts - 1  # a card pulled before anything happened: not an attempt
        with self.engine.begin() as db:
            db.execute(update(cards).where(and_(cards.c.batch == batch, cards.c.iccid == iccid)).values(**values))

    # --- reading ------------------------------------------------------------------------------------
    @_guarded
    def counts(self, batch: str) -> dict[str, int]:
        with self.engine.connect() as db:
            rows = db.execute(select(cards.c.state, func.count()).where(cards.c.batch == batch).group_by(cards.c.state))
            out = {s: 0 for s in STATES}
            out.update({state: n for state, n in rows})
            return out

    @_guarded
    def report(self, batch: str) -> list[dict]:
        with self.engine.connect() as db:
            rows = db.execute(select(cards).where(cards.c.batch == batch).order_by(cards.c.row))
            return [{"iccid": r.iccid, "row": r.row, "state": r.state, "attempts": r.attempts, "reason": r.reason,
                     "station": r.station, "reader": r.reader, "apdus": r.apdus, "seconds": r.seconds}
                    for r in rows]

    @_guarded
    def batches(self) -> list[str]:
        with self.engine.connect() as db:
            return [r.name for r in db.execute(select(batches.c.name).order_by(batches.c.created))]

    def close(self) -> None:
        self.engine.dispose()
