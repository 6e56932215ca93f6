"""Run pcscd with the vsmartcard vpcd driver for tests and benchmarks, and stop it again.

When a pcscd is already running and lists a vpcd reader it is used as it is. Otherwise a private pcscd
is started in the foreground (``pcscd -f -c DIR``) with a reader.conf for vpcd in a temporary folder and
stopped by its PID at the end; it needs root (pcscd's socket lives in /run/pcscd). pcscd 1.9 has one
fixed socket, so two pcscd cannot run side by side.

vpcd's ports (35963, 35964, ...) lie in Linux's ephemeral range (32768-60999): after a burst of
connections (a test suite, a benchmark), one of them may be the port of a client socket in TIME_WAIT for
up to 60 s, and as that socket did not set SO_REUSEADDR, vpcd cannot bind the port and pcscd never lists
the reader (vpcd's own connections' TIME_WAITs do not get in the way). ``scripts/install.sh``
takes them out of the ephemeral range (net.ipv4.ip_local_reserved_ports); where that could not be done,
:meth:`PcscdService.ensure` waits for the ports to be free before it starts pcscd, and says which one was
not.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VPCD_LIBS = ("/usr/lib/pcsc/drivers/serial/libifdvpcd.so",)
PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
READER_PREFIX = "Virtual PCD"
PORT_WAIT = 65.0  # seconds: a TCP TIME_WAIT lasts 60 s on Linux


class PcscdUnavailable(Exception):
    """pcscd or the vpcd driver is missing, or we may not start pcscd (the reason says which)."""


def vpcd_library() -> str | None:
    return next((p for p in VPCD_LIBS if os.path.exists(p)), None)


def readers() -> list[str] | None:
    """Reader names, or None when no pcscd answers."""
    from smartcard import scard

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        return None
    try:
        hr, names = scard.SCardListReaders(ctx, [])
        return list(names) if hr == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(ctx)


def card_present(reader: str) -> bool:
    """Whether pcscd sees a card in ``reader`` right now (False when no pcscd answers)."""
    from cardboot.errors import CardbootError
    from cardboot.transport.pcsc import card_state

    try:
        return card_state(reader)[0]
    except CardbootError:
        return False


def port_bindable(port: int) -> bool:
    """Whether vpcd could bind ``port`` now (as it does: any address, SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("", port))
        except OSError:
            return False
    return True


def wait_for_ports(ports, timeout: float = PORT_WAIT) -> list[int]:
    """The ports still not bindable after waiting up to ``timeout`` seconds (empty: all free)."""
    from .vpcd import wait_for

    ports = list(ports)
    wait_for(lambda: all(port_bindable(p) for p in ports), timeout, interval=0.5)
    return [p for p in ports if not port_bindable(p)]


def vpcd_readers() -> list[str]:
    return [r for r in readers() or [] if r.startswith(READER_PREFIX)]


def slot_readers(names: list[str], port: int = 35963) -> dict[int, str]:
    """vpcd port → reader name: entry k ("Virtual PCD" / "Virtual PCD k") serves ports port+2k, port+2k+1."""
    out = {}
    for name in names:
        parts = name[len(READER_PREFIX):].split()
        entry = int(parts[0]) if len(parts) == 3 else 0
        slot = int(parts[-1])
        out[port + 2 * entry + slot] = name
    return out


def reader_conf(port: int, lib: str, name: str = READER_PREFIX) -> str:
    return (f'FRIENDLYNAME "{name}"\nDEVICENAME /dev/null:0x{port:04X}\n'
            f"LIBPATH {lib}\nCHANNELID 0x{port:04X}\n")


