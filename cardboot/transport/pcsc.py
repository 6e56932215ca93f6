"""PC/SC readers through pyscard's thin ``smartcard.scard`` layer.

The low-level API is used on purpose: one ``SCardTransmit`` per APDU with no observers or list
conversions beyond the one pyscard needs, so cardboot's per-APDU host overhead stays small.

A card session runs inside ``SCardBeginTransaction`` / ``SCardEndTransaction`` (:meth:`PcscTransport.hold`):
the card is connected shared, so without it another client's SELECT could land between our SELECT and
our UPDATE BINARY (on a SIM's one channel, our bytes would go into their file; benches.md). pcsc-lite's
SCardConnect and SCardBeginTransaction wait without a bound while another handle holds the card, so each
runs in a worker thread and the session waits for it at most ``wait`` seconds (:meth:`_within`); a
worker that gets the card after the session gave up hands it back at once. A reset by another client while we waited (SCARD_W_RESET_CARD)
reconnects and marks the card fresh (the MF selected, nothing verified); one during the session stops it
(:class:`CardResetError`): nothing is sent on a guess of where the card stands.
"""

from __future__ import annotations

import threading

from ..errors import CardBusyError, CardRemovedError, CardResetError, NoCardError, ReaderNotFoundError, TransportError
from .base import Transport

try:  # pyscard is a hard dependency, but keep import errors readable
    from smartcard import scard
except ImportError as e:  # pragma: no cover
    scard = None
    _IMPORT_ERROR = e


def _need_scard():
    if scard is None:  # pragma: no cover
        raise TransportError(f"pyscard is not usable: {_IMPORT_ERROR}")
    return scard


def _context():
    s = _need_scard()
    hr, ctx = s.SCardEstablishContext(s.SCARD_SCOPE_USER)
    if hr != s.SCARD_S_SUCCESS:
        raise TransportError(f"PC/SC: cannot reach pcscd ({s.SCardGetErrorMessage(hr).strip()})")
    return ctx


def _reader_names(s, ctx) -> list[str]:
    hr, readers = s.SCardListReaders(ctx, [])
    if hr == s.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hr != s.SCARD_S_SUCCESS:
        raise TransportError(f"PC/SC: cannot list readers ({s.SCardGetErrorMessage(hr).strip()})")
    return list(readers)


def list_readers() -> list[str]:
    """Names of the PC/SC readers; empty when pcscd runs but has none."""
    s = _need_scard()
    ctx = _context()
    try:
        return _reader_names(s, ctx)
    finally:
        s.SCardReleaseContext(ctx)


