"""The bench TUI (Textual): thin screens and widgets; all card work runs in workers calling the same
functions the CLI uses."""
