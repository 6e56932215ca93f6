"""Reach the PKCS#15 application the way OMA DM Bootstrap Appendix D says, and the way the field does
when a card departs from it.

- SIM / 2G (D.2.1): indirect selection. Read EF.DIR, take the PKCS#15 template's path (tag 51) and SELECT
  the DF along it; a SIM cannot select by AID.
- UICC / 3G (D.3.1): read EF.DIR, open a logical channel with MANAGE CHANNEL and SELECT the ADF by its AID
  on that channel. The AID in EF.DIR may be longer than the 12-byte PKCS#15 RID+PIX; it is selected as
  EF.DIR gives it.
- No EF.DIR, or no PKCS#15 template in it: on a UICC a direct SELECT of the PKCS#15 AID on a new logical
  channel (as modems reading the LwM2M object do); then, SIM and UICC, the PKCS#15 default DF 3F00/5015
  (PKCS#15 v1.1 5.4.1, what OpenSC tries). ``AppSession.found_by`` says which way worked.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CardbootError, CardFileNotFoundError, StatusWordError
from .efdir import PKCS15_AID, Application, decode_efdir
from .files import FileAccess
from .path import CURRENT_ADF, MF, FilePath, path_str
from .sim import SimCard
from .uicc import UiccCard, UiccChannel

EF_DIR = (MF, 0x2F00)
PKCS15_DEFAULT_DF = (MF, 0x5015)  # PKCS#15 v1.1 5.4.1 / ISO 7816-15: the application DF's default FID


def read_applications(card: FileAccess) -> list[Application]:
    """All application templates in EF.DIR (one SELECT and one READ RECORD per record)."""
    return decode_efdir(card.read_records(EF_DIR))


@dataclass
class AppSession:
    """An application made current: ``files`` is where to send file commands, ``root`` its DF path,
    ``found_by`` how it was found (for people)."""

    app: Application
    files: FileAccess
    root: FilePath
    card: FileAccess
    found_by: str = ""

    def path(self, relative_or_absolute) -> FilePath:
        """A file of the application: absolute paths inside the application's DF are rebased on ``root``."""
        from .path import as_path

        p = as_path(relative_or_absolute)
        if p[0] == MF and self.app.path:
            app_path = self.app.path if self.app.path[0] == MF else (MF, *self.app.path)
            if p[: len(app_path)] == app_path:
                return self.root + p[len(app_path):]
            return p
        if p[0] in (MF, CURRENT_ADF):
            return p
        return self.root + p

    def close(self) -> None:
        """Close the logical channel. Never raises: a card that is gone took its channels with it, and a
        cleanup error must not hide the error that made the caller clean up."""
        if isinstance(self.files, UiccChannel) and isinstance(self.card, UiccCard) and self.files is not self.card:
            _close_quietly(self.card, self.files)


def _close_quietly(card: UiccCard, channel: UiccChannel) -> None:
    try:
        card.close_channel(channel)
    except CardbootError:
        channel.closed = True


def _uicc_by_aid(card: UiccCard, aid: bytes) -> UiccChannel:
    channel = card.open_channel()
    try:
        channel.select_aid(aid, info=False)
    except BaseException:
        _close_quietly(card, channel)
        raise
    return channel


def open_application(card: FileAccess, aid: bytes = PKCS15_AID, apps: list[Application] | None = None) -> AppSession:
    """Find the application with ``aid`` and make it current (D.2.1 on a SIM, D.3.1 on a UICC); for the
    PKCS#15 AID, fall back as the module docstring says when EF.DIR does not lead to it."""
    if not isinstance(card, (SimCard, UiccCard)):
        raise TypeError(f"cannot open an application on {type(card).__name__}")
    if apps is None:
        try:
            apps = read_applications(card)
        except CardFileNotFoundError:
            apps = []
    app = next((a for a in apps if a.aid.startswith(aid)), None)
    tried = []
    if app is not None:
        if isinstance(card, UiccCard):
            channel = _uicc_by_aid(card, app.aid)
            return AppSession(app, channel, (CURRENT_ADF,), card,
                              f"EF.DIR record {app.record}; ADF selected by AID on logical channel "
                              f"{channel.number} (MANAGE CHANNEL, D.3.1)")
        if app.path:
            root = app.path if app.path[0] == MF else (MF, *app.path)
            card.select(root, info=False)
            return AppSession(app, card, root, card,
                              f"EF.DIR record {app.record}; DF {path_str(root)} selected by path "
                              "(indirect selection, D.2.1)")
        tried.append(f"EF.DIR record {app.record} has no path (51), which a SIM needs")
    else:
        tried.append("no PKCS#15 application in EF.DIR" if apps else "no EF.DIR")
    if aid != PKCS15_AID:
        raise CardFileNotFoundError("EF.DIR", 0x6A82, f"no application {aid.hex().upper()} in EF.DIR",
                                    path_str(EF_DIR))
    if isinstance(card, UiccCard) and app is None:
        try:
            channel = _uicc_by_aid(card, PKCS15_AID)
            return AppSession(Application(0, PKCS15_AID, ""), channel, (CURRENT_ADF,), card,
                              f"{tried[0]}; ADF selected directly by the PKCS#15 AID on logical channel "
                              f"{channel.number}")
        except StatusWordError as e:
            tried.append(f"SELECT by AID {PKCS15_AID.hex().upper()}: {e.sw:04X}")
    try:
        card.select(PKCS15_DEFAULT_DF, info=False)
    except StatusWordError as e:
        tried.append(f"DF {path_str(PKCS15_DEFAULT_DF)}: {e.sw:04X}")
        raise CardFileNotFoundError("PKCS#15", e.sw, "no PKCS#15 application (" + "; ".join(tried) + ")",
                                    path_str(PKCS15_DEFAULT_DF)) from None
    return AppSession(Application(0, PKCS15_AID, "", PKCS15_DEFAULT_DF), card, PKCS15_DEFAULT_DF, card,
                      f"{'; '.join(tried)}; the PKCS#15 default DF {path_str(PKCS15_DEFAULT_DF)} (PKCS#15 5.4.1)")
