"""The bench TUI driven by Textual's pilot against in-process virtual cards: choose the card, see the
tree, write an edited bootstrap and get "Verified"; wrong PIN; card pulled mid-write; guard refusal."""

import pytest

from cardboot.tui.app import CardbootApp
from cardboot.tui.dialogs import ResultDialog, SecretDialog
from cardboot.tui.readers import virtual_entries
from cardboot.tui.write_screen import WriteScreen

SIZE = (100, 34)


def text(app, selector) -> str:
    return str(app.query_one(selector).render())


async def settle(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def choose(app, pilot, index=0):
    app.query_one("#readers").index = index
    await pilot.press("enter")
    await settle(app, pilot)


async def type_secret(app, pilot, value):
    await settle(app, pilot)
    assert isinstance(app.screen, SecretDialog)
    app.screen.query_one("#secret").value = value
    await pilot.press("enter")
    await settle(app, pilot)


@pytest.mark.asyncio
async def test_insert_card_tree_edit_write_verified():
    app = CardbootApp(virtual_entries(["uicc"]), poll_pcsc=False)
    async with app.run_test(size=SIZE) as pilot:
        await choose(app, pilot)
        labels = [str(n.label) for n in app.query_one("#card").root.children[1].children]
        assert any("DM_Bootstrap" in label for label in labels)
        pins = [str(n.label) for n in app.query_one("#card").root.children[2].children]
        assert pins == ["ADM1 (ref 0A): 10 tries left"]  # the PIN UPDATE needs, probed without a try
        assert "empty" in text(app, "#summary")
        await pilot.press("w")
        await settle(app, pilot)
        assert isinstance(app.screen, WriteScreen)
        app.screen.query_one("#var-server_name").value = "Bench Server"
        await settle(app, pilot)
        assert "of 4096 bytes" in text(app.screen, "#check")
        app.screen.query_one("#write").press()
        await type_secret(app, pilot, "88888888")  # ADM1, retries shown
        assert isinstance(app.screen, ResultDialog)
        assert text(app.screen, "#result-title") == "write: Verified" and app.screen.ok
        await pilot.press("escape")
        await settle(app, pilot)
        assert "Bench Server" in text(app, "#summary") and "****" in text(app, "#summary")
        tree = text(app, "#tree")  # the tree a DM client makes of it (5.5.5), secrets masked
        assert "DMAcc" in tree and "next: ./DMAcc/" in tree and "'****'" in tree


@pytest.mark.asyncio
async def test_wrong_pin_counts_down_and_says_so():
    entries = virtual_entries(["uicc-private"])
    app = CardbootApp(entries, poll_pcsc=False)
    async with app.run_test(size=SIZE) as pilot:
        await choose(app, pilot)
        assert "private" in text(app, "#summary")
        await pilot.press("p")
        await settle(app, pilot)
        assert "3 tries left" in text(app.screen, "#retries")
        app.screen.query_one("#secret").value = "0000"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "wrong PIN1: 2 tries left" in text(app, "#status") or "2 tries left" in text(app, "#summary")
        assert entries[0].card.pins[1].retries == 2


@pytest.mark.asyncio
async def test_card_pulled_mid_write_fails_and_the_app_keeps_running():
    entries = virtual_entries(["uicc"])

    class PullOnUpdate:
        def before(self, c, index, apdu):
            if apdu[1] == 0xD6:
                raise ConnectionError("pulled")
            return None

    app = CardbootApp(entries, poll_pcsc=False)
    async with app.run_test(size=SIZE) as pilot:
        await choose(app, pilot)
        entries[0].card.fault = PullOnUpdate()
        await pilot.press("w")
        await settle(app, pilot)
        app.screen.query_one("#write").press()
        await type_secret(app, pilot, "88888888")
        assert isinstance(app.screen, ResultDialog) and not app.screen.ok
        assert text(app.screen, "#result-title") == "write: Failed: card removed"
        assert "Nothing is verified" in text(app.screen, "#result-detail")
        entries[0].card.fault = None
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("r")  # still alive: the card reads again
        await settle(app, pilot)
        assert app.report is not None and app.report.iccid


@pytest.mark.asyncio
async def test_guard_refuses_when_one_try_is_left_and_blocked_is_said():
    entries = virtual_entries(["uicc-private"])
    entries[0].card.pins[1].retries = 1
    app = CardbootApp(entries, poll_pcsc=False)
    async with app.run_test(size=SIZE) as pilot:
        await choose(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        assert "refuses to VERIFY" in text(app.screen, "#retries")
        app.screen.query_one("#secret").value = "1234"
        await pilot.press("enter")
        await settle(app, pilot)
        assert "refusing to VERIFY PIN1" in text(app, "#summary")
        assert entries[0].card.pins[1].retries == 1  # nothing was sent
        entries[0].card.pins[1].retries = 0
        await pilot.press("p")
        await settle(app, pilot)
        assert "BLOCKED" in text(app.screen, "#retries")


@pytest.mark.asyncio
async def test_remove_and_insert_a_virtual_card_and_help():
    app = CardbootApp(virtual_entries(["sim"]), poll_pcsc=False)
    async with app.run_test(size=(80, 24)) as pilot:  # the smallest terminal it must work at
        await choose(app, pilot)
        assert app.report.family == "sim"
        await pilot.press("i")
        await settle(app, pilot)
        assert "no card" in text(app, "#status")
        await pilot.press("i")
        await settle(app, pilot)
        assert app.report is not None
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert "Nothing is called done" in text(app.screen, "Static")


@pytest.mark.asyncio
async def test_the_only_reader_is_opened_at_start():
    app = CardbootApp(virtual_entries(["uicc"]), poll_pcsc=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.current is app.entries[0] and app.report is not None
        assert "UICC" in str(app.query_one("#card").root.label)


@pytest.mark.asyncio
async def test_the_lwm2m_tab_shows_the_cards_lwm2m_bootstrap_with_its_keys_masked():
    from cardboot.lwm2m.bootstrap import encode_ef
    from cardboot.lwm2m.template import load
    from cardboot.provision.lwm2m import write_lwm2m
    from cardboot.provision.access import Secrets
    from cardboot.provision.session import card_session
    from cardboot.secret import Secret
    from cardboot.transport.open import card_transport

    entries = virtual_entries(["uicc-lwm2m", "uicc"])
    content = encode_ef(load("lwm2m-bootstrap", "profiles/vars/lwm2m-example.toml"))
    with card_session(card_transport(entries[0].card)) as card:
        write_lwm2m(card, content, Secrets(adm=Secret("88888888")))
    app = CardbootApp(entries, poll_pcsc=False)
    async with app.run_test(size=SIZE) as pilot:
        await choose(app, pilot)
        shown = text(app, "#lwm2m")
        assert shown.startswith("LwM2M bootstrap, 224 bytes: valid")
        assert "secret_key = ****" in shown and "000102030405060708090A0B0C0D0E0F" not in shown
        assert "next: register with coaps://lwm2m.example.com:5684" in shown
        await pilot.press("s")
        await settle(app, pilot)
        assert "000102030405060708090A0B0C0D0E0F" in text(app, "#lwm2m")
        await choose(app, pilot, 1)
        assert "lists no LwM2M bootstrap object" in text(app, "#lwm2m")
