"""Data objects other applications keep in the same DODF, named by their OIDs so that `inspect`, the TUI
and ``--json`` can say what they are, and so that the bootstrap lookup never mistakes one for the DM
bootstrap.

- 2.23.43.9.1: OMA LwM2M bootstrap (OMA-TS-LightweightM2M, smartcard bootstrap; the Nordic nRF Connect
  SDK test vector in real-cards.md).
- 2.23.43.5.1 / .2 / .3: OMA Client Provisioning on a smartcard, ProvBoot / Config1 / Config2 (OMA PROVSC).
- 1.2.840.114283.200.1.1: GlobalPlatform Secure Element Access Control, the access rule file (ACMain).
"""

from __future__ import annotations

LWM2M_BOOTSTRAP = "2.23.43.9.1"  # the DODF oidDO of OMA LwM2M Core Appendix G

WELL_KNOWN = {
    "2.23.43.9.1": "OMA LwM2M bootstrap",
    "2.23.43.5.1": "OMA CP ProvBoot",
    "2.23.43.5.2": "OMA CP Config1",
    "2.23.43.5.3": "OMA CP Config2",
    "1.2.840.114283.200.1.1": "GlobalPlatform SE access rules",
}


def well_known(oid: str | None) -> str | None:
    """The name of a data object OID another application uses, or None."""
    return WELL_KNOWN.get(oid or "")


# objects whose content carries secrets (LwM2M: PSK and private keys; CP: NAP and application secrets):
# their bytes are masked in APDU traces like EF DM_Bootstrap's
SECRET_BEARING = frozenset({"2.23.43.9.1", "2.23.43.5.1", "2.23.43.5.2", "2.23.43.5.3"})


def carries_secrets(*oids: str | None) -> bool:
    return any(o in SECRET_BEARING for o in oids if o)
