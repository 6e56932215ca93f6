"""Edit the bootstrap as fields (the template's variables), validated as you type, with the encoded size
against the EF and the difference to what the card holds; Write returns the message to the app, which
writes and verifies it in a worker."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..bootstrap.template import load_toml, resolve_template, secret_leaves, secret_variables, template_variables
from ..provision.prepare import from_template
from ..bootstrap.view import diff
from ..errors import CardbootError


class WriteScreen(ModalScreen):
    DEFAULT_CSS = """
    WriteScreen { align: center middle; }
    WriteScreen > VerticalScroll { width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1; }
    WriteScreen Input { height: 3; }
    WriteScreen .row { height: 3; }
    WriteScreen .name { width: 18; padding-top: 1; }
    #check { height: auto; padding: 1 0; }
    #check.bad { color: $error; }
    #check.good { color: $success; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, template: str, defaults: dict, capacity: int, current=None):
        super().__init__()
        self.template_name = template
        self.template = load_toml(resolve_template(template), "template")
        self.names = sorted(template_variables(self.template))
        self.secret_names = secret_variables(self.template)
        self.secret_leaves = secret_leaves(self.template)
        self.defaults = defaults
        self.capacity = capacity
        self.current = current  # the card's message (for the diff)
        self.encoded: bytes | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"Bootstrap from template {self.template_name} (EF holds {self.capacity} bytes)")
            for name in self.names:
                with Horizontal(classes="row"):
                    yield Label(name, classes="name")
                    yield Input(str(self.defaults.get(name, "")), id=f"var-{name}", password=name in self.secret_names)
            yield Static("", id="check")
            with Horizontal(classes="row"):
                yield Button("Write and verify", variant="primary", id="write")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.check()

    def values(self) -> dict:
        return {n: self.query_one(f"#var-{n}", Input).value for n in self.names}

    def check(self) -> None:
        box = self.query_one("#check", Static)
        button = self.query_one("#write", Button)
        try:
            prepared = from_template(self.template, self.values(), source=self.template_name,
                                     max_size=self.capacity)
            msg, data, findings = prepared.message, prepared.wbxml, prepared.findings
        except CardbootError as e:
            self.encoded = None
            box.update(f"cannot build: {e}")
            box.set_classes("bad")
            button.disabled = True
            return
        lines = [f"{len(data)} of {self.capacity} bytes"]
        lines += [str(f) for f in findings]
        if self.current is not None:
            changes = diff(self.current, msg, self.secret_leaves)
            lines.append(f"{len(changes)} change(s) against the card" if changes else "same content as the card")
            lines += changes[:8]
        box.update("\n".join(lines))
        box.set_classes("bad" if findings else "good")
        self.encoded = None if findings else data
        button.disabled = bool(findings)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.check()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "write" and self.encoded is not None:
            self.dismiss(self.encoded)
        elif event.button.id == "cancel":
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
