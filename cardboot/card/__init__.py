"""Card layer: SIM (TS 51.011) and UICC (TS 102 221) file systems, FCP, EF.DIR, PIN safety."""

from .application import AppSession, open_application, read_applications
from .connect import Card, connect_card
from .efdir import PKCS15_AID, Application
from .fileinfo import FileInfo, PinStatus
from .sim import SimCard
from .uicc import UiccCard, UiccChannel

__all__ = [
    "AppSession", "Application", "Card", "FileInfo", "PKCS15_AID", "PinStatus", "SimCard", "UiccCard",
    "UiccChannel", "connect_card", "open_application", "read_applications",
]
