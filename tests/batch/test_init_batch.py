"""batch run --init: blank cards are laid out, then written; the ledger records the init step, and a card
whose run died between init and write resumes at the write (no CREATE FILE sent again)."""

import vsim
from cardboot.batch.ledger import Ledger
from cardboot.batch.rows import load_batch
from cardboot.batch.runner import BatchRunner, RunOptions
from cardboot.batch.slots import VirtualSlot
from cardboot.provision.layout import load_layout
from cardboot.secret import Secret
from tests.helpers import cli

LAYOUT = load_layout("uicc")


def run(batch, ledger, slots):
    events = []
    BatchRunner(batch, ledger, slots, RunOptions("b", adm=Secret("88888888"), init_layout=LAYOUT), events.append).run()
    return events


def test_blank_cards_are_initialized_then_written(make_csv):
    batch = load_batch(make_csv(6), "dm-bootstrap")
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    cards = [vsim.load_card("blank-uicc", iccid=r.iccid) for r in batch.rows]
    run(batch, ledger, [VirtualSlot("v0", cards[0::2]), VirtualSlot("v1", cards[1::2])])
    assert ledger.counts("b")["verified"] == 6
    reference = bytes(vsim.load_card("uicc").mf.children[0x7F50].children[0x5031].data)
    for card, r in zip(cards, batch.rows):
        adf = card.mf.children[0x7F50]
        assert bytes(adf.children[0x5031].data) == reference
        assert bytes(adf.children[0x5300].data).startswith(r.message)


class _Recorder:
    """Records each APDU's INS; drops the link once, on the first APDU after init (the ledger has left
    'claimed': 'initialized', then 'written' just before the write's first command)."""

    def __init__(self, ledger):
        self.ledger, self.ins, self.dropped = ledger, [], False

    def before(self, card, index, apdu):
        if not self.dropped and self.ledger.report("b")[0]["state"] in ("initialized", "written"):
            self.dropped, self.drop_at = True, len(self.ins)
            raise ConnectionError("pulled between init and write")
        self.ins.append(apdu[1])
        return None


def test_killed_between_init_and_write_resumes_at_the_write(make_csv):
    batch = load_batch(make_csv(1), "dm-bootstrap")
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    card = vsim.load_card("blank-uicc", iccid=batch.rows[0].iccid)
    rec = _Recorder(ledger)
    card.fault = rec
    run(batch, ledger, [VirtualSlot("v0", [card])])
    assert rec.dropped and 0xE0 in rec.ins[:rec.drop_at]
    before = rec.drop_at
    row = ledger.report("b")[0]
    if row["state"] != "verified":  # the runner's retry may have finished it in the same run
        run(batch, ledger, [VirtualSlot("v0", [card])])
    row = ledger.report("b")[0]
    assert row["state"] == "verified" and row["attempts"] == 2
    assert 0xE0 not in rec.ins[before:] and 0xD6 in rec.ins[before:]  # no CREATE again; the message written


def test_cli_batch_init_on_virtual_slots(make_csv, tmp_path):
    csv = make_csv(3)
    db = f"sqlite:///{tmp_path / 'l.sqlite'}"
    r = cli("batch", "run", "--csv", str(csv), "--db", db, "--vsim-slots", "2", "--vsim-profile", "blank-uicc",
            "--init", "uicc", "--adm-env", "CB_ADM", "--quiet", env={"CB_ADM": "88888888"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "verified 3" in r.stdout


def test_a_card_recorded_initialized_is_not_initialized_again(make_csv):
    """A station that died right after recording 'initialized': the next run writes without re-checking."""
    from cardboot.card import connect_card
    from cardboot.provision.access import Secrets
    from cardboot.provision.init import init_card
    from cardboot.transport.virtual import VirtualTransport

    batch = load_batch(make_csv(1), "dm-bootstrap")
    ledger = Ledger("sqlite://")
    ledger.add_batch("b", "dm-bootstrap", batch.rows)
    card = vsim.load_card("blank-uicc", iccid=batch.rows[0].iccid)
    t = VirtualTransport(card)
    t.connect()
    init_card(connect_card(t), LAYOUT, Secrets(adm=Secret("88888888")))
    t.disconnect()
    assert ledger.claim("b", batch.rows[0].iccid, "station", "r0") is not None
    ledger.mark("b", batch.rows[0].iccid, "initialized")
    rec = _Recorder(ledger)
    rec.dropped = True  # record only
    card.fault = rec
    run(batch, ledger, [VirtualSlot("v0", [card])])
    assert ledger.report("b")[0]["state"] == "verified"
    assert 0xE0 not in rec.ins and 0xD6 in rec.ins