class PcscdService:
    """``ensure()`` a pcscd with vpcd slots on ``port`` and ``port + 1``; ``stop()`` only what we started."""

    def __init__(self, port: int = 35963, log_path: str | None = None, slots: int = 2, *, cleanup: bool = True):
        """``cleanup``: stop private pcscds a killed run left (their owner is dead) and remove a stale
        pcscd socket before starting; off, nothing this service did not create is touched."""
        self.port = port
        self.slots = slots
        self.log_path = log_path
        self.cleanup = cleanup
        self.proc: subprocess.Popen | None = None
        self.confdir: str | None = None
        self.workdir: str | None = None
        self._log = None

    @property
    def started_here(self) -> bool:
        return self.proc is not None

    def ensure(self, timeout: float = 15.0) -> list[str]:
        if self.cleanup:
            stop_stray_pcscd()  # a private pcscd of a killed run: gone before anything looks at the readers
        current = readers()
        if current is not None:
            vp = [r for r in current if r.startswith(READER_PREFIX)]
            if not vp:
                raise PcscdUnavailable("a pcscd is running without the vpcd reader (stop it, or add "
                                       "/etc/reader.conf.d/vpcd from vsmartcard-vpcd)")
            if len(vp) < self.slots:
                raise PcscdUnavailable(f"the running pcscd has {len(vp)} vpcd readers, {self.slots} are needed: "
                                       "stop it so that cardboot can start one with more")
            return vp
        exe = shutil.which("pcscd") or ("/usr/sbin/pcscd" if os.path.exists("/usr/sbin/pcscd") else None)
        if exe is None:
            raise PcscdUnavailable("pcscd is not installed (apt-get install pcscd)")
        lib = vpcd_library()
        if lib is None:
            raise PcscdUnavailable("the vpcd driver is not installed (apt-get install vsmartcard-vpcd)")
        if os.geteuid() != 0:
            raise PcscdUnavailable("starting pcscd needs root (its socket lives in /run/pcscd)")
        if PCSCD_SOCKET.exists():  # left over by a pcscd that was killed
            if not self.cleanup:
                raise PcscdUnavailable(f"{PCSCD_SOCKET} exists but no pcscd answers (a stale socket: remove it, "
                                       "or let vsim clean up: --vsim-cleanup)")
            PCSCD_SOCKET.unlink()
        busy = wait_for_ports(range(self.port, self.port + 2 * ((self.slots + 1) // 2)))
        if busy:
            raise PcscdUnavailable(f"vpcd port{'s' if len(busy) > 1 else ''} {', '.join(map(str, busy))} in use "
                                   f"for {PORT_WAIT:.0f} s (ss -tanp | grep {busy[0]}); vpcd could not listen")
        self.workdir = tempfile.mkdtemp(prefix="vsim-pcscd-")
        self.confdir = str(Path(self.workdir, "reader.conf.d"))  # pcscd parses every file in here
        Path(self.confdir).mkdir()
        Path(self.workdir, "owner").write_text(str(os.getpid()))  # for stop_stray_pcscd
        # vpcd serves 2 slots per reader.conf entry; each further entry needs its own copy of the driver
        # (entries sharing one .so overwrite each other's connections, see apdu-facts.md)
        for k in range((self.slots + 1) // 2):
            entry_lib = lib if k == 0 else str(Path(self.workdir, f"libifdvpcd-{k}.so"))
            if k:
                shutil.copy(lib, entry_lib)
            name = READER_PREFIX if k == 0 else f"{READER_PREFIX} {k}"
            Path(self.confdir, f"vpcd-{k}").write_text(reader_conf(self.port + 2 * k, entry_lib, name))
        self._log = open(self.log_path or os.devnull, "ab")
        self.proc = subprocess.Popen([exe, "-f", "-c", self.confdir], stdout=self._log, stderr=self._log,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent(os.getpid()))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise PcscdUnavailable(f"pcscd exited at once (code {self.proc.returncode if self.proc else '?'})")
            vp = vpcd_readers()
            if len(vp) >= self.slots:
                return vp
            time.sleep(0.05)
        self.stop()
        raise PcscdUnavailable(f"pcscd did not list a vpcd reader within {timeout:.0f} s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.confdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.confdir = None


@contextlib.contextmanager
def served_card(profile: str, reader: str, port: int = 35963, extra: tuple[str, ...] = (), timeout: float = 15.0):
    """Run ``cardboot vsim serve --profile PROFILE`` as its own process until the card shows in ``reader``;
    stop it (SIGTERM) and wait for the card to leave on exit."""
    from .vpcd import wait_for

    proc = subprocess.Popen([sys.executable, "-m", "vsim", "serve", "--profile", profile,
                             "--port", str(port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_for(lambda: card_present(reader), timeout):
            raise PcscdUnavailable(f"the virtual card {profile} did not appear in {reader}")
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        wait_for(lambda: not card_present(reader), 5)


def _die_with_parent(parent: int):
    """For Popen's preexec_fn: the child gets SIGTERM when its parent dies, even by SIGKILL
    (prctl PR_SET_PDEATHSIG, Linux), so a killed `batch run --vsim-slots` takes its pcscd with it."""
    import ctypes
    import signal

    def set_pdeathsig() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            return  # not Linux: stop_stray_pcscd on the next start remains
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(0)

    return set_pdeathsig


def private_pcscds() -> list[tuple[int, Path, int | None]]:
    """(pid, work folder, owner pid) of every pcscd a vsim PcscdService started (its config folder is a
    vsim-pcscd-* temporary). Reads /proc: no procps needed."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\x00")
        except OSError:
            continue
        conf = next((part for part in cmd if b"vsim-pcscd-" in part), None)
        if cmd and cmd[0].endswith(b"pcscd") and conf is not None:
            workdir = Path(conf.decode(errors="replace")).parent
            try:
                owner = int(workdir.joinpath("owner").read_text())
            except (OSError, ValueError):
                owner = None
            out.append((int(entry.name), workdir, owner))
    return out


def stop_stray_pcscd() -> int:
    """Stop the private pcscds whose owner process is gone (kill -9) and remove their work folders. A
    pcscd whose owner lives is left alone."""
    import signal

    from .vpcd import wait_for

    stopped = []
    for pid, workdir, owner in private_pcscds():
        if owner is not None and Path(f"/proc/{owner}").exists():
            continue  # its owner is alive: not a stray
        try:
            os.kill(pid, signal.SIGTERM)
            stopped.append((pid, workdir))
        except ProcessLookupError:
            pass
    for pid, workdir in stopped:
        wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists(), 5)
        shutil.rmtree(workdir, ignore_errors=True)  # its reader.conf.d and driver copies
    return len(stopped)
