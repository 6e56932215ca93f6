"""Snapshot tests of the main screens (pytest-textual-snapshot); update with --snapshot-update after an
intended change of the layout."""

from cardboot.tui.app import CardbootApp
from cardboot.tui.readers import virtual_entries

SIZE = (100, 34)


async def _choose(pilot):
    await pilot.press("enter")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_main_screen_with_a_card(snap_compare):
    app = CardbootApp(virtual_entries(["uicc"]), poll_pcsc=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=_choose)


def test_write_screen(snap_compare):
    async def run_before(pilot):
        await _choose(pilot)
        await pilot.press("w")
        await pilot.pause()

    app = CardbootApp(virtual_entries(["uicc"]), poll_pcsc=False)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
