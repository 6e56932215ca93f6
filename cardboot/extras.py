"""What each optional part of cardboot needs installed (pyproject's ``[project.optional-dependencies]``),
so that a command whose extra is missing says which one in a line instead of failing on an import.

The core — card engine, PKCS#15, the message, provisioning, the CLI's card and message commands, vsim —
needs pyscard, pyasn1 and lxml only."""

from __future__ import annotations

from .errors import UsageError

# extra -> the modules (import names) it brings
EXTRAS: dict[str, tuple[str, ...]] = {
    "tui": ("textual",),
    "batch": ("sqlalchemy", "rich"),
    "server": ("uvicorn", "httptools", "uvloop", "sqlalchemy", "cryptography", "pyasn1_modules"),
    "device": ("cryptography", "pyasn1_modules", "dns"),
    "postgres": ("psycopg",),
    "bench": ("httpx",),
}

# the extra a command needs first (its other needs are found from the module that is missing)
COMMAND_EXTRA: dict[str, str] = {
    "tui": "tui", "batch": "batch", "server": "server", "device": "device", "bench": "bench",
    "conformance": "device",  # --server checks what a device would
}

# import name -> the distribution pyproject lists
DISTRIBUTIONS: dict[str, str] = {
    "textual": "textual", "rich": "rich", "sqlalchemy": "sqlalchemy", "uvicorn": "uvicorn",
    "httptools": "httptools", "uvloop": "uvloop", "cryptography": "cryptography",
    "pyasn1_modules": "pyasn1-modules", "dns": "dnspython", "psycopg": "psycopg", "httpx": "httpx",
}


def extra_for(module: str | None, command: str | None = None) -> str | None:
    """The extra that installs ``module`` (a missing import's top-level name), the command's own first."""
    top = (module or "").partition(".")[0]
    own = COMMAND_EXTRA.get(command or "")
    if own and top in EXTRAS[own]:
        return own
    return next((name for name, modules in EXTRAS.items() if top in modules), None)


class MissingExtraError(UsageError):
    """A command needs an optional part of cardboot that is not installed."""

    def __init__(self, command: str | None, extra: str, module: str):
        self.extra, self.module = extra, module
        what = f"cardboot {command}" if command else "this"
        super().__init__(f"{what} needs the [{extra}] extra: pip install 'cardboot[{extra}]' "
                         f"({DISTRIBUTIONS.get(module, module)} is not installed)")


def missing_extra(error: ModuleNotFoundError, command: str | None) -> MissingExtraError | None:
    """The one-line error for an import that failed for want of an extra, or None (then it is a bug)."""
    top = (error.name or "").partition(".")[0]
    extra = extra_for(top, command)
    return MissingExtraError(command, extra, top) if extra else None


def require(extra: str, command: str) -> None:
    """Refuse ``command`` up front when a module of ``extra`` cannot be imported (for work that would
    otherwise fail half-way, such as a benchmark that starts servers first)."""
    import importlib.util

    for module in EXTRAS[extra]:
        if module == "uvloop":
            continue  # optional on platforms without it; uvicorn falls back to asyncio
        try:
            found = importlib.util.find_spec(module) is not None
        except (ModuleNotFoundError, ValueError):
            found = False
        if not found:
            raise MissingExtraError(command, extra, module)
