"""``pkcs15 init``: make a card hold the PKCS#15 part of a layout (OMA-TS-DM_Bootstrap Appendix D), creating
with TS 102 222 what is missing.

1. Survey, reading only: EF.DIR's records, the PKCS#15 DF/ADF, each file the layout wants (FCP, access
   rules as the card resolves them, content where init manages it), the EF.ARR records rules could be
   referenced by.
2. Plan: CREATE FILE for a missing file (UICC; a SIM cannot, and its missing files are reported), the
   content of ODF / AODF / DODF merged — entries the card already lists (another application's) are kept,
   the layout's missing ones appended — TokenInfo written where the EF is blank, EF.DIR's PKCS#15 record
   added, a new EF DM_Bootstrap proven all FF (D.4.3). A file whose structure, size or access rules differ
   from the layout is a conflict: nothing is sent and the differences are listed, unless ``recreate``
   (DELETE FILE + CREATE FILE).
3. Carry it out after one VERIFY of the layout's update key (ADM, D.4.1), each step read back. A failing
   step raises :class:`InitStepError` naming the file, the card's answer, what was done and what not.

A second run finds nothing to do and sends no UPDATE. ``dry_run``: the survey is real, the changing
commands go to a :class:`~cardboot.transport.dryrun.DryRunTransport` and are listed, not sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import tlv
from ..card.access_rule import AccessRules, Key, decode_expanded, encode_expanded, rule_signature
from ..card.admin import NewFile, create_file, delete_file, set_active
from ..card.connect import Card
from ..card.fcp import explicit_sfi, security_attributes
from ..card.fileinfo import FileInfo
from ..card.path import CURRENT_ADF, MF, FilePath, path_str
from ..card.uicc import UiccCard
from ..errors import CardbootError, CardFileNotFoundError, DecodeError, ExitCode, StatusWordError, VerifyMismatchError
from ..pkcs15.der import split_tolerant
from ..pkcs15.tokeninfo import decode_tokeninfo
from .access import Secrets, present
from .difference import CARD_VS_LAYOUT, Difference
from .layout import InitLayout, WantedFile

_EF_OPS = ("read", "update", "deactivate", "activate", "delete")
_DF_OPS = ("create-ef", "create-df", "delete-child", "deactivate", "activate", "delete")


def _conflict(path: str, what: str, card: str, layout: str) -> Difference:
    """A place where the card is not what the layout says."""
    return Difference(path, what, card, layout, CARD_VS_LAYOUT)


@dataclass
class Step:
    """One change: ``action`` create | delete | activate | update | record | arr-record | blank-check."""

    action: str
    target: str
    detail: str = ""
    done: bool = False

    def __str__(self) -> str:
        return f"{self.action} {self.target}" + (f": {self.detail}" if self.detail else "")


@dataclass
class InitResult:
    layout: str
    steps: list[Step]
    missing: list[str] = field(default_factory=list)
    recreated: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    apdus: int = 0
    dry_run: bool = False
    held: list[bytes] = field(default_factory=list)  # dry run: the commands not sent

    @property
    def unchanged(self) -> bool:
        return not self.steps and not self.missing


class LayoutConflictError(CardbootError):
    """Files on the card differ from the layout in structure, size or access: nothing was changed."""

    exit_code = ExitCode.MISMATCH

    def __init__(self, differences: list[Difference]):
        self.differences = differences
        lines = "\n".join(f"  {d}" for d in differences)
        super().__init__(f"the card conflicts with the layout in {len(differences)} place(s); nothing was "
                         f"changed (--recreate deletes and creates these files):\n{lines}")


class LayoutDoesNotFitError(CardbootError):
    """The files to create need more memory than the card says it has (FCP A5/83): nothing was changed."""

    exit_code = ExitCode.VALIDATION

    def __init__(self, where: str, need: int, free: int, files: list[str]):
        super().__init__(f"the layout does not fit {where}: creating {', '.join(files)} needs {need} bytes, the "
                         f"card has {free} bytes available (FCP A5/83); nothing was changed")


class InitStepError(CardbootError):
    """A step failed. The message names the file, the card's answer, and the card's state: the steps
    done (each verified) and those not done. The exit code is the cause's."""

    def __init__(self, step: Step, cause: CardbootError, steps: list[Step]):
        self.step, self.cause, self.steps = step, cause, steps
        self.exit_code = cause.exit_code
        done = [str(s) for s in steps if s.done]
        todo = [str(s) for s in steps if not s.done and s is not step]
        text = f"{step} failed: {cause}"
        text += "\n  done before it (verified): " + ("; ".join(done) if done else "nothing")
        text += "\n  not done: " + ("; ".join(todo) if todo else "nothing else")
        super().__init__(text)


