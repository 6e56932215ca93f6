"""File operations shared by a SIM and a UICC logical channel: select (with a cache), read and update
binary in the largest chunks a short APDU allows, records, verified writes and the PIN retry guard.

The family-specific parts (how to SELECT, how to learn a retry counter, which CLA) live in ``sim.py`` and
``uicc.py``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace

from ..apdu.command import CommandApdu
from ..apdu.exchange import ApduExchange
from ..errors import (CardFileNotFoundError, CardResponseError, DecodeError, StatusWordError, UsageError,
                      VerifyMismatchError)
from ..secret import Secret
from .access_rule import AccessRules, decode_expanded
from .fileinfo import FileInfo
from .path import CURRENT_ADF, MF, FilePath, as_path, path_str
from .pin import check_guard, pin_block

READ_CHUNK = 256  # Le=00 (ISO/IEC 7816-4 short APDU maximum)
WRITE_CHUNK = 255  # Lc maximum


@dataclass
class SessionState:
    """What one card session shares across its logical channels: EF.ARR records and resolved rules, and
    the files whose content is secret (a bootstrap message carries AAuthSecrets; a private object is
    private), whose READ / UPDATE BINARY data traces and logs show as ``****`` unless ``reveal``."""

    arr_cache: dict[tuple, AccessRules] = field(default_factory=dict)
    secret_files: set[tuple] = field(default_factory=set)
    reveal: bool = False


def looks_like_df(path: FilePath) -> bool:
    """Without a SELECT response, tell a DF by its FID: 3F00 MF, 7FFF the ADF, 7Fxx / 5Fxx DFs
    (TS 51.011 6.2, TS 102 221 8.2)."""
    fid = path[-1]
    return fid in (MF, CURRENT_ADF) or (fid >> 8) in (0x7F, 0x5F)


class FileAccess(ABC):
    """A view of the card's file system with one current file (a SIM, or one UICC logical channel)."""

    exchange: ApduExchange
    cla: int

    def __init__(self) -> None:
        self._current: FilePath | None = None  # absolute path of the selected file; None: unknown
        self._current_df: FilePath = (MF,)
        self._info: FileInfo | None = None
        self.session = SessionState()  # a UICC's channels share their card's

    @property
    def arr_cache(self) -> dict[tuple, AccessRules]:
        return self.session.arr_cache

    def mark_secret(self, path) -> None:
        """The content of this file is secret: mask its data in traces and logs (see SessionState)."""
        self.session.secret_files.add((getattr(self, "aid", None), self.resolve(path)))

    def _data_is_secret(self) -> bool:
        s = self.session
        return not s.reveal and (getattr(self, "aid", None), self._current) in s.secret_files

    # --- selection -----------------------------------------------------------------------------------
    @property
    def current(self) -> FilePath | None:
        return self._current

    @property
    def current_info(self) -> FileInfo | None:
        return self._info

    def resolve(self, path) -> FilePath:
        """Make a path absolute: 3F00... and 7FFF... stay, others are relative to the current DF."""
        p = as_path(path)
        if p[0] in (MF, CURRENT_ADF):
            return p
        return self._current_df + p

    def select(self, path, *, info: bool = True) -> FileInfo | None:
        """Select a file; return what the card says about it (``info=False`` may save APDUs and return None).

        Nothing is sent when the file is already selected (and its info known, if wanted).
        """
        target = self.resolve(path)
        if target == self._current and (self._info is not None or not info):
            return self._info
        try:
            got = self._select(target, info)
        except StatusWordError as e:
            self._forget()
            if isinstance(e, CardFileNotFoundError):
                raise CardFileNotFoundError(e.command, e.sw, e.meaning, path_str(target)) from None
            raise
        except DecodeError:
            self._forget()
            raise
        self._current = target
        self._info = got
        is_df = got.is_df if got is not None else looks_like_df(target)
        self._current_df = target if is_df else (target[:-1] or (MF,))
        return got

    def _forget(self) -> None:
        """After a failed SELECT the card's current file is not known for sure: start from MF next time."""
        self._current = None
        self._info = None
        self._current_df = (MF,)

    def _selected(self, target: FilePath, info: FileInfo | None) -> None:
        """For subclasses that select outside :meth:`select` (SELECT by AID)."""
        self._current = target
        self._info = info
        self._current_df = target

    @abstractmethod
    def _select(self, target: FilePath, info: bool) -> FileInfo | None: ...

    def _need_ef(self, what: str) -> FileInfo:
        info = self._info
        if self._current is None:
            raise UsageError(f"{what}: no file selected")
        if info is None:
            info = self.select(self._current)
        assert info is not None
        if info.is_df:
            raise UsageError(f"{what}: {path_str(self._current)} is a {info.kind}, not an EF")
        return info

    # --- transparent EFs ------------------------------------------------------------------------------
    def read_binary(self, offset: int = 0, length: int | None = None) -> bytes:
        """Read the current transparent EF from ``offset``; ``length`` None reads to the end (size from
        the SELECT response), in ``ceil(n/256)`` APDUs."""
        info = self._need_ef("READ BINARY")
        if info.structure != "transparent":
            raise UsageError(f"READ BINARY: {path_str(self._current)} is {info.structure}, not transparent")
        size = info.size or 0
        if length is None:
            length = size - offset
        if offset < 0 or length < 0 or offset + length > size:
            raise UsageError(f"READ BINARY: {offset}+{length} is outside {path_str(self._current)} ({size} bytes)")
        if offset + length > 0x8000:  # P1 b8 set would mean an SFI (ISO 7816-4 7.2.2)
            raise CardResponseError(f"READ BINARY: {path_str(self._current)} states {size} bytes; reading past "
                                    "offset 7FFF needs the odd-INS READ BINARY, which cardboot does not send")
        out = bytearray()
        pos = offset
        end = offset + length
        secret = self._data_is_secret()
        while pos < end:
            n = min(READ_CHUNK, end - pos)
            cmd = CommandApdu(self.cla, 0xB0, pos >> 8, pos & 0xFF, le=n, name="READ BINARY")
            data = self.exchange.send(cmd, secret_response=secret).data
            if not data:
                raise StatusWordError("READ BINARY", 0x9000, f"card returned no data at offset {pos}")
            out += data[:n]
            pos += len(data[:n])
        return bytes(out)

    def update_binary(self, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` of the current transparent EF, 255 bytes per APDU."""
        info = self._need_ef("UPDATE BINARY")
        size = info.size or 0
        if offset < 0 or offset + len(data) > size:
            raise UsageError(f"UPDATE BINARY: {len(data)} bytes at {offset} do not fit "
                             f"{path_str(self._current)} ({size} bytes)")
        if offset + len(data) > 0x8000:  # P1 b8 set would mean an SFI (ISO 7816-4 7.2.2)
            raise CardResponseError(f"UPDATE BINARY: {path_str(self._current)} states {size} bytes; writing past "
                                    "offset 7FFF needs the odd-INS UPDATE BINARY, which cardboot does not send")
        pos = 0
        secret = self._data_is_secret()
        while pos < len(data):
            chunk = data[pos : pos + WRITE_CHUNK]
            at = offset + pos
            self.exchange.send(CommandApdu(self.cla, 0xD6, at >> 8, at & 0xFF, chunk, name="UPDATE BINARY",
                                           secret=secret))
            pos += len(chunk)

    def read_file(self, path) -> bytes:
        """SELECT and read a whole transparent EF."""
        self.select(path)
        return self.read_binary()

    def update_verified(self, offset: int, data: bytes, where: str | None = None) -> None:
        """UPDATE BINARY, then read back and compare: the one place a write is proven."""
        self.update_binary(offset, data)
        back = self.read_binary(offset, len(data))
        if back != data:
            i = next(i for i, (a, b) in enumerate(zip(data, back)) if a != b)
            raise VerifyMismatchError(where or path_str(self._current or ()), offset + i, data[i], back[i])

    def write_file(self, path, data: bytes, offset: int = 0, *, verify: bool = True) -> None:
        """SELECT, UPDATE BINARY and (by default) read back and compare."""
        self.select(path)
        if verify:
            self.update_verified(offset, data)
        else:
            self.update_binary(offset, data)

    # --- record EFs -----------------------------------------------------------------------------------
    def read_record(self, number: int) -> bytes:
        """READ RECORD ``number`` (absolute mode, P2=04) of the current linear fixed / cyclic EF."""
        info = self._need_ef("READ RECORD")
        if info.structure not in ("linear", "cyclic"):
            raise UsageError(f"READ RECORD: {path_str(self._current)} is {info.structure}, not a record file")
        if not 1 <= number <= (info.record_count or 0):
            raise UsageError(f"READ RECORD: record {number} outside 1..{info.record_count}")
        cmd = CommandApdu(self.cla, 0xB2, number, 0x04, le=info.record_size, name="READ RECORD")
        return self.exchange.send(cmd).data

    def read_records(self, path) -> list[bytes]:
        info = self.select(path)
        assert info is not None
        return [self.read_record(n) for n in range(1, (info.record_count or 0) + 1)]

    def update_record(self, number: int, data: bytes) -> None:
        info = self._need_ef("UPDATE RECORD")
        if len(data) != info.record_size:
            raise UsageError(f"UPDATE RECORD: {len(data)} bytes for records of {info.record_size}")
        self.exchange.send(CommandApdu(self.cla, 0xDC, number, 0x04, data, name="UPDATE RECORD"))

    # --- access rules (TS 102 221 9.2.7) ------------------------------------------------------------
    def access_rules(self, path) -> AccessRules:
        """The access rules of a file. A reference to EF.ARR (FCP tag 8B) is resolved by reading the
        record once per card session: the EF.ARR is looked for in the file's own DF first, then in each
        parent up to the MF (TS 102 221 9.2.7: an ADF's EF.ARR 6F06 before the MF's 2F06), and the
        record for SE 00 is taken when the reference names one per security environment."""
        target = self.resolve(path)
        key = ("file", getattr(self, "aid", None), target)
        if key in self.arr_cache:
            return self.arr_cache[key]
        info = self.select(target) if target != self._current or self._info is None else self._info
        assert info is not None
        if info.access.resolved:
            return info.access
        arr = info.access.arr
        assert arr is not None
        record = arr.record_for(0)
        rules = AccessRules((), "unresolved", arr)
        if record is not None:
            parents = target[:-1]
            for depth in range(len(parents), 0, -1):
                candidate = parents[:depth] + (arr.fid,)
                found = self._arr_record(candidate, record, info.is_df)
                if found is not None:
                    rules = replace(found, arr=arr)
                    break
            else:
                if parents[:1] != (MF,):
                    found = self._arr_record((MF, arr.fid), record, info.is_df)
                    if found is not None:
                        rules = replace(found, arr=arr)
        self.arr_cache[key] = rules
        return rules

    def _arr_record(self, arr_path: FilePath, record: int, is_df: bool) -> AccessRules | None:
        """One EF.ARR record decoded, or None when there is no such EF.ARR (or record)."""
        key = ("arr", getattr(self, "aid", None), arr_path, record, is_df)
        if key in self.arr_cache:
            return self.arr_cache[key]
        try:
            info = self.select(arr_path)
        except CardFileNotFoundError:
            return None
        if info is None or info.structure != "linear" or not 1 <= record <= (info.record_count or 0):
            return None
        data = self.read_record(record)
        rules = replace(decode_expanded(data, is_df=is_df, where=f"EF.ARR {path_str(arr_path)} record {record}"),
                        source="arr")
        self.arr_cache[key] = rules
        return rules

    # --- PINs ------------------------------------------------------------------------------------------
    @abstractmethod
    def pin_retries(self, key_ref: int) -> int | None:
        """Tries left for the PIN (0 = blocked); None when the card does not say. -1 = already verified."""

    @abstractmethod
    def pin_name(self, key_ref: int) -> str: ...

    @abstractmethod
    def _verify_sw(self, sw: int, name: str) -> None: ...

    def verify_pin(self, key_ref: int, pin: Secret, *, force: bool = False) -> None:
        """VERIFY a PIN/CHV/ADM after checking its retry counter (see ``pin.py``)."""
        name = self.pin_name(key_ref)
        data = pin_block(pin, name)
        retries = self.pin_retries(key_ref)
        if retries == -1:
            return  # already verified: nothing to risk, nothing to send
        check_guard(name, retries, force)
        cmd = CommandApdu(self.cla, 0x20, 0x00, key_ref, data, name=f"VERIFY {name}", secret=True)
        resp = self.exchange.send(cmd, check=False)
        self._verify_sw(resp.sw, name)
