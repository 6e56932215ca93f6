"""WBXML 1.1-1.3 codec with the SyncML 1.1/1.2, MetInf and DM DDF 1.2 (TNDS) code pages, and its XML side."""

from .codec import Document, decode, encode
from .element import Element
from .tables import DMDDF12, NS_DMDDF12, NS_METINF, NS_SYNCML11, NS_SYNCML12, SYNCML11, SYNCML12

__all__ = ["DMDDF12", "Document", "Element", "NS_DMDDF12", "NS_METINF", "NS_SYNCML11", "NS_SYNCML12", "SYNCML11",
           "SYNCML12", "decode", "encode"]
