"""PKCS#15 (ISO/IEC 7816-15) model for the OMA DM bootstrap: pure code over bytes (no card I/O; the
lookup steps of Appendix D are ``provision/lookup.py``)."""

from .dodf import DataObject, decode_dodf, encode_dodf
from .odf import OdfEntry, decode_odf, encode_odf
from .path import Pkcs15Path

__all__ = ["DataObject", "OdfEntry", "Pkcs15Path", "decode_dodf", "decode_odf", "encode_dodf", "encode_odf"]