# --- survey ---------------------------------------------------------------------------------------------


@dataclass
class _Seen:
    want: WantedFile
    path: FilePath  # how to reach it on this card (7FFF/... inside an ADF)
    info: FileInfo | None
    rules: AccessRules | None = None
    content: bytes | None = None


def _select(files, path: FilePath) -> FileInfo | None:
    try:
        return files.select(path)
    except CardFileNotFoundError:
        return None


def _read_content(files, info: FileInfo) -> bytes:
    if info.structure == "linear":
        return b"".join(files.read_record(n) for n in range(1, (info.record_count or 0) + 1))
    return files.read_binary()


def _differences(seen: _Seen) -> list[Difference]:
    want, info, out = seen.want, seen.info, []
    assert info is not None
    where = want.label
    if info.is_df or info.structure != want.kind:
        out.append(_conflict(where, "structure", info.structure or info.kind.value, want.kind))
    elif want.kind == "linear" and (info.record_size, info.record_count) != (want.record_size, want.records):
        out.append(_conflict(where, "records", f"{info.record_count}x{info.record_size}", f"{want.records}x{want.record_size}"))
    elif want.kind == "transparent" and info.size != want.size:
        out.append(_conflict(where, "size", f"{info.size} bytes", f"{want.size} bytes"))
    if seen.rules is not None:
        for op, wanted in (("read", want.read), ("update", want.update)):
            have = seen.rules.get(op)
            if have is not None and rule_signature(have) != rule_signature(wanted):
                out.append(_conflict(where, f"{op.upper()} access", str(have), str(wanted)))
    return out


# --- the work -------------------------------------------------------------------------------------------


