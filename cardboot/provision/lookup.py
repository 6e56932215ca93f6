"""Find EF DM_Bootstrap (or any data object) the way OMA DM Bootstrap D.2.5 (SIM) and D.3.5 (UICC) list
the steps:

1. read EF.DIR and evaluate the PKCS#15 application template;
2. select the PKCS#15 DF by path (SIM, indirect selection) or open a logical channel and select the ADF
   by AID (UICC) — or find it as the field does (``card/application.py``);
3. read EF(ODF) to find the DODF(s);
4. read the DODF(s) to find the data object and its path (``pkcs15/bootstrap_rule.py`` says which);
5. select its EF (its size comes from the FCP / GET RESPONSE).

Each step runs under its own trace stage so its APDUs can be shown and counted. Directory entries that do
not decode never stop the lookup: they are kept raw and reported in ``BootstrapLocation.warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..apdu.trace import Stage
from ..card import AppSession, Application, FileInfo, open_application, read_applications
from ..card.access_rule import AccessRules
from ..card.connect import Card
from ..card.path import FilePath, path_str
from ..errors import CardFileNotFoundError, DecodeError, ObjectNotFoundError
from ..pkcs15.aodf import PinObject, RawAuthObject, pin_for, read_aodf
from ..pkcs15.bootstrap_rule import BootstrapRule, ObjectSelector
from ..pkcs15.dodf import DataObject, read_dodf
from ..pkcs15.odf import DEFAULT_FID as ODF_FID
from ..pkcs15.odf import OdfEntry, read_odf


@dataclass
class BootstrapLocation:
    """Where the bootstrap message is and what protects it."""

    session: AppSession
    odf: list[OdfEntry]
    dodf_path: FilePath
    data_objects: list[DataObject]
    data_object: DataObject
    path: FilePath
    info: FileInfo
    apdus: dict[str, int] = field(default_factory=dict)
    aodf: list[PinObject | RawAuthObject] | None = None  # read only when the object names a PIN
    pin: PinObject | None = None  # the AODF PIN the DODF entry's authId points to
    warnings: list[str] = field(default_factory=list)  # directory entries kept raw
    rules: AccessRules | None = None  # the card's access rules, once :meth:`card_rules` resolved them

    def card_rules(self) -> AccessRules:
        """The card's own access rules for the object's EF, EF.ARR read if the FCP refers to it."""
        if self.rules is None:
            with Stage(self.session.card.exchange.trace, "EF.ARR", self.apdus):
                self.rules = self.session.files.access_rules(self.path)
        return self.rules

    @property
    def size(self) -> int:
        """Bytes of the object: the Path's length when given, else the file size from the SELECT response."""
        if self.data_object.path is not None and self.data_object.path.length is not None:
            return self.data_object.path.length
        return (self.info.size or 0) - self.offset

    @property
    def offset(self) -> int:
        p = self.data_object.path
        return p.index or 0 if p is not None else 0

    @property
    def pin_reference(self) -> int | None:
        """The key reference to VERIFY before reading, from the DODF flags + authId → AODF pinReference."""
        return self.pin.reference if (self.pin is not None and self.data_object.needs_pin) else None

    @property
    def read_rule(self) -> str:
        """D.2.4 / D.3.4: the DODF flags say whether a PIN is needed, the AODF which; the card's own
        access conditions (FCP / GET RESPONSE) are shown beside."""
        o = self.data_object
        card_says = (self.rules or self.info.access).text()
        if o.needs_pin:
            flags = "+".join(n for n, v in (("private", o.private), ("modifiable", o.modifiable)) if v)
            if self.pin is not None:
                which = f"authId {self.pin.auth_id.hex().upper()} -> {self.pin.label or 'PIN'} (reference " \
                        f"{self.pin.reference:02X})"
            elif o.auth_id:
                which = f"authId {o.auth_id.hex().upper()} (not in the AODF)"
            else:
                which = "no authId: CHV1 / PIN1 by default (D.2.4)"
            return f"PIN required ({flags}): {which}; card: {card_says}"
        return f"public (private and modifiable clear); card: {card_says}"


