"""The server's accept loop: what one client address may hold is counted from the moment its TCP
connection is accepted, and a TLS handshake has :data:`LIMITS.handshake_timeout` seconds to finish.

asyncio (and uvloop) create a TLS server's application protocol only after the handshake, and wait 60 s
for one by default: 1,100 silent TCP connections from one address held every file descriptor of a server
with Debian's default limit of 1,024 for that minute, and no device got in (hardening round three, item 9).
Here the listening socket is served by an accept loop of our own: a connection from an address that
already holds :data:`LIMITS.max_per_client` is closed at once (before any TLS work), the others get
``connect_accepted_socket`` with a bounded handshake. The slot a connection takes is given back when the
handshake fails or times out, or when the HTTP protocol's connection is lost.

uvicorn is told to use this through its custom event-loop setting (``loop="cardboot.server.listen:
BoundedLoop"``, a loop factory since uvicorn 0.36), which reaches ``--workers`` processes too; the server is always started with the socket
bound beforehand, so ``create_server(sock=...)`` is the one call made here.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
from dataclasses import dataclass

import uvloop


@dataclass
class Limits:
    max_per_client: int = 32  # open connections (handshaking or not) per client address
    handshake_timeout: float = 10.0  # seconds: a device on a slow link needs a few round trips, not 60 s


LIMITS = Limits()
ACCEPTS_PER_WAKEUP = 64  # connections taken from the backlog before other work gets the loop again
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_RETRY_ACCEPT = 0.1  # seconds to wait when the process is out of descriptors (asyncio waits 1 s)
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nretry-after: 1\r\n"
         b"connection: close\r\n\r\n")

_PER_CLIENT: dict[str, int] = {}


class Slot:
    """One connection's place in its address's count; given back once, whoever does it first."""

    __slots__ = ("address",)

    def __init__(self, address: str) -> None:
        self.address: str | None = address
        _PER_CLIENT[address] = _PER_CLIENT.get(address, 0) + 1

    def release(self) -> None:
        address, self.address = self.address, None
        if address is None:
            return
        left = _PER_CLIENT.get(address, 1) - 1
        if left > 0:
            _PER_CLIENT[address] = left
        else:
            _PER_CLIENT.pop(address, None)


def held_by(address: str) -> int:
    return _PER_CLIENT.get(address, 0)


class _Listener:
    """What uvicorn expects back from ``create_server``: ``close``, ``wait_closed``, ``sockets``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, protocol_factory,
                 sslcontext: ssl.SSLContext | None) -> None:
        self._loop = loop
        self._sock = sock
        self._factory = protocol_factory
        self._ssl = sslcontext
        self._closed = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self.sockets = [sock]
        sock.setblocking(False)
        loop.add_reader(sock.fileno(), self._accept_ready)

    def is_serving(self) -> bool:
        return not self._closed.is_set()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._loop.remove_reader(self._sock.fileno())
        for task in list(self._tasks):
            task.cancel()  # handshakes still running: nothing was asked yet

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def _accept_ready(self) -> None:
        for _ in range(ACCEPTS_PER_WAKEUP):
            try:
                conn, peer = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:
                if exc.errno in _OUT_OF_DESCRIPTORS and not self._closed.is_set():
                    # the connection stays in the kernel's backlog until a descriptor is free
                    self._loop.remove_reader(self._sock.fileno())
                    self._loop.call_later(_RETRY_ACCEPT, self._resume)
                    return
                raise
            self._take(conn, peer)

    def _resume(self) -> None:
        if not self._closed.is_set():
            self._loop.add_reader(self._sock.fileno(), self._accept_ready)

    def _take(self, conn: socket.socket, peer) -> None:
        address = peer[0] if isinstance(peer, tuple) and peer else ""
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            # asyncio sets TCP_NODELAY only when the listening socket says IPPROTO_TCP; the one uvicorn's
            # supervisor binds says 0, and Nagle + delayed ACK then hold every answer 40 ms
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if held_by(address) >= LIMITS.max_per_client:
            if self._ssl is None:
                try:
                    conn.send(_BUSY)  # plain HTTP can still be told why; before TLS nothing can be said
                except OSError:
                    pass
            conn.close()
            return
        slot = Slot(address)
        task = self._loop.create_task(self._connect(conn, slot))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect(self, conn: socket.socket, slot: Slot) -> None:
        def protocol():
            made = self._factory()
            made.slot = slot
            return made

        timeout = LIMITS.handshake_timeout if self._ssl is not None else None
        try:
            await self._loop.connect_accepted_socket(protocol, conn, ssl=self._ssl, ssl_handshake_timeout=timeout)
        except BaseException as exc:
            slot.release()  # the protocol never saw a connection, so it gives nothing back
            if conn.fileno() != -1:
                conn.close()
            if not isinstance(exc, (OSError, ssl.SSLError, asyncio.TimeoutError, asyncio.CancelledError)):
                raise


class BoundedLoop(uvloop.Loop):
    """uvloop whose servers accept through :class:`_Listener`."""

    async def create_server(self, protocol_factory, host=None, port=None, *, sock=None, ssl=None, **_ignored):
        if sock is None or host is not None or port is not None:
            raise ValueError("the bootstrap server binds its socket first and passes it as sock=")
        sock.listen(_ignored.get("backlog", 2048))
        return _Listener(self, sock, protocol_factory, ssl)

