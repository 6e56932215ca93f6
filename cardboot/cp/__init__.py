"""OMA Client Provisioning documents (WAP-183-ProvCont / OMA-WAP-ProvCont 1.1) and the bootstrap profile
that maps them to the DM tree (OMA DM Bootstrap 5.4, Appendix C)."""
