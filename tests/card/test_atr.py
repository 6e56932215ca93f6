"""ATR interpretation (ISO/IEC 7816-3 8.2)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardboot.card.atr import atr_protocols, describe_atr, historical_bytes


@pytest.mark.parametrize("atr, protocols, hist", [
    ("3B9F96801FC78031E073FE211B633A204E8300900093", {0}, "8031E073FE211B633A204E83009000"),  # TD1 T=0, TD2 T=15
    ("3B16967653494D3247", {0}, "7653494D3247"),  # no TD1: T=0
    ("3B8F8001804F0CA0000003060300030000000068", {0, 1}, "804F0CA00000030603000300000000"),
    ("3BF81300008131FE15597562696B657934D4", {1}, "597562696B657934"),
])
def test_vectors(atr, protocols, hist):
    raw = bytes.fromhex(atr)
    assert atr_protocols(raw) == protocols
    assert historical_bytes(raw).hex().upper() == hist
    assert describe_atr(raw).startswith(", ".join(f"T={p}" for p in sorted(protocols)))


@given(st.binary(max_size=33))
def test_any_bytes_do_not_crash(atr):
    atr_protocols(atr)
    historical_bytes(atr)
