"""Writing files that may hold secrets (bootstrap messages with AAuthSecrets, card state with PIN and ADM
values, device stores), the one way cardboot does it.

- Created 0600, never world-readable.
- A regular file (or a new name) is replaced atomically: the data goes to a temporary file created with
  O_EXCL and a random name in the target's own folder, is fsynced and renamed over the target — never a
  predictable ``X.tmp`` an attacker could have planted as a symlink.
- An existing file that is not a regular file — a device such as ``/dev/null``, a FIFO — is written in
  place: renaming over it would replace the device with a regular file (as root, for everyone).
- Temporary files a killed process left behind (``.NAME.XXXXXXXX.tmp``) are removed by
  :func:`remove_stale_temporaries` on the next start.
- A symbolic link to a regular file is refused, not written through (a link planted at a store's or an
  output's path would hand its target to cardboot: replaced, or chmod-ed to 0600). Links to devices and
  FIFOs (``/dev/stdout``) are written as devices.
- Problems (missing folder, a directory, no permission) are one-line :class:`UsageError`s naming the path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import UsageError

TEMP_SUFFIX = ".tmp"


def _temp_prefix(target: Path) -> str:
    return f".{target.name}."


def write_private(path: str | Path, data: bytes | str, *, what: str = "output") -> None:
    """Write ``data`` to ``path`` as the module docstring says."""
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise UsageError(f"cannot write {what} {target}: {e.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"cannot write {what} {target}: it is a directory")
    _refuse_link_to_file(target, st, what)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_in_place(target, raw, what)
        return
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot write {what} {target}: folder {folder} does not exist")
    import tempfile  # with shutil and random behind it: only commands that write a file pay for them

    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=TEMP_SUFFIX, dir=folder)
    except OSError as e:
        raise UsageError(f"cannot write {what} {target}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp: O_EXCL, mode 0600
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        _unlink_quietly(tmp)
        raise UsageError(f"cannot write {what} {target}: {e.strerror}") from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_folder(folder)


def _refuse_link_to_file(target: Path, st: os.stat_result | None, what: str) -> None:
    if st is not None and stat.S_ISREG(st.st_mode) and os.path.islink(target):
        raise UsageError(f"cannot write {what} {target}: it is a symbolic link to a file; refusing to write "
                         "through it (give the real path)")


def _write_in_place(target: Path, raw: bytes, what: str) -> None:
    """A device or FIFO: open without blocking (a FIFO nobody reads is an error, not a hang), then write."""
    import fcntl

    try:
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK)
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
    except OSError as e:
        raise UsageError(f"cannot write {what} {target}: {e.strerror}") from None


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_folder(folder: Path) -> None:
    try:
        dirfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dirfd)
    except OSError:
        pass
    finally:
        os.close(dirfd)


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary files :func:`write_private` left beside ``path`` when its process was killed
    (they may hold secrets). Returns what was removed."""
    import re

    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    removed = []
    # ours (.NAME.XXXXXXXX.tmp) and those of cardboot before 2026-12 (.NAME.XXXXXXXX, no suffix)
    pattern = re.compile(re.escape(_temp_prefix(target)) + r"[A-Za-z0-9_]{8}(\.tmp)?")
    try:
        candidates = [p for p in folder.glob(f"{_temp_prefix(target)}*") if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    for p in candidates:
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    return removed


def create_private_file(path: str | Path, *, what: str = "file") -> None:
    """Make sure ``path`` exists as a 0600 file before a library (SQLite) opens it with the umask's mode."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"cannot create {what} {target}: folder {folder} does not exist")
    if os.path.islink(target):
        raise UsageError(f"cannot create {what} {target}: it is a symbolic link; refusing to open it (give the "
                         "real path)")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as e:
        raise UsageError(f"cannot create {what} {target}: {e.strerror}") from None


def prepare_sqlite_file(url: str, *, what: str = "database") -> None:
    """For a SQLite file URL, create the file 0600 before SQLAlchemy opens it (a device store holds
    bootstrap messages with their AAuthSecrets). Other URLs: nothing to do."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        u = make_url(url)
    except ArgumentError:
        return  # the engine reports a bad URL itself
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:" \
            and not u.database.startswith("file:"):
        create_private_file(u.database, what=what)
