"""PKCS#15 (ISO/IEC 7816-15) model for the OMA DM bootstrap: pure code over bytes, plus the locate
steps of Appendix D."""

from .dodf import DataObject, decode_dodf, encode_dodf
from .odf import OdfEntry, decode_odf, encode_odf
from .path import Pkcs15Path

__all__ = ["DataObject", "OdfEntry", "Pkcs15Path", "decode_dodf", "decode_odf", "encode_dodf", "encode_odf"]