class _Init:
    def __init__(self, card: Card, layout: InitLayout, secrets: Secrets, recreate: bool, dry_run: bool,
                 check_blank: bool = True, no_efdir: bool = False):
        self.card, self.layout, self.secrets = card, layout, secrets
        self.no_efdir = no_efdir
        self.choice_needed = False  # a full EF.DIR without --recreate / --no-efdir: nothing is changed
        self.check_blank = check_blank
        self.recreate, self.dry_run = recreate, dry_run
        self.uicc = isinstance(card, UiccCard)
        self.steps: list[Step] = []
        self.actions: list = []  # (step, callable) in order
        self.result = InitResult(layout.source, self.steps, dry_run=dry_run)
        self.base: FilePath = layout.df.path
        self._arr_plan: dict[bytes, bytes] = {}  # rules record -> 8B reference planned for it
        self._arr_taken: set[tuple[FilePath, int]] = set()  # empty EF.ARR records already planned for
        self._arr_files: dict[FilePath, tuple[FileInfo | None, list[bytes]]] = {}  # EF.ARRs read once
        self.df_info: FileInfo | None = None
        self.mf_info: FileInfo | None = None
        self.df_created = False
        self._noted_mf_arr = False
        self.creating: list[WantedFile] = []  # EFs to create, for the memory check before any change

    def plan(self, step: Step, run) -> None:
        self.steps.append(step)
        self.actions.append((step, run))

    # --- where the PKCS#15 DF is ---------------------------------------------------------------------
    def enter_df(self) -> bool:
        """Select the PKCS#15 DF/ADF; False when it is not there."""
        df = self.layout.df
        if self.uicc and df.aid:
            self.base = (CURRENT_ADF,)
            try:
                self.df_info = self.card.select_aid(df.aid)
            except CardFileNotFoundError:
                return False
            return True
        self.df_info = _select(self.card, df.path)
        return self.df_info is not None

    def reenter_df(self) -> None:
        if self.dry_run and self.df_created:
            return  # the DF was not really created: the card cannot select it
        if self.base == (CURRENT_ADF,):
            self.card.select_aid(self.layout.df.aid)
        else:
            self.card.select(self.layout.df.path)

    # --- security attributes for CREATE FILE ---------------------------------------------------------
    def attributes(self, want: WantedFile, is_df: bool = False) -> bytes:
        """The layout's verbatim, else a reference to an EF.ARR record saying the same (found, or written
        into an empty record) where the DF uses EF.ARR, else expanded attributes (AB)."""
        if want.security is not None:
            if not (want.security[:1] == b"\x8B" and want.security[2:4] == want.fid.to_bytes(2, "big")):
                return want.security
            # an EF.ARR whose rule is in itself: its records could never be written after CREATE FILE
            self.result.notes.append(f"{want.label}: the layout's {want.security.hex().upper()} points into the "
                                     "file itself, which is empty when created; created with the same rules stated "
                                     "elsewhere")
        ops = _DF_OPS if is_df else _EF_OPS
        rules = {op: (want.read if op == "read" else want.update) for op in ops}
        record = encode_expanded(rules, is_df=is_df)
        # a new DF's files have no EF.ARR of their own yet: the MF's is found for them (TS 102 221 9.2.7
        # searches the current DF / ADF, then the MF)
        new_df = not is_df and self.df_info is None
        parent_info = self.mf_info if is_df or new_df else self.df_info
        arr = parent_info.access.arr if parent_info is not None else None
        if arr is not None:
            ref = self._arr_reference(arr.fid, record, is_df, mf_only=is_df or new_df)
            if ref is not None:
                if new_df and not self._noted_mf_arr:
                    self._noted_mf_arr = True
                    self.result.notes.append(
                        f"{self.layout.df.label} is new and has no EF.ARR: its files reference the MF's EF.ARR "
                        f"3F00/{arr.fid:04X} (TS 102 221 9.2.7 finds it there)")
                return ref
        return tlv.encode(0xAB, record)

    def _arr_reference(self, arr_fid: int, record: bytes, is_df: bool, mf_only: bool = False) -> bytes | None:
        if record in self._arr_plan:
            return self._arr_plan[record]
        want = {op: rule_signature(r) for op, r in decode_expanded(record, is_df=is_df).items()}
        candidates = [self.base + (arr_fid,)] if self.base != (MF,) and not mf_only else []
        candidates.append((MF, arr_fid))
        for arr_path in candidates:
            info, records = self._arr_file(arr_path)
            if info is None:
                continue
            for n, raw in enumerate(records, 1):
                if set(raw) == {0xFF}:
                    continue
                try:
                    have = decode_expanded(raw, is_df=is_df)
                except DecodeError:
                    continue
                if all(op in have and rule_signature(have[op]) == sig for op, sig in want.items()):
                    ref = tlv.encode(0x8B, arr_fid.to_bytes(2, "big") + bytes([n]))
                    self._arr_plan[record] = ref
                    return ref
            free = next((n for n, raw in enumerate(records, 1) if set(raw) == {0xFF}
                         and (arr_path, n) not in self._arr_taken), None)
            if free is not None and len(record) <= (info.record_size or 0):
                self._arr_taken.add((arr_path, free))
                padded = record + b"\xff" * ((info.record_size or 0) - len(record))
                ref = tlv.encode(0x8B, arr_fid.to_bytes(2, "big") + bytes([free]))
                self._arr_plan[record] = ref
                self.plan(Step("arr-record", f"EF.ARR {path_str(arr_path)} record {free}",
                               decode_expanded(record, is_df=is_df).text(("read", "update") if not is_df else ("create-ef",))),
                          lambda p=arr_path, n=free, d=padded: self._write_record(p, n, d))
                return ref
        return None

    def _arr_file(self, path: FilePath) -> tuple[FileInfo | None, list[bytes]]:
        """An EF.ARR's FCP and records, read once per run (None: no linear EF there)."""
        if path not in self._arr_files:
            info = _select(self.card, path)
            if info is None or info.structure != "linear":
                self._arr_files[path] = (None, [])
            else:
                count = info.record_count or 0
                self._arr_files[path] = (info, [self.card.read_record(n) for n in range(1, count + 1)])
        return self._arr_files[path]

    # --- steps ---------------------------------------------------------------------------------------
    def _write_record(self, path: FilePath, n: int, data: bytes) -> None:
        self.card.select(path)
        self.card.update_record(n, data)
        if not self.dry_run:
            back = self.card.read_record(n)
            if back != data:
                i = next(i for i, (a, b) in enumerate(zip(data, back)) if a != b)
                raise VerifyMismatchError(f"{path_str(path)} record {n}", i, data[i], back[i])

    def _write_content(self, path: FilePath, want: WantedFile, data: bytes, old: bytes | None) -> None:
        self.card.select(path)
        if want.kind == "linear":
            size = want.record_size or 0
            for n in range(1, (want.records or 0) + 1):
                new = data[(n - 1) * size : n * size]
                if old is None or old[(n - 1) * size : n * size] != new:
                    self._write_record(path, n, new)
            return
        start = 0 if old is None else next(i for i, (a, b) in enumerate(zip(old, data)) if a != b)
        end = len(data) if old is None else len(data) - next(
            i for i, (a, b) in enumerate(zip(reversed(old), reversed(data))) if a != b)
        if self.dry_run:
            self.card.update_binary(start, data[start:end])
        else:
            self.card.update_verified(start, data[start:end], want.label)

    def _create(self, want: WantedFile, security: bytes) -> None:
        self.reenter_df()
        kind = want.kind
        new = NewFile(want.fid, kind, security, want.size or 0, want.record_size or 0, sfi=None)
        create_file(self.card, new)

    def _blank_check(self, path: FilePath, want: WantedFile) -> None:
        """A new EF DM_Bootstrap must read as all FF (D.4.3); a card that filled it otherwise gets FF."""
        if self.dry_run:
            return
        read = self.card.access_rules(path).get("read")
        keys = [k for k in read.keys()] if read is not None else []
        if keys:
            usable = [k for k in keys if self.secrets.has(k)]
            if not usable:
                self.result.notes.append(f"{want.label}: not read back (READ needs {read}); give the PIN to check "
                                         "it reads as all FF")
                return
            present(self.card, usable[:1], self.secrets, f"reading {want.label}")
        self.card.select(path)  # resolving the rules may have selected EF.ARR
        data = self.card.read_binary()
        if set(data) - {0xFF}:
            self.card.update_verified(0, b"\xff" * len(data), want.label)

    def _create_df(self) -> None:
        df = self.layout.df
        self.card.select((MF,))
        create_file(self.card, NewFile(df.fid, df.kind, self.df_security, 0, aid=df.aid, pins=df.pins))
        self.df_created = True
        if not self.dry_run:
            self.card._forget()  # the new ADF is found again by its AID

    # --- planning --------------------------------------------------------------------------------------
    def survey_and_plan(self) -> list[Difference]:
        card, layout = self.card, self.layout
        conflicts: list[Difference] = []
        self.mf_info = _select(card, (MF,))
        # the PKCS#15 DF first: creating it may need an EF.ARR record planned before anything else
        df_there = self.enter_df()
        if not df_there:
            if not self.uicc:
                self.result.missing.append(f"{layout.df.label} (a SIM has no CREATE FILE)")
                return conflicts
            self.df_security = self.attributes(layout.df, is_df=True)
            self.plan(Step("create", layout.df.label, layout.df.kind.upper() + (
                f" AID {layout.df.aid.hex().upper()}" if layout.df.aid else "")), self._create_df)
            self.df_info = None
            self.base = (CURRENT_ADF,) if layout.df.aid else layout.df.path
        if layout.efdir is not None:
            self._plan_efdir()
        for want in layout.files:
            conflicts += self._plan_file(want, df_there)
        return conflicts

    def _plan_efdir(self) -> None:
        efdir, record = self.layout.efdir, self.layout.efdir_record
        assert efdir is not None and record is not None
        info = _select(self.card, efdir.path)
        if info is None or info.structure != "linear":
            self.result.missing.append(f"{efdir.label} (EF.DIR for the PKCS#15 application record)")
            return
        records = [self.card.read_record(n) for n in range(1, (info.record_count or 0) + 1)]
        aid = self.layout.aid
        for n, raw in enumerate(records, 1):
            if raw == record[: len(raw)].ljust(len(raw), b"\xff"):
                return  # already there
        target = None
        for n, raw in enumerate(records, 1):
            if raw[:1] == b"\x61" and tlv.encode(0x4F, aid) in raw[:len(aid) + 6]:
                target = n  # the application is listed with another label or path: bring it up to date
                break
        if target is None:
            target = next((n for n, raw in enumerate(records, 1) if set(raw) == {0xFF}), None)
        if target is None:
            self._full_efdir(info, records, record)
            return
        padded = record[: info.record_size or 0].ljust(info.record_size or 0, b"\xff")
        self.plan(Step("record", f"{efdir.label} record {target}", f"PKCS#15 application {aid.hex().upper()}"),
                  lambda: self._write_record(efdir.path, target, padded))

    def _full_efdir(self, info: FileInfo, records: list[bytes], record: bytes) -> None:
        """EF.DIR has no free record: the operator chooses the way out. ``--recreate`` grows it by one
        record (DELETE FILE + CREATE FILE with the same record size, SFI and security attributes, every old
        record written back byte for byte, each read back); ``--no-efdir`` leaves it as it is."""
        efdir = self.layout.efdir
        assert efdir is not None
        n, size = len(records), info.record_size or 0
        if self.no_efdir:
            self.result.notes.append(
                f"{efdir.label} left as it is (--no-efdir; its {n} record(s) are all used): the application is "
                "reachable by its AID only. A device that follows D.3.1 (EF.DIR, then SELECT by AID) or D.2.1 "
                "(a SIM: EF.DIR's path) will not find it; modems that SELECT the PKCS#15 AID directly will")
            return
        security = security_attributes(info.raw)
        if not self.recreate or not self.uicc or security is None or not size or n >= 254:
            why = ("a SIM has no CREATE FILE" if not self.uicc else
                   "its FCP states no security attributes to create it again with" if security is None and
                   self.recreate else "")
            self.choice_needed = True
            self.result.missing.append(
                f"a free record in {efdir.label} ({n} records, all used): give --recreate to grow it by one "
                "record (every record kept byte for byte, read back), or --no-efdir to leave the application "
                "reachable by its AID only" + (f" ({why})" if why else ""))
            return
        old = b"".join(records)
        self.result.notes.append(f"{efdir.label} grows from {n} to {n + 1} records; its records before: "
                                 f"{old.hex().upper()} (to restore by hand should the card fail half way)")
        new = NewFile(efdir.fid, "linear", security, size * (n + 1), size, sfi=explicit_sfi(info.raw))
        parent = efdir.path[:-1]

        def regrow() -> None:
            self.card.select(parent)
            delete_file(self.card, efdir.fid)
            create_file(self.card, new)
            for i, raw in enumerate(records, 1):
                self._write_record(efdir.path, i, raw)
            self._write_record(efdir.path, n + 1, record[:size].ljust(size, b"\xff"))

        self.plan(Step("recreate", efdir.label, f"{n} -> {n + 1} records of {size} bytes; records 1..{n} written "
                                                f"back as they were, record {n + 1}: PKCS#15 application "
                                                f"{self.layout.aid.hex().upper()}"), regrow)

    def _plan_file(self, want: WantedFile, df_there: bool) -> list[Difference]:
        path = self.base + (want.fid,)
        info = None
        if df_there:
            info = _select(self.card, path)  # 7FFF/... reaches into the application wherever the card stands
        if info is None:
            if not self.uicc:
                self.result.missing.append(f"{want.label} ({want.kind}, {want.size} bytes; a SIM has no CREATE FILE)")
                return []
            self._plan_create(want, path)
            return []
        seen = _Seen(want, path, info)
        if not info.is_df:
            seen.rules = self.card.access_rules(path)
        diffs = _differences(seen)
        if diffs:
            if not self.recreate:
                return diffs
            if not self.uicc:
                raise LayoutConflictError(diffs)  # nothing to delete with on a SIM
            self.result.recreated += diffs
            self.plan(Step("delete", want.label, "; ".join(d.what for d in diffs)),
                      lambda: (self.reenter_df(), delete_file(self.card, want.fid)))
            self._plan_create(want, path)
            return []
        if info.lifecycle == "deactivated":  # nothing can be read or updated until it is activated
            if not self.uicc:
                raise LayoutConflictError([_conflict(want.label, "life cycle", "deactivated", "activated")])
            self.plan(Step("activate", want.label, "was deactivated (TS 102 221 11.1.15)"),
                      lambda: (self.reenter_df(), set_active(self.card, want.fid, True)))
            if want.content is not None:
                self.plan(Step("update", want.label, "the layout's content, once active"),
                          lambda: self._write_content(path, want, want.content, None))
            return []
        if want.content is None:
            return []
        self.card.select(path)
        current = _read_content(self.card, info)
        try:
            wanted = self._merged(want, current)
        except LayoutConflictError as e:  # listed with every other difference before anything is sent
            return e.differences
        if wanted is None or wanted == current:
            return []
        self.plan(Step("update", want.label, _what_changes(want, current, wanted)),
                  lambda: self._write_content(path, want, wanted, current))
        return []

    def _plan_create(self, want: WantedFile, path: FilePath) -> None:
        self.creating.append(want)
        security = self.attributes(want)
        self.plan(Step("create", want.label, f"{want.kind}, {want.size} bytes, {_describe_security(security)}"),
                  lambda: self._create(want, security))
        if want.content is not None:
            content = want.content
            self.plan(Step("update", want.label, f"{_used(content)} bytes of content"),
                      lambda: self._write_content(path, want, content, b"\xff" * len(content)))
        elif self.check_blank:
            self.plan(Step("blank-check", want.label, "reads as all FF (D.4.3)"),
                      lambda: self._blank_check(path, want))

    def _merged(self, want: WantedFile, current: bytes) -> bytes | None:
        """The content the file should get, given what it holds (None: leave it)."""
        assert want.content is not None
        if current == want.content:
            return None
        if set(current) == {0xFF}:
            return want.content
        if want.role == "tokeninfo":
            try:
                decode_tokeninfo(current)
            except DecodeError:
                return want.content
            self.result.notes.append(f"{want.label}: the card's own TokenInfo is kept")
            return None
        if want.role not in self.layout.objects:
            return want.content
        entries, skipped = split_tolerant(current, want.role.upper(), want.label)
        have = [raw for _, raw in entries]
        missing = [obj for obj in self.layout.objects[want.role] if obj not in have]
        if not missing:
            return None
        if skipped:
            raise LayoutConflictError([_conflict(want.label, "content", f"undecodable from byte {skipped[0].offset}",
                                                  "entries to append after it")])
        have = self._without_clashes(want, entries, missing)
        merged = b"".join(have + missing)
        if len(merged) > len(current):
            raise LayoutConflictError([_conflict(want.label, "free space", f"{len(current)} bytes",
                                                  f"{len(merged)} bytes for the entries it keeps and adds")])
        if have:
            self.result.notes.append(f"{want.label}: {len(have)} entr{'y' if len(have) == 1 else 'ies'} of the "
                                     "card kept, the layout's appended")
        return merged + b"\xff" * (len(current) - len(merged))

    def _without_clashes(self, want: WantedFile, entries: list[tuple[int, bytes]], missing: list[bytes]) -> list[bytes]:
        """The card's entries to keep. A DODF entry for the same file as one the layout adds, but saying
        something else (label, flags, authId), is a conflict — two entries for one EF would leave the
        lookup to their order — unless ``recreate``, which replaces it."""
        have = [raw for _, raw in entries]
        if want.role != "dodf":
            return have
        from ..pkcs15.dodf import read_dodf

        wanted_paths = {o.path.path for o in read_dodf(b"".join(missing))[0] if o.path is not None}
        clashes = []
        for offset, raw in entries:
            objs, _ = read_dodf(raw)
            if objs and objs[0].path is not None and objs[0].path.path in wanted_paths:
                clashes.append((offset, raw, objs[0]))
        if clashes and not self.recreate:
            raise LayoutConflictError([_conflict(want.label, f"the entry at byte {off} for {obj.path}",
                                                  f"{obj.title!r} ({'private' if obj.needs_pin else 'public'})",
                                                  "the layout's entry for that file") for off, _raw, obj in clashes])
        for _off, raw, obj in clashes:
            self.result.recreated.append(_conflict(want.label, f"entry for {obj.path}", obj.title, "replaced"))
        return [raw for off, raw in entries if all(off != c[0] for c in clashes)]

    def _check_memory(self) -> None:
        """Where the card says how much memory is left (a DF's FCP A5/83), refuse a layout whose new files
        would not fit before anything is created."""
        info = self.df_info or self.mf_info
        free = info.free_memory if info is not None else None
        need = sum(w.size or 0 for w in self.creating)
        if free is not None and need > free:
            raise LayoutDoesNotFitError(self.layout.df.label, need, free, [w.label for w in self.creating])

    # --- carrying it out -------------------------------------------------------------------------------
    def run(self) -> InitResult:
        start = self.card.exchange.count
        conflicts = self.survey_and_plan()
        if conflicts:
            raise LayoutConflictError(conflicts)
        self._check_memory()
        if self.actions and self.choice_needed:
            self.result.notes.append("nothing was changed: the operator's choice above comes first")
        elif self.actions:
            key: Key = self.layout.update_key
            auth = Step("verify", self.card.pin_name(key.ref), "the key the layout's files are updated with")
            try:
                present(self.card, [key], self.secrets, "pkcs15 init (CREATE FILE / UPDATE need the layout's "
                                                        "update key, D.4.1)")
            except CardbootError as e:
                raise InitStepError(auth, e, self.steps) from None
            for step, action in self.actions:
                try:
                    action()
                except StatusWordError as e:
                    raise InitStepError(step, e, self.steps) from None
                except CardbootError as e:
                    raise InitStepError(step, e, self.steps) from None
                step.done = True
        self.result.apdus = self.card.exchange.count - start
        return self.result


