"""Regenerate the README screenshots of the TUI: run the app headless on the virtual UICC, write a
bootstrap, and save the screens as SVG (and PNG when cairosvg is installed).

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from cardboot.tui.app import CardbootApp
from cardboot.tui.readers import virtual_entries

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZE = (110, 34)


async def settle(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    app = CardbootApp(virtual_entries(["uicc"]), poll_pcsc=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        app.screen.query_one("#var-server_name").value = "Bench DM Server"
        await settle(app, pilot)
        app.save_screenshot(str(OUT / "write.svg"))
        app.screen.query_one("#write").press()
        await settle(app, pilot)
        app.screen.query_one("#secret").value = "88888888"
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        app.save_screenshot(str(OUT / "main.svg"))
    try:
        import cairosvg
    except ImportError:
        print(f"SVG screenshots in {OUT} (install cairosvg for PNG copies)")
        return
    for svg in OUT.glob("*.svg"):
        cairosvg.svg2png(url=str(svg), write_to=str(svg.with_suffix(".png")))
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
