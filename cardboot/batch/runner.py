"""Run a batch: one worker thread per slot. Each card is identified by its ICCID, matched to its CSV row,
claimed in the ledger, written with the provisioning functions the CLI uses, read back and verified.

With an init layout (``batch run --init``) each card is first laid out by ``pkcs15 init`` (idempotent: a
card already laid out costs reads only) and recorded "initialized"; a card found "initialized" resumes at
the write.

Crash safety: the ledger says where each card was. A card found "claimed" or "written" (a run that died,
or a card pulled mid-write) is read back first: when it already holds its message it is marked verified
without writing again; otherwise it is written. "verified" is only ever recorded after a read-back that
equals the message.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from ..apdu import Trace
from ..provision.session import card_session
from ..card.iccid import read_iccid
from ..errors import CardbootError, CardIOError, CardRemovedError, ExitCode, SecurityError, TransportError
from ..provision.access import Secrets
from ..provision.read import read_stored
from ..provision.write import write_stored
from ..secret import Secret
from .ledger import CLAIMED, FAILED, INITIALIZED, VERIFIED, WRITTEN, Ledger, LedgerError
from .rows import Batch
from .slots import Slot

if TYPE_CHECKING:
    from ..provision.layout import InitLayout


class InitIncompleteError(CardbootError):
    """The card lacks files the init layout needs and cannot create them (a SIM): exit 5."""

    exit_code = ExitCode.VALIDATION


class EventKind(StrEnum):
    """What happened at a reader (a str enum: compares equal to its text)."""

    CARD = "card"
    NO_ROW = "no-row"
    SKIPPED = "skipped"
    VERIFIED = "verified"
    ALREADY = "already"
    FAILED = "failed"
    REMOVED = "removed"
    IDLE = "idle"


@dataclass
class Event:
    slot: str
    kind: EventKind
    iccid: str = ""
    detail: str = ""
    apdus: int = 0
    seconds: float = 0.0
    at: float = field(default_factory=time.time)


@dataclass
class RunOptions:
    batch: str
    station: str = "station"
    adm: Secret | None = None
    pin: Secret | None = None
    force_verify: bool = False
    max_attempts: int = 3
    poll: float = 0.02
    idle_timeout: float | None = None  # stop a worker whose reader stays empty this long (None: forever)
    init_layout: "InitLayout | None" = None  # lay the PKCS#15 files out first (provision.init)


class BatchRunner:
    def __init__(self, batch: Batch, ledger: Ledger, slots: list[Slot], options: RunOptions, on_event=None):
        self.batch = batch
        self.rows = batch.by_iccid()
        self.ledger = ledger
        self.slots = slots
        self.opt = options
        self.on_event = on_event or (lambda e: None)
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.fatal: BaseException | None = None

    def run(self) -> None:
        self.threads = [threading.Thread(target=self._worker, args=(s,), name=f"batch-{s.name}", daemon=True)
                        for s in self.slots]
        for t in self.threads:
            t.start()
        try:
            for t in self.threads:
                while t.is_alive():
                    t.join(0.2)
        except KeyboardInterrupt:
            self.stop.set()
            raise
        if self.fatal is not None:
            raise self.fatal

    # --- one slot --------------------------------------------------------------------------------------
    def _worker(self, slot: Slot) -> None:
        try:
            self._work(slot)
        except Exception as e:  # the ledger failed (outcomes cannot be recorded) or a bug: stop everything
            self.fatal = e
            self.stop.set()

    def _work(self, slot: Slot) -> None:
        empty_since = None
        while not self.stop.is_set():
            if slot.exhausted:
                return
            try:
                present = slot.card_present()
            except CardbootError:
                present = False
            if not present:
                empty_since = empty_since or time.monotonic()
                if self.opt.idle_timeout is not None and time.monotonic() - empty_since > self.opt.idle_timeout:
                    self.on_event(Event(slot.name, EventKind.IDLE))
                    return
                time.sleep(self.opt.poll)
                continue
            empty_since = None
            retry = self._one_card(slot)
            slot.done(retry)
            if not retry:
                self._wait_removal(slot)

    def _wait_removal(self, slot: Slot) -> None:
        """A real operator takes the card out before the next one: wait for that (virtual slots swap)."""
        from .slots import FedPcscSlot, PcscSlot

        if isinstance(slot, PcscSlot) and not isinstance(slot, FedPcscSlot):
            while not self.stop.is_set():
                try:
                    if not slot.card_present():
                        return
                except CardbootError:
                    return
                time.sleep(self.opt.poll)

    def _one_card(self, slot: Slot) -> bool:
        """Handle the card in the slot; True when the same card should be tried again."""
        opt = self.opt
        transport = slot.transport()
        iccid = ""
        claim = None
        t0 = time.perf_counter()
        try:
            with card_session(transport, trace=Trace(keep=False)) as card:
                iccid = read_iccid(card)
                row = self.rows.get(iccid)
                if row is None:
                    self.on_event(Event(slot.name, EventKind.NO_ROW, iccid, "ICCID not in the batch CSV: left alone"))
                    return False
                claim = self.ledger.claim(opt.batch, iccid, opt.station, slot.name, opt.max_attempts)
                if claim is None:
                    self.on_event(Event(slot.name, EventKind.SKIPPED, iccid, "already verified, failed too often or held "
                                        "by another station"))
                    return False
                self.on_event(Event(slot.name, EventKind.CARD, iccid, f"attempt {claim.attempts}"))
                secrets = Secrets(pin=row.pin or opt.pin, adm=row.adm or opt.adm, force=opt.force_verify)
                start_apdus = card.exchange.count
                if opt.init_layout is not None and claim.previous_state not in (INITIALIZED, WRITTEN):
                    self._init(card, iccid, secrets)
                if claim.previous_state in (CLAIMED, INITIALIZED, WRITTEN, FAILED):
                    stored = read_stored(card, secrets)
                    if stored.data == row.message and self._lwm2m_holds(card, row, secrets):
                        self._verified(slot, iccid, card.exchange.count - start_apdus, time.perf_counter() - t0,
                                       EventKind.ALREADY)
                        return False
                self.ledger.mark(opt.batch, iccid, WRITTEN)
                result = write_stored(card, row.message, secrets)
                assert result.verified
                if row.lwm2m:  # the LwM2M bootstrap beside it (LwM2M Core Appendix G), written and read back
                    from ..provision.lwm2m import write_lwm2m

                    assert write_lwm2m(card, row.lwm2m, secrets).verified
                self._verified(slot, iccid, card.exchange.count - start_apdus, time.perf_counter() - t0, EventKind.VERIFIED)
                return False
        except (CardRemovedError, TransportError) as e:
            if claim is not None:
                retry = claim.attempts < opt.max_attempts
                self.ledger.mark(opt.batch, iccid, FAILED, reason=f"card removed or reader lost: {e}")
                self.on_event(Event(slot.name, EventKind.REMOVED, iccid, str(e)))
                return retry
            self.on_event(Event(slot.name, EventKind.REMOVED, iccid, str(e)))
            return True
        except SecurityError as e:  # wrong or blocked PIN, guard refusal: never retried automatically
            if claim is not None:
                self.ledger.mark(opt.batch, iccid, FAILED, reason=str(e))
            self.on_event(Event(slot.name, EventKind.FAILED, iccid, str(e)))
            return False
        except LedgerError:
            raise
        except CardbootError as e:
            if claim is not None:
                self.ledger.mark(opt.batch, iccid, FAILED, reason=str(e))
            self.on_event(Event(slot.name, EventKind.FAILED, iccid, str(e)))
            return claim is not None and claim.attempts < opt.max_attempts and isinstance(e, CardIOError)

    @staticmethod
    def _lwm2m_holds(card, row, secrets: Secrets) -> bool:
        """No LwM2M bootstrap in the batch, or the card holds the row's already."""
        if not row.lwm2m:
            return True
        from ..provision.lwm2m import read_lwm2m

        return read_lwm2m(card, secrets).data == row.lwm2m

    def _init(self, card, iccid: str, secrets: Secrets) -> None:
        from ..provision.init import InitStepError, init_card

        try:
            result = init_card(card, self.opt.init_layout, secrets, check_blank=False)
        except InitStepError as e:
            if isinstance(e.cause, (TransportError, SecurityError)):
                raise e.cause from None  # a pulled card is retried, a wrong secret is not: as for the write
            raise
        if result.missing:
            raise InitIncompleteError("the card cannot hold the init layout: missing " + "; ".join(result.missing))
        self.ledger.mark(self.opt.batch, iccid, INITIALIZED)

    def _verified(self, slot: Slot, iccid: str, apdus: int, seconds: float, kind: EventKind) -> None:
        self.ledger.mark(self.opt.batch, iccid, VERIFIED, apdus=apdus, seconds=round(seconds, 4))
        self.on_event(Event(slot.name, kind, iccid, apdus=apdus, seconds=seconds))
