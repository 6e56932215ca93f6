"""The device items of OMA DM Bootstrap Appendix B (DM-BOOT-C-007..C-010, C-013..C-015) from what a
device did: the switch-ons ``cardboot device boot`` recorded in its state (5.5.6) and the bootstraps
``device fetch --scws --state`` took from the card's web server (5.5.7). An item is reported as
passed only with the switch-on that shows it; what was not exercised is "n/a" with what would exercise it."""

from __future__ import annotations

from ..bootstrap.conformance import FAIL, NA, PASS, Item
from .boot import DeviceState

READ = ("applied", "unchanged", "no-bootstrap")


def _first(log: list[dict], *outcomes: str, having: str | None = None) -> dict | None:
    return next((e for e in log if e.get("outcome") in outcomes and (having is None or e.get(having))), None)


def check_device(state: DeviceState, source: str) -> list[Item]:
    log = [e for e in state.log if isinstance(e.get("switch_on"), int)]
    out: list[Item] = []
    read = _first(log, *READ)
    out.append(Item("DM-BOOT-C-007-O", "device supports a smartcard", PASS if read else NA,
                    f"switch-on {read['switch_on']} read card {read['iccid']}" if read else
                    "no switch-on read a card (device boot --vsim/--reader)"))
    applied = _first(log, "applied")
    out.append(Item("DM-BOOT-C-008-O", "detecting, retrieving and processing bootstrap data from the smartcard",
                    PASS if applied else NA,
                    f"switch-on {applied['switch_on']}: card {applied['iccid']}'s bootstrap found (Appendix D) and "
                    f"processed (5.5.5)" if applied else "no switch-on found a bootstrap on a card"))
    skipped = [e for e in log if e.get("outcome") in ("skipped-policy", "skipped-rejected")]
    if read:
        skips = "; ".join(f"switch-on {e['switch_on']} {'policy' if e['outcome'] == 'skipped-policy' else 'rejected card'}: "
                          "card not used, tree unchanged" for e in skipped[:3])
        out.append(Item("DM-BOOT-C-009-O", "smartcard bootstrap enabled and the card not rejected", PASS,
                        f"switch-on {read['switch_on']} (enabled, card accepted) read the card"
                        + (f"; {skips}" if skips else "; disabling policy and a rejected card not exercised "
                           "(--policy no-smartcard-bootstrap, --reject-card)")))
    else:
        out.append(Item("DM-BOOT-C-009-O", "smartcard bootstrap enabled and the card not rejected", NA,
                        "no enabled switch-on with a card"))
    if applied:
        empty = _first([e for e in log if e.get("outcome") == "applied" and not (e.get("added") or e.get("replaced"))],
                       "applied")
        out.append(Item("DM-BOOT-C-010-O", "bootstrap data retrieved from the smartcard and applied to the device "
                        "configuration", FAIL if empty else PASS,
                        f"switch-on {empty['switch_on']} applied a card bootstrap that changed nothing" if empty else
                        f"switch-on {applied['switch_on']} added {', '.join(applied.get('added', [])[:4])}"))
    else:
        out.append(Item("DM-BOOT-C-010-O", "bootstrap data applied to the device configuration", NA,
                        "no switch-on applied a card's bootstrap"))
    removed = next((e for e in log if any("DM-BOOT-C-013" in n for n in e.get("notes", []))), None)
    out.append(Item("DM-BOOT-C-013-O", "servers no longer on the smartcard removed at switch-on",
                    PASS if removed else NA,
                    f"switch-on {removed['switch_on']} removed {', '.join(removed.get('removed', [])[:4])} "
                    f"(card {removed['iccid']}); accounts from elsewhere kept: {', '.join(removed.get('kept', [])) or 'none'}"
                    if removed else "not exercised: erase or swap the card, then switch on again"))
    scws = next((e for e in state.log if e.get("origin") == "scws"), None)
    how = "not exercised: device fetch --scws --state DEVICE.json against the card's web server"
    out.append(Item("DM-BOOT-C-014-O", "device supports SCWS and HTTPS", PASS if scws else NA,
                    f"a bootstrap fetched over HTTPS from the SCWS at {scws.get('url')}" if scws else how))
    out.append(Item("DM-BOOT-C-015-O", "bootstrap retrieved from the smartcard URL by HTTPS GET", PASS if scws else NA,
                    f"GET {scws.get('url')} handed to the DM client and applied: "
                    f"{', '.join(scws.get('added', [])[:4]) or 'nothing new'}" if scws else how))
    return out
