"""cardboot: provision and inspect smartcards for OMA DM bootstrap (OMA-TS-DM_Bootstrap-V1_3 Appendix D)."""

__version__ = "0.1.0"