def _describe_security(security: bytes) -> str:
    if security[:1] == b"\x8B":
        v = security[2:]
        return f"rules in EF.ARR {v[:2].hex().upper()} record {v[2]}" if len(v) == 3 else f"8B {v.hex().upper()}"
    return f"attributes {security.hex().upper()}"


def _what_changes(want: WantedFile, current: bytes, wanted: bytes) -> str:
    if want.role in ("odf", "dodf", "aodf"):
        return f"{_used(wanted)} bytes of entries (was {_used(current)})"
    return f"{_used(wanted)} bytes of content"


def _used(data: bytes) -> int:
    """Bytes up to the FF padding."""
    return len(data.rstrip(b"\xff"))


def init_card(card: Card, layout: InitLayout, secrets: Secrets | None = None, *, recreate: bool = False,
              dry_run: bool = False, check_blank: bool = True, no_efdir: bool = False) -> InitResult:
    """Make ``card`` hold the layout's PKCS#15 files (see the module docstring). ``check_blank`` False
    leaves the read of a new EF DM_Bootstrap to the write that follows (it reads every byte past its
    message anyway, D.4.3): what batch --init does, saving the EF's size in READ BINARY once."""
    return _Init(card, layout, secrets or Secrets(), recreate, dry_run, check_blank, no_efdir).run()
