"""A batch that writes the LwM2M bootstrap beside the DM one: the LwM2M template's variables are columns
of the same CSV, every row's LwM2M bootstrap is built and checked before any card is touched, each card
ends with both written and read back, a resumed card holding both is not rewritten, and the secret key
columns stay out of the ledger's digest."""

from __future__ import annotations

import csv

import pytest

import vsim
from cardboot.batch.ledger import Ledger
from cardboot.batch.rows import CsvError, load_batch
from cardboot.batch.runner import BatchRunner, RunOptions
from cardboot.batch.slots import VirtualSlot
from cardboot.lwm2m.bootstrap import decode_ef
from cardboot.secret import Secret
from tests.helpers import HEADER, iccid, row

LW_HEADER = ["bootstrap_uri", "server_uri", "psk_identity", "bootstrap_psk", "server_psk", "short_server_id", "lifetime"]


def lw_values(i: int) -> list[str]:
    return ["coaps://bs.example.com:5684", "coaps://lwm2m.example.com:5684", f"urn:imei:49015420323{i:04d}",
            f"{i:032X}", f"{i + 1:032X}", str(100 + i), "86400"]


def make(tmp_path, n: int, broken: int | None = None) -> str:
    path = tmp_path / "iot.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER + LW_HEADER)
        for i in range(n):
            values = lw_values(i)
            if i == broken:
                values[1] = "http://not-coap.example.com"
            w.writerow(row(i) + values)
    return str(path)


def lw_ef(card) -> bytes:
    return next(bytes(n.data) for n in card.mf.walk() if n.name == "LwM2M_Bootstrap")


def test_each_card_gets_its_dm_and_lwm2m_bootstraps(tmp_path):
    batch = load_batch(make(tmp_path, 6), "dm-bootstrap", "lwm2m-bootstrap")
    assert all(r.lwm2m for r in batch.rows) and len({r.lwm2m for r in batch.rows}) == 6
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    cards = [vsim.load_card("uicc-lwm2m", iccid=r.iccid) for r in batch.rows]
    events = []
    BatchRunner(batch, ledger, [VirtualSlot(f"v{i}", cards[i::2]) for i in range(2)],
                RunOptions("b", adm=Secret("88888888")), events.append).run()
    assert ledger.counts("b")["verified"] == 6
    for card, r in zip(cards, batch.rows):
        assert lw_ef(card).startswith(r.lwm2m)
        boot = decode_ef(lw_ef(card))
        assert boot.instances(0)[1].values[10] == int(r.variables["short_server_id"])
    # a station that died after writing: the ledger says "written"; cards holding both are not rewritten,
    # a card whose LwM2M bootstrap was lost is written again
    ledger2 = Ledger("sqlite://")
    ledger2.add_batch("b", "dm-bootstrap", batch.rows)
    for r in batch.rows:
        ledger2.claim("b", r.iccid, "station", "v")
        ledger2.mark("b", r.iccid, "written")
    lost = next(n for n in cards[0].mf.walk() if n.name == "LwM2M_Bootstrap")
    lost.data[:] = b"\xff" * len(lost.data)
    for card in cards:
        card.power_off()
    again = []
    BatchRunner(batch, ledger2, [VirtualSlot("v0", cards)], RunOptions("b", adm=Secret("88888888")), again.append).run()
    assert ledger2.counts("b")["verified"] == 6
    kinds = {e.iccid: e.kind for e in again if e.kind in ("already", "verified")}
    assert kinds[batch.rows[0].iccid] == "verified" and lw_ef(cards[0]).startswith(batch.rows[0].lwm2m)
    assert all(kinds[r.iccid] == "already" for r in batch.rows[1:])


def test_a_row_whose_lwm2m_bootstrap_breaks_a_rule_stops_the_batch_before_any_card(tmp_path):
    with pytest.raises(CsvError) as caught:
        load_batch(make(tmp_path, 3, broken=1), "dm-bootstrap", "lwm2m-bootstrap")
    assert "row 3" in str(caught.value) and "no coap/coaps URI" in str(caught.value)


def test_lwm2m_columns_are_required_and_secret_keys_stay_out_of_the_digest(tmp_path):
    path = tmp_path / "dm-only.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerow(row(0))
    with pytest.raises(CsvError, match="missing column: the template uses this variable"):
        load_batch(str(path), "dm-bootstrap", "lwm2m-bootstrap")
    a = load_batch(make(tmp_path, 1), "dm-bootstrap", "lwm2m-bootstrap").rows[0]
    other = tmp_path / "other.csv"
    with other.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER + LW_HEADER)
        values = lw_values(0)
        values[3] = "FF" * 16  # another bootstrap PSK: a secret, not part of the digest
        w.writerow(row(0) + values)
    b = load_batch(str(other), "dm-bootstrap", "lwm2m-bootstrap").rows[0]
    assert a.iccid == b.iccid == iccid(0) and a.digest == b.digest and a.lwm2m != b.lwm2m
