"""Modal dialogs: secret entry (masked, with the retries left and the guard's rule), results, help."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..errors import tries_left


class SecretDialog(ModalScreen):
    """Ask for a PIN or ADM key. Dismisses with the typed value (str) or None."""

    DEFAULT_CSS = """
    SecretDialog { align: center middle; }
    SecretDialog > Vertical { width: 60; height: auto; border: thick $accent; padding: 1 2; background: $surface; }
    SecretDialog Horizontal { height: auto; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, what: str, retries: int | None, purpose: str):
        super().__init__()
        self.what, self.retries, self.purpose = what, retries, purpose

    def compose(self) -> ComposeResult:
        if self.retries is None:
            left = "the card does not say how many tries are left: cardboot will not VERIFY unless forced"
        elif self.retries == -1:
            left = "already verified on this card"
        elif self.retries == 0:
            left = "BLOCKED: only an unblock with the PUK helps; cardboot will not try"
        elif self.retries <= 1:
            left = f"{self.retries} try left: a wrong value would block it, so cardboot refuses to VERIFY"
        else:
            left = tries_left(self.retries)
        with Vertical():
            yield Label(f"{self.what} for {self.purpose}")
            yield Static(left, id="retries")
            yield Input(password=True, placeholder=self.what, id="secret")
            with Horizontal():
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.query_one("#secret", Input).value if event.button.id == "ok" else None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResultDialog(ModalScreen):
    DEFAULT_CSS = """
    ResultDialog { align: center middle; }
    ResultDialog > Vertical { width: 70; height: auto; border: thick $accent; padding: 1 2; background: $surface; }
    #result-title.ok { color: $success; text-style: bold; }
    #result-title.fail { color: $error; text-style: bold; }
    """
    BINDINGS = [("escape", "close", "Close"), ("enter", "close", "Close")]

    def __init__(self, ok: bool, title: str, detail: str):
        super().__init__()
        self.ok, self.title_text, self.detail = ok, title, detail

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, id="result-title", classes="ok" if self.ok else "fail")
            yield Static(self.detail, id="result-detail")
            yield Button("Close", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.ok)

    def action_close(self) -> None:
        self.dismiss(self.ok)


HELP = """\
cardboot bench TUI

  up/down, enter   choose a reader (virtual cards are listed first)
  r                read the card again
  w                edit the bootstrap from the template and write it (verified)
  e                erase EF DM_Bootstrap (all FF, verified)
  p                enter the PIN (to read a private bootstrap)
  i                insert / remove the selected virtual card
  s                show / hide secrets in the bootstrap panel
  l                show / hide the APDU log (secrets masked)
  ?                this help
  q                quit

Nothing is called done until it is read back and compared: the result says Verified or Failed.
PINs and ADM keys are asked for when needed, never stored, and never shown.
"""


class HelpScreen(ModalScreen):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Static { width: 76; height: auto; border: thick $accent; padding: 1 2; background: $surface; }
    """
    BINDINGS = [("escape", "app.pop_screen", "Close"), ("question_mark", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        yield Static(HELP)