@dataclass
class Seen:
    """What the lookup read so far: kept when it fails, so `inspect` shows it beside the problem."""

    odf: list[OdfEntry] = field(default_factory=list)
    data_objects: list[DataObject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def open_pkcs15(card: Card, apps: list[Application] | None = None, counts: dict[str, int] | None = None) -> AppSession:
    """Steps 1-2: EF.DIR and the PKCS#15 application (D.2.1 / D.3.1), each a trace stage."""
    counts = {} if counts is None else counts
    with Stage(card.exchange.trace, "EF.DIR", counts):
        if apps is None:
            try:
                apps = read_applications(card)
            except CardFileNotFoundError:
                apps = []  # no EF.DIR: open_application looks elsewhere
    with Stage(card.exchange.trace, "select PKCS#15", counts):
        return open_application(card, apps=apps)


def locate_bootstrap(card: Card, rule: "BootstrapRule | ObjectSelector | None" = None, apps: list[Application] | None = None,
                     session: AppSession | None = None, counts: dict[str, int] | None = None,
                     seen: Seen | None = None) -> BootstrapLocation:
    """Run the D.2.5 / D.3.5 steps up to selecting EF DM_Bootstrap (or the object ``rule`` selects). The
    caller closes ``location.session``.

    Pass ``session`` when the PKCS#15 application is already open (its APDUs are then not counted here);
    a session passed in is left open on errors too: its owner closes it. ``seen`` collects the ODF, the
    DODF objects and the warnings as they are read, also when the lookup then fails.
    """
    rule = rule or BootstrapRule()
    counts = {} if counts is None else counts
    own_session = session is None
    if session is None:
        session = open_pkcs15(card, apps, counts)
    try:
        return _locate(card, rule, session, counts, Seen() if seen is None else seen)
    except BaseException:
        if own_session:
            session.close()  # never raises: the error in flight is the one to report
        raise


def _locate(card: Card, rule: "BootstrapRule | ObjectSelector", session: AppSession, counts: dict[str, int], seen: Seen) -> BootstrapLocation:
    files = session.files
    warnings = seen.warnings
    with Stage(card.exchange.trace, "ODF", counts):
        odf_path = session.path(ODF_FID)
        odf, skipped = read_odf(files.read_file(odf_path), where=f"EF(ODF) {path_str(odf_path)}")
    seen.odf = odf
    warnings += map(str, skipped)
    dodfs = [e for e in odf if e.kind == "DODF" and e.path is not None]
    if not dodfs:
        raise DecodeError("EF(ODF)", "no DODF entry: the card holds no data objects", None, path_str(odf_path))
    chosen = fallback = None
    all_objects = seen.data_objects
    dodf_path: FilePath = ()
    with Stage(card.exchange.trace, "DODF", counts):
        for entry in dodfs:
            dodf_path = session.path(entry.path.fids)
            objects, skipped = read_dodf(files.read_file(dodf_path), where=f"EF(DODF) {path_str(dodf_path)}")
            warnings += map(str, skipped)
            all_objects += objects
            chosen = rule.choose(objects)
            if fallback is None:
                fallback = rule.fallback(objects)
            if chosen is not None:
                break
    chosen = chosen or fallback
    if chosen is None or chosen.path is None:
        listed = ", ".join(repr(o.title) for o in all_objects) or "none"
        raise ObjectNotFoundError(f"EF(DODF) {path_str(dodf_path)}: no {rule.describe()} with a path "
                                  f"(objects listed: {listed})")
    aodf = pin = None
    if chosen.needs_pin and chosen.auth_id:
        aodf_entry = next((e for e in odf if e.kind == "AODF" and e.path is not None), None)
        if aodf_entry is not None:
            with Stage(card.exchange.trace, "AODF", counts):
                aodf_path = session.path(aodf_entry.path.fids)
                aodf, skipped = read_aodf(files.read_file(aodf_path), where=f"EF(AODF) {path_str(aodf_path)}")
            warnings += map(str, skipped)
            pin = pin_for(aodf, chosen.auth_id)
    with Stage(card.exchange.trace, "DM_Bootstrap", counts):
        path = session.path(chosen.path.fids)
        info = files.select(path)
    if isinstance(rule, BootstrapRule) or chosen.private or BootstrapRule().choose([chosen]) is chosen \
            or chosen.carries_secrets:
        files.mark_secret(path)  # a bootstrap carries AAuthSecrets or PSKs: its bytes stay out of traces
    index, length = chosen.path.index or 0, chosen.path.length
    if info.structure != "transparent" or index + (length or 0) > (info.size or 0):
        raise DecodeError("EF(DODF)", f"object {chosen.title!r} points to {chosen.path}, which is not inside "
                          f"{path_str(path)} ({info.describe()})", chosen.offset, path_str(dodf_path))
    return BootstrapLocation(session, odf, dodf_path, all_objects, chosen, path, info, counts, aodf, pin, warnings)


def read_bootstrap(location: BootstrapLocation) -> bytes:
    """Read the located object (the whole EF, or the Path's index/length part)."""
    counts = location.apdus
    card_files = location.session.files
    with Stage(location.session.card.exchange.trace, "DM_Bootstrap", counts):
        card_files.select(location.path)
        return card_files.read_binary(location.offset, location.size)
