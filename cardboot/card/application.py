"""Reach an application found in EF.DIR the way OMA DM Bootstrap Appendix D says.

- SIM / 2G (D.2.1): indirect selection. Read EF.DIR, take the PKCS#15 template's path (tag 51) and SELECT
  the DF along it; a SIM cannot select by AID.
- UICC / 3G (D.3.1): read EF.DIR, open a logical channel with MANAGE CHANNEL and SELECT the ADF by its AID
  on that channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CardFileNotFoundError, TransportError, UsageError
from .efdir import PKCS15_AID, Application, decode_efdir
from .files import FileAccess
from .path import CURRENT_ADF, MF, FilePath, path_str
from .sim import SimCard
from .uicc import UiccCard, UiccChannel

EF_DIR = (MF, 0x2F00)


def read_applications(card: FileAccess) -> list[Application]:
    """All application templates in EF.DIR (one SELECT and one READ RECORD per record)."""
    return decode_efdir(card.read_records(EF_DIR))


@dataclass
class AppSession:
    """An application made current: ``files`` is where to send file commands, ``root`` its DF path."""

    app: Application
    files: FileAccess
    root: FilePath
    card: FileAccess

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
        """Close the logical channel. A card that is gone took its channels with it: no error then."""
        if isinstance(self.files, UiccChannel) and isinstance(self.card, UiccCard) and self.files is not self.card:
            try:
                self.card.close_channel(self.files)
            except TransportError:
                self.files.closed = True


def open_application(card: FileAccess, aid: bytes = PKCS15_AID, apps: list[Application] | None = None) -> AppSession:
    """Find the application with ``aid`` in EF.DIR and make it current (D.2.1 on a SIM, D.3.1 on a UICC)."""
    apps = read_applications(card) if apps is None else apps
    app = next((a for a in apps if a.aid.startswith(aid)), None)
    if app is None:
        raise CardFileNotFoundError("EF.DIR", 0x6A82, f"no application {aid.hex().upper()} in EF.DIR",
                                    path_str(EF_DIR))
    if isinstance(card, SimCard):
        if not app.path:
            raise UsageError(f"EF.DIR record {app.record}: the {app.kind} template has no path (51); "
                             "a SIM can only select it indirectly by path")
        root = app.path if app.path[0] == MF else (MF, *app.path)
        card.select(root, info=False)
        return AppSession(app, card, root, card)
    if isinstance(card, UiccCard):
        channel = card.open_channel()
        try:
            channel.select_aid(app.aid, info=False)
        except BaseException:
            try:
                card.close_channel(channel)
            except TransportError:
                pass  # the card is gone, and the channel with it
            raise
        return AppSession(app, channel, (CURRENT_ADF,), card)
    raise UsageError(f"cannot open an application on {type(card).__name__}")
