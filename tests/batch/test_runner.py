"""The batch runner on in-process virtual readers: everything verified, pulled cards at every APDU index,
wrong secrets, cards without a row; nothing is ever marked verified with wrong content."""

import vsim
from cardboot.batch.ledger import Ledger
from cardboot.batch.rows import load_batch
from cardboot.batch.runner import BatchRunner, RunOptions
from cardboot.batch.slots import VirtualSlot
from cardboot.secret import Secret
from tests.helpers import PLANTED, iccid
from vsim.faults import FaultPlan


def run(batch, ledger, slots, **opt):
    events = []
    BatchRunner(batch, ledger, slots, RunOptions("b", adm=Secret("88888888"), **opt), events.append).run()
    return events


def ef(card):
    return bytes(card.mf.children[0x7F50].children[0x5300].data)


def test_all_cards_verified_over_four_readers(make_csv):
    batch = load_batch(make_csv(20), "dm-bootstrap")
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    cards = [vsim.load_card("uicc", iccid=r.iccid) for r in batch.rows]
    slots = [VirtualSlot(f"v{i}", cards[i::4]) for i in range(4)]
    events = run(batch, ledger, slots)
    assert ledger.counts("b")["verified"] == 20
    for card, r in zip(cards, batch.rows):
        assert ef(card).startswith(r.message)
    assert {e.slot for e in events if e.kind == "verified"} == {"v0", "v1", "v2", "v3"}


def test_unknown_card_and_sim_adm_without_force(make_csv):
    batch = load_batch(make_csv(2), "dm-bootstrap")
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    stranger = vsim.load_card("uicc", iccid="8949449999888888888")
    sim = vsim.load_card("sim", iccid=iccid(1))
    events = run(batch, ledger, [VirtualSlot("v0", [stranger, vsim.load_card("uicc", iccid=iccid(0)), sim])])
    kinds = [(e.kind, e.iccid) for e in events]
    assert ("no-row", "8949449999888888888") in kinds
    rep = {r["iccid"]: r for r in ledger.report("b")}
    assert rep[iccid(0)]["state"] == "verified"
    assert rep[iccid(1)]["state"] == "failed" and "force" in rep[iccid(1)]["reason"]
    assert all(PLANTED not in (r["reason"] or "") for r in rep.values())


def test_card_pulled_at_every_apdu_index_ends_verified_or_failed(make_csv):
    batch = load_batch(make_csv(1), "dm-bootstrap")
    row = batch.rows[0]
    # how many APDUs does one card take?
    probe_ledger = Ledger("sqlite://")
    probe_ledger.add_batch("b", "dm-bootstrap", batch.rows)
    probe = vsim.load_card("uicc", iccid=row.iccid)
    run(batch, probe_ledger, [VirtualSlot("p", [probe])])
    total = probe.apdu_count
    for i in range(total + 2):
        ledger = Ledger("sqlite://")
        ledger.add_batch("b", "dm-bootstrap", batch.rows)
        card = vsim.load_card("uicc", iccid=row.iccid)
        card.fault = FaultPlan(drop_after=i)  # once: the re-inserted card works
        run(batch, ledger, [VirtualSlot("v", [card])])
        [rep] = ledger.report("b")
        assert rep["state"] == "verified", (i, rep)
        assert ef(card).startswith(row.message)  # verified means the content is right
        assert rep["attempts"] <= 2


def test_repeated_pulls_end_failed_with_the_reason(make_csv):
    batch = load_batch(make_csv(1), "dm-bootstrap")
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    card = vsim.load_card("uicc", iccid=batch.rows[0].iccid)

    class AlwaysDropOnUpdate:
        def before(self, c, index, apdu):
            if apdu[1] == 0xD6:
                raise ConnectionError("pulled")
            return None

    card.fault = AlwaysDropOnUpdate()
    run(batch, ledger, [VirtualSlot("v", [card])], max_attempts=3)
    [rep] = ledger.report("b")
    assert rep["state"] == "failed" and rep["attempts"] == 3 and "removed" in rep["reason"]


def test_resume_does_not_rewrite_a_card_that_already_holds_its_message(make_csv):
    batch = load_batch(make_csv(1), "dm-bootstrap")
    row = batch.rows[0]
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    card = vsim.load_card("uicc", iccid=row.iccid)
    # a run that died after writing: the ledger says "written", the card holds the message
    ledger.claim("b", row.iccid, "station", "v")
    ledger.mark("b", row.iccid, "written")
    card.mf.children[0x7F50].children[0x5300].data[: len(row.message)] = row.message
    updates = []

    class CountUpdates:
        def before(self, c, index, apdu):
            if apdu[1] == 0xD6:
                updates.append(index)
            return None

    card.fault = CountUpdates()
    events = run(batch, ledger, [VirtualSlot("v", [card])])
    assert [e.kind for e in events if e.iccid == row.iccid][-1] == "already"
    assert updates == [] and ledger.report("b")[0]["state"] == "verified"
