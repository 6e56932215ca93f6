"""The device's side: find a bootstrap server, fetch a bootstrap as a device does, and process it into a
management tree as a DM client would (OMA DM Bootstrap 5.1.2.4, 5.5.5, 5.5.7, Appendix E)."""
