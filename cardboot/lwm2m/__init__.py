"""LwM2M bootstrap information on the smartcard (OMA LwM2M Core Appendix G): the TLV data format
(``tlv.py``), the objects it carries (``objects.py``), the EF content (``bootstrap.py``), a template
(``template.py``) and the rules (``validate.py``). Pure: bytes in, typed objects out."""
