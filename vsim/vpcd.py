"""Serve a virtual card to pcscd through the vsmartcard ``vpcd`` driver.

vpcd (a pcscd reader driver, Debian package vsmartcard-vpcd) listens on TCP port 35963 per slot (its
reader.conf ``DEVICENAME /dev/null:0x8C7B``; slot 1 on the next port). The virtual card connects to it as a
client. Every message both ways is a 2-byte big-endian length and the payload. A 1-byte payload from vpcd
is a control (vsmartcard's vpcd.h: ``VPCD_CTRL_OFF 0``, ``VPCD_CTRL_ON 1``, ``VPCD_CTRL_RESET 2``,
``VPCD_CTRL_ATR 4``; only ATR is answered); anything longer is a C-APDU answered with the R-APDU.

Latency: Linux delays ACKs; vpcd writes the length and the payload in two writes, so without
``TCP_QUICKACK`` set again before every ``recv`` each APDU waits for the delayed-ACK timer (~40 ms).
``TCP_NODELAY`` keeps our own replies from waiting; the reply goes out in one ``sendall``.
"""

from __future__ import annotations

import logging
import socket
import threading
import time


def atr_protocols(atr: bytes) -> set[int]:
    """Transmission protocols an ATR offers (ISO/IEC 7816-3 8.2.3: the low nibble of each TDi; T=0 when
    there is no TD1). T=15 is global bytes, not a protocol."""
    if len(atr) < 2:
        return {0}
    protocols: set[int] = set()
    y, i = atr[1] >> 4, 2
    while True:
        i += bin(y & 0x7).count("1")  # TAi, TBi, TCi present
        if not y & 0x8 or i >= len(atr):
            break
        td = atr[i]
        i += 1
        if td & 0x0F != 15:
            protocols.add(td & 0x0F)
        y = td >> 4
    return protocols or {0}

log = logging.getLogger("vsim.vpcd")

VPCD_PORT = 35963
VPCD_CTRL_OFF = 0
VPCD_CTRL_ON = 1
VPCD_CTRL_RESET = 2
VPCD_CTRL_ATR = 4


class _Closed(Exception):
    pass


class VpcdCard:
    """One virtual card on one vpcd slot. ``run()`` blocks until :meth:`stop`; reconnects when pcscd
    restarts or the link drops (fault injection included)."""

    def __init__(self, card, host: str = "127.0.0.1", port: int = VPCD_PORT, *, quickack: bool = True,
                 nodelay: bool = True, state=None, reconnect_delay: float = 0.2, link=None):
        self.card = card
        self.link = link  # a vsim.link.LinkModel: answer as slowly as a real card's wire would
        if not getattr(card, "t0", True) and 1 not in atr_protocols(card.atr):
            # pcscd can only pick T=0 for this ATR: behave as a T=0 card (61xx / GET RESPONSE)
            card.t0 = True
        self.host = host
        self.port = port
        self.quickack = quickack
        self.nodelay = nodelay
        self.state = state  # a vsim.state.StateKeeper, or None
        self.reconnect_delay = reconnect_delay
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.connections = 0
        self.apdus = 0

    # --- lifecycle -----------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def start_thread(self) -> threading.Thread:
        t = threading.Thread(target=self.run, name=f"vsim-vpcd-{self.port}", daemon=True)
        t.start()
        return t

    def run(self) -> None:
        delay = self.reconnect_delay
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2)
            except OSError as e:
                log.debug("vpcd %s:%d not reachable (%s); retrying", self.host, self.port, e)
                self._stop.wait(delay)
                delay = min(delay * 2, 2.0)
                continue
            delay = self.reconnect_delay
            self._configure(sock)
            with self._lock:
                self._sock = sock
            self.connections += 1
            self.connected.set()
            log.info("connected to vpcd %s:%d", self.host, self.port)
            try:
                self._serve(sock)
            except ConnectionError as e:  # fault injection dropped the link (before OSError: a subclass)
                log.info("%s", e)
                self._stop.wait(self.reconnect_delay)
            except (_Closed, OSError) as e:
                log.info("vpcd link closed (%s)", e)
            finally:
                self.connected.clear()
                with self._lock:
                    self._sock = None
                try:
                    sock.close()
                except OSError:
                    pass
                self.card.power_off()
        if self.state is not None:  # served no more: the state file is free for the next holder
            self.state.release()

    # --- the link ------------------------------------------------------------------------------------
    def _configure(self, sock: socket.socket) -> None:
        sock.settimeout(None)
        if self.nodelay:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.quickack:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            if self.quickack:  # the kernel clears it after use: set it before every recv
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise _Closed("vpcd closed the connection")
            buf += chunk
        return bytes(buf)

    def _serve(self, sock: socket.socket) -> None:
        card = self.card
        while not self._stop.is_set():
            n = int.from_bytes(self._recv_exact(sock, 2), "big")
            payload = self._recv_exact(sock, n) if n else b""
            if n == 1:
                ctrl = payload[0]
                if ctrl == VPCD_CTRL_OFF:
                    card.power_off()
                elif ctrl == VPCD_CTRL_ON:
                    card.power_on()
                elif ctrl == VPCD_CTRL_RESET:
                    card.reset()
                elif ctrl == VPCD_CTRL_ATR:
                    atr = card.atr
                    sock.sendall(len(atr).to_bytes(2, "big") + atr)
                else:
                    log.warning("unknown vpcd control byte %02X", ctrl)
                continue
            if not card.powered:  # pcscd may send an APDU right after a reset without ON
                card.power_on()
            started = time.monotonic()
            response = card.process(payload)
            self.apdus += 1
            if self.link is not None:
                lc = payload[4] if len(payload) > 5 else 0
                le = payload[4] if len(payload) == 5 else (payload[-1] if len(payload) == 6 + lc else None)
                wait = self.link.seconds(lc, le, len(response) - 2) - (time.monotonic() - started)
                if wait > 0:
                    time.sleep(wait)
            if self.state is not None:
                self.state.after(payload)
            sock.sendall(len(response).to_bytes(2, "big") + response)


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