def resolve_reader(reader: str | int, readers: list[str] | None = None) -> str:
    """A reader by index (0-based) or by name (exact, else a unique substring)."""
    readers = list_readers() if readers is None else readers
    if not readers:
        raise ReaderNotFoundError("no PC/SC reader found (is pcscd running?)")
    if isinstance(reader, int) or (isinstance(reader, str) and reader.isdigit()):
        idx = int(reader)
        if not 0 <= idx < len(readers):
            raise ReaderNotFoundError(f"no reader #{idx}: there are {len(readers)} ({', '.join(readers)})")
        return readers[idx]
    if reader in readers:
        return reader
    matches = [r for r in readers if reader.lower() in r.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ReaderNotFoundError(f"no reader named {reader!r} (have: {', '.join(readers)})")
    raise ReaderNotFoundError(f"reader name {reader!r} is ambiguous: {', '.join(matches)}")


def reader_states() -> list[tuple[str, bool, bytes]]:
    """(reader, card present, ATR) for every PC/SC reader, in one context and one status query: the one
    listing the CLI (`readers`), the TUI and the batch use."""
    s = _need_scard()
    ctx = _context()
    try:
        readers = _reader_names(s, ctx)
        if not readers:
            return []
        hr, states = s.SCardGetStatusChange(ctx, 0, [(r, s.SCARD_STATE_UNAWARE) for r in readers])
        if hr != s.SCARD_S_SUCCESS:
            return [(r, False, b"") for r in readers]
        out = []
        for name, state, atr in states:
            present = bool(state & s.SCARD_STATE_PRESENT)
            out.append((name, present, bytes(atr) if present else b""))
        return out
    finally:
        s.SCardReleaseContext(ctx)


def card_state(reader: str) -> tuple[bool, bytes]:
    """(card present, ATR) for a reader, without connecting to the card."""
    s = _need_scard()
    ctx = _context()
    try:
        hr, states = s.SCardGetStatusChange(ctx, 0, [(reader, s.SCARD_STATE_UNAWARE)])
        if hr != s.SCARD_S_SUCCESS:
            return False, b""
        _name, state, atr = states[0]
        present = bool(state & s.SCARD_STATE_PRESENT)
        return present, bytes(atr) if present else b""
    finally:
        s.SCardReleaseContext(ctx)


_PROTOCOLS = {"T=0": "SCARD_PROTOCOL_T0", "T=1": "SCARD_PROTOCOL_T1", "any": None}


class PcscTransport(Transport):
    """A card in a PC/SC reader, chosen by name or index; protocol 'T=0', 'T=1' or 'any'."""

    def __init__(self, reader: str | int, protocol: str = "any"):
        if protocol not in _PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(_PROTOCOLS)}")
        self.reader_spec = reader
        self.wanted = protocol
        self.name = str(reader)
        self._ctx = None
        self._card = None
        self._pci = None
        self._proto_name = "T=1"
        self._atr = b""
        self._held = False

    def _protocol_mask(self) -> int:
        s = _need_scard()
        if self.wanted == "any":
            return s.SCARD_PROTOCOL_T0 | s.SCARD_PROTOCOL_T1
        return getattr(s, _PROTOCOLS[self.wanted])

    def _raise(self, hr: int, doing: str):
        s = scard
        msg = s.SCardGetErrorMessage(hr).strip()
        if hr == s.SCARD_W_RESET_CARD and self._held:
            raise CardResetError(f"{self.name}: another client reset the card while {doing}: what this session "
                                 "had selected and verified is gone, nothing more was sent; run the command again")
        if hr in (s.SCARD_E_NO_SMARTCARD, s.SCARD_W_REMOVED_CARD) and doing == "connect":
            raise NoCardError(f"{self.name}: no card in the reader")
        if hr in (s.SCARD_W_REMOVED_CARD, s.SCARD_E_NO_SMARTCARD, s.SCARD_W_RESET_CARD,
                  s.SCARD_W_UNPOWERED_CARD, s.SCARD_E_READER_UNAVAILABLE, s.SCARD_E_NO_SERVICE,
                  s.SCARD_E_UNKNOWN_READER, s.SCARD_W_UNRESPONSIVE_CARD, s.SCARD_F_COMM_ERROR):
            raise CardRemovedError(f"{self.name}: card removed or reader lost while {doing} ({msg})")
        raise TransportError(f"{self.name}: {doing} failed ({msg})")

    def connect(self) -> None:
        s = _need_scard()
        self._ctx = _context()
        try:
            hr, readers = s.SCardListReaders(self._ctx, [])
            readers = list(readers) if hr == s.SCARD_S_SUCCESS else []
            self.name = resolve_reader(self.reader_spec, readers)
            ctx, mask = self._ctx, self._protocol_mask()

            def let_go(result) -> None:
                if result[0] == s.SCARD_S_SUCCESS:
                    s.SCardDisconnect(result[1], s.SCARD_LEAVE_CARD)
                s.SCardReleaseContext(ctx)

            # pcsc-lite's SCardConnect also waits while another handle holds a transaction
            hr, card, proto = self._within(self.wait, lambda: s.SCardConnect(ctx, self.name, s.SCARD_SHARE_SHARED,
                                                                           mask), let_go)
            if hr != s.SCARD_S_SUCCESS:
                self._raise(hr, "connect")
            self._card = card
            self.fresh = False  # SCardConnect does not reset: an earlier session may have moved the card
            self._set_protocol(proto)
            self._read_atr()
        except BaseException:
            self.disconnect()
            raise

    def _set_protocol(self, proto: int) -> None:
        s = scard
        if proto == s.SCARD_PROTOCOL_T0:
            self._pci, self._proto_name = s.SCARD_PCI_T0, "T=0"
        else:
            self._pci, self._proto_name = s.SCARD_PCI_T1, "T=1"

    def _read_atr(self) -> None:
        s = scard
        hr, _reader, _state, _proto, atr = s.SCardStatus(self._card)
        if hr != s.SCARD_S_SUCCESS:
            self._raise(hr, "reading the ATR")
        self._atr = bytes(atr)

    # --- holding the card for a session ---------------------------------------------------------------
    def hold(self, wait: float) -> None:
        s = _need_scard()
        if self._card is None:
            raise NoCardError(f"{self.name}: not connected")
        for _ in range(3):
            hr = self._begin_transaction(wait)
            if hr == s.SCARD_S_SUCCESS:
                self._held = True
                return
            if hr == s.SCARD_W_RESET_CARD:  # reset by another client: the card stands at the MF again
                self._reconnect(s.SCARD_LEAVE_CARD, "reconnecting after another client reset the card")
                continue
            self._raise(hr, "taking the card for this session (SCardBeginTransaction)")
        raise CardResetError(f"{self.name}: the card was reset by another client three times while this session "
                             "waited for it; nothing was sent")

    def _begin_transaction(self, wait: float) -> int:
        s = scard
        card, ctx = self._card, self._ctx

        def give_back(hr: int) -> None:
            if hr == s.SCARD_S_SUCCESS:
                s.SCardEndTransaction(card, s.SCARD_LEAVE_CARD)
            s.SCardDisconnect(card, s.SCARD_LEAVE_CARD)
            s.SCardReleaseContext(ctx)

        return self._within(wait, lambda: s.SCardBeginTransaction(card), give_back)

    def _within(self, wait: float, call, give_back):
        """``call()`` (a pcsc-lite call that waits while another handle holds the card) in a worker, waited
        for at most ``wait`` s. Past that the session gives up (:class:`CardBusyError`); the worker, when its
        call returns, hands back what it got with ``give_back(result)`` — the context is its own from then
        on, as its call holds it."""
        done = threading.Event()
        lock = threading.Lock()
        state = {"result": None, "abandoned": False}

        def work() -> None:
            result = call()
            with lock:
                if state["abandoned"]:
                    give_back(result)
                    return
                state["result"] = result
                done.set()

        threading.Thread(target=work, name=f"pcsc {self.name}", daemon=True).start()
        if done.wait(max(wait, 0.0)):
            return state["result"]
        with lock:
            if done.is_set():  # it came just as the wait ran out
                return state["result"]
            state["abandoned"] = True
            self._card = self._ctx = None  # the worker owns them now
        raise CardBusyError(f"{self.name}: another PC/SC client has held the card for more than {wait:g} s "
                            "(another cardboot, pcsc_scan, OpenSC / a browser's PKCS#11 module, ModemManager); "
                            "nothing was sent. Try again, or wait longer with --wait S")

    def release(self) -> None:
        s = scard
        if self._held and self._card is not None:
            s.SCardEndTransaction(self._card, s.SCARD_LEAVE_CARD)
        self._held = False

    def disconnect(self) -> None:
        s = scard
        self.release()
        if self._card is not None:
            s.SCardDisconnect(self._card, s.SCARD_LEAVE_CARD)
            self._card = None
        if self._ctx is not None:
            s.SCardReleaseContext(self._ctx)
            self._ctx = None

    def reset(self) -> bytes:
        s = scard
        if self._card is None:
            raise NoCardError(f"{self.name}: not connected")
        self._reconnect(s.SCARD_RESET_CARD, "resetting the card")
        return self._atr

    def _reconnect(self, disposition: int, doing: str) -> None:
        """SCardReconnect (``disposition``: reset the card, or leave it as another client's reset left it);
        the card is fresh afterwards: the MF selected, no channel open, nothing verified."""
        s = scard
        hr, proto = s.SCardReconnect(self._card, s.SCARD_SHARE_SHARED, self._protocol_mask(), disposition)
        if hr != s.SCARD_S_SUCCESS:
            self._raise(hr, doing)
        self._set_protocol(proto)
        self._read_atr()
        self.fresh = True

    @property
    def atr(self) -> bytes:
        return self._atr

    @property
    def protocol(self) -> str:
        return self._proto_name

    def transmit(self, apdu: bytes) -> bytes:
        if self._card is None:
            raise NoCardError(f"{self.name}: not connected")
        hr, response = scard.SCardTransmit(self._card, self._pci, list(apdu))
        if hr != scard.SCARD_S_SUCCESS:
            self._raise(hr, "transmitting an APDU")
        if len(response) < 2:
            # vpcd (and some readers) report success with no bytes when the card's link broke mid-command
            raise CardRemovedError(f"{self.name}: the reader returned {len(response)} bytes and no status word "
                                   "(card removed or link lost during the command)")
        return bytes(response)
