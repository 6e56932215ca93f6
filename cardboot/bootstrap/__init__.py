"""The OMA DM Bootstrap Message (OMA-TS-DM_Bootstrap-V1_3 5.5): SyncML DM 1.2 with TNDS objects, built
from templates, validated, carried three ways, encoded as WBXML."""
