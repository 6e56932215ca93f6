"""One reader, several PC/SC clients at once (issue 25, benches.md): cardboot writers, a cardboot inspect
and OpenSC's opensc-tool moving the current file and sending a wrong CHV1 / PIN1 — over pcscd + vpcd at a
real card's pace (vsim's link model, 9600 bit/s for the SIM). Each cardboot session holds the card with
SCardBeginTransaction, so: every writer is verified, every file but EF DM_Bootstrap is byte-identical
after, and the retry counter went down by exactly the one wrong VERIFY.

Before the transaction (measured on this bench: two writes and an inspect at once on the SIM) one write
stopped with 9400 (no EF selected), inspect with "3F00/2FE2 is a MF, not an EF", another round with 6F00."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import reader_index

pytestmark = pytest.mark.pcsc
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "T_ADM": "88888888"}
DM_BOOTSTRAP = {"sim": "3F00/7F50/5300", "uicc": "3F00/7F50/5300"}


def contents(card) -> dict[str, bytes]:
    return {ef.path_str: bytes(ef.data) for ef in card.files()}


def cardboot(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cardboot.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)


@pytest.mark.parametrize("family,baud,cla", [("sim", 9600, "A0"), ("uicc", 38400, "00")])
def test_writers_inspect_and_opensc_at_once(vsim_reader_factory, opensc_env, family, baud, cla):
    handle = vsim_reader_factory(family, baud=baud)
    card = handle.card
    before = contents(card)
    pin1 = card.pins[0x01]
    tries = pin1.retries
    idx = reader_index(opensc_env, handle.reader)
    force = ["--force-verify"] if family == "sim" else []  # a SIM hides its ADM counter
    procs = [cardboot("write", "--reader", handle.reader, "--template", "dm-bootstrap", "--vars",
                      "profiles/vars/example.toml", "--adm-env", "T_ADM", *force, "--wait", "120", "--json")
             for _ in range(3)]
    procs.append(cardboot("inspect", "--reader", handle.reader, "--wait", "120", "--json"))
    time.sleep(0.5)  # the writers are under way: OpenSC lands its SELECT and a wrong VERIFY among them
    wrong = subprocess.run(["opensc-tool", "--reader", idx, "-c", "default",
                            "--send-apdu", f"{cla}:A4:00:{'00' if cla == 'A0' else '0C'}:02:2F:E2",
                            "--send-apdu", f"{cla}:20:00:01:08:39:39:39:39:FF:FF:FF:FF"],
                           capture_output=True, text=True, timeout=300, env=opensc_env)
    assert "SW1=0x98" in wrong.stdout or "SW1=0x63" in wrong.stdout, wrong.stdout + wrong.stderr
    results = [(p.wait(300), p.stdout.read(), p.stderr.read()) for p in procs]
    for code, out, err in results[:3]:
        assert code == 0 and json.loads(out)["status"] == "verified", err
    code, out, err = results[3]
    assert code == 0 and json.loads(out)["bootstrap"] is not None, err
    after = contents(card)
    changed = {p for p in before if before[p] != after[p]}
    assert changed <= {DM_BOOTSTRAP[family]}, f"files other than EF DM_Bootstrap changed: {changed}"
    assert pin1.retries == tries - 1  # the one wrong VERIFY, counted once


def test_a_card_another_client_holds_is_busy_after_the_wait(vsim_reader_factory):
    """Another process's transaction held past --wait: exit 3 naming who can hold a card, nothing sent;
    once it ends, the same command goes through."""
    from smartcard import scard

    handle = vsim_reader_factory("uicc")
    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    hr, card, _ = scard.SCardConnect(ctx, handle.reader, scard.SCARD_SHARE_SHARED,
                                     scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    assert hr == scard.SCARD_S_SUCCESS
    try:
        assert scard.SCardBeginTransaction(card) == scard.SCARD_S_SUCCESS
        started = time.monotonic()
        p = cardboot("inspect", "--reader", handle.reader, "--wait", "1")
        code, err = p.wait(60), p.stderr.read()
        assert code == 3 and "another PC/SC client has held the card for more than 1 s" in err, err
        assert time.monotonic() - started < 30 and "Traceback" not in err
        scard.SCardEndTransaction(card, scard.SCARD_LEAVE_CARD)
        p = cardboot("inspect", "--reader", handle.reader, "--wait", "5")
        assert p.wait(60) == 0, p.stderr.read()
    finally:
        scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(ctx)


def test_a_reset_by_another_client_while_we_waited_starts_again_from_the_mf(vsim_reader_factory):
    """SCARD_W_RESET_CARD when the transaction is granted: reconnect, the card fresh (MF, nothing verified,
    no channel open), then the session goes on."""
    from smartcard import scard

    from cardboot.provision.inspect import inspect_card
    from cardboot.card import connect_card
    from cardboot.transport.pcsc import PcscTransport

    handle = vsim_reader_factory("uicc")
    ours = PcscTransport(handle.reader)
    ours.connect()
    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    hr, other, _ = scard.SCardConnect(ctx, handle.reader, scard.SCARD_SHARE_SHARED,
                                      scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    try:
        assert scard.SCardBeginTransaction(other) == scard.SCARD_S_SUCCESS
        hr, _ = scard.SCardReconnect(other, scard.SCARD_SHARE_SHARED,
                                     scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1, scard.SCARD_RESET_CARD)
        assert hr == scard.SCARD_S_SUCCESS
        scard.SCardEndTransaction(other, scard.SCARD_LEAVE_CARD)
        ours.fresh = False
        ours.hold(5)
        assert ours.fresh  # it knows the card stands at the MF again
        report = inspect_card(connect_card(ours))
        assert report.bootstrap is not None and not report.errors
    finally:
        ours.disconnect()
        scard.SCardDisconnect(other, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(ctx)
