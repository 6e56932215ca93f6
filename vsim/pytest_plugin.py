"""pytest fixtures for virtual SIM/UICC cards (registered through the ``pytest11`` entry point, so
``pip install cardboot`` makes them available to any project).

- ``vsim_card``: an in-process card with a connected ``VirtualTransport`` (no pcscd needed).
- ``vsim_reader``: the card as a real PC/SC reader through pcscd + vpcd. A session fixture
  (``vsim_pcscd``) uses the running pcscd if it lists the vpcd reader, else starts its own in the
  foreground and stops it by PID at the end. Tests skip with the reason when pcscd or vpcd is missing.
- ``vsim_reader_factory``: several cards at once, one per vpcd slot.

Choose the layout with ``@pytest.mark.vsim_profile("sim", t0=True)`` or indirect parametrisation:
``@pytest.mark.parametrize("vsim_card", ["sim", "uicc"], indirect=True)``. Default: the built-in UICC.

Options (command line, or the same name with underscores in the ini file): ``--vsim-port N`` the vpcd
port of the first slot (default 35963, vsmartcard's); ``--vsim-slots N`` vpcd readers a private pcscd
gets (default 2); ``--vsim-cleanup`` lets the session stop private pcscds of killed runs and remove a
stale pcscd socket — without it the plugin touches no process or socket it did not create.
The types it hands out (:class:`VsimCard`, :class:`VsimReader`) are exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


__all__ = ["VsimCard", "VsimReader"]


def pytest_addoption(parser):
    group = parser.getgroup("vsim", "virtual SIM/UICC cards")
    group.addoption("--vsim-port", type=int, default=None, help="vpcd port of the first slot (default 35963)")
    group.addoption("--vsim-slots", type=int, default=None, help="vpcd readers of a private pcscd (default 2)")
    group.addoption("--vsim-cleanup", action="store_true", default=None,
                    help="stop private pcscds of killed runs and remove a stale pcscd socket")
    parser.addini("vsim_port", "vpcd port of the first slot", default="35963")
    parser.addini("vsim_slots", "vpcd readers of a private pcscd", default="2")
    parser.addini("vsim_cleanup", "stop private pcscds of killed runs, remove a stale socket", type="bool",
                  default=False)


def _option(config, name: str):
    value = config.getoption(f"--vsim-{name}")
    return value if value is not None else config.getini(f"vsim_{name}")


def pytest_configure(config):
    config.addinivalue_line("markers", "vsim_profile(name, t0=False): card layout for the vsim fixtures")
    config.addinivalue_line("markers", "pcsc: needs pcscd and the vsmartcard vpcd driver (vsim_reader fixtures)")


def _profile(request) -> tuple[str, bool]:
    param = getattr(request, "param", None)
    if isinstance(param, tuple):
        return param[0], bool(param[1])
    if isinstance(param, str):
        return param, False
    marker = request.node.get_closest_marker("vsim_profile")
    if marker is not None:
        return (marker.args[0] if marker.args else "uicc"), bool(marker.kwargs.get("t0", False))
    return "uicc", False


@dataclass
class VsimCard:
    """An in-process virtual card: ``card`` (the vsim object, for assertions on its files and PINs) and
    a connected ``transport`` for cardboot."""

    profile: str
    card: object
    transport: object

    def connect(self, family: str | None = None, trace=None):
        from cardboot.card import connect_card

        return connect_card(self.transport, family=family, trace=trace)


@pytest.fixture
def vsim_card_factory():
    """Call it for in-process cards inside a test: ``vsim_card_factory("sim", t0=True)`` → :class:`VsimCard`
    (powered; disconnected at the end of the test)."""
    import vsim
    from cardboot.transport.virtual import VirtualTransport

    made: list[VsimCard] = []

    def make(profile: str = "uicc", *, t0: bool = False, iccid: str | None = None) -> VsimCard:
        card = vsim.load_card(profile, t0=t0, iccid=iccid)
        transport = VirtualTransport(card, name=f"vsim:{profile}")
        transport.connect()
        made.append(VsimCard(profile, card, transport))
        return made[-1]

    yield make
    for c in made:
        c.transport.disconnect()


@pytest.fixture
def vsim_card(request):
    """An in-process virtual card (default: the built-in UICC), powered and connected."""
    import vsim
    from cardboot.transport.virtual import VirtualTransport

    profile, t0 = _profile(request)
    card = vsim.load_card(profile, t0=t0)
    transport = VirtualTransport(card, name=f"vsim:{profile}")
    transport.connect()
    yield VsimCard(profile, card, transport)
    transport.disconnect()


@pytest.fixture(scope="session")
def vsim_pcscd(request, tmp_path_factory):
    """pcscd with the vpcd driver for the test session (the running one, or our own, stopped at the end)."""
    from .pcscd import PcscdService, PcscdUnavailable

    config = request.config
    service = PcscdService(int(_option(config, "port")), str(tmp_path_factory.mktemp("pcscd") / "pcscd.log"),
                           int(_option(config, "slots")), cleanup=bool(_option(config, "cleanup")))
    try:
        service.ensure()
    except PcscdUnavailable as e:
        pytest.skip(f"no PC/SC stack for vsim: {e}")
    except ImportError as e:  # pragma: no cover - pyscard is a dependency
        pytest.skip(f"pyscard missing: {e}")
    yield service
    service.stop()


@dataclass
class VsimReader:
    """A virtual card in a PC/SC reader: ``reader`` is its name for pyscard/OpenSC/pcsc_scan."""

    profile: str
    reader: str
    slot: int
    card: object
    server: object

    def transport(self, protocol: str = "any"):
        from cardboot.transport.pcsc import PcscTransport

        return PcscTransport(self.reader, protocol)


class _Factory:
    def __init__(self, service):
        self.service = service
        self.running: list[VsimReader] = []

    def __call__(self, profile: str = "uicc", *, t0: bool = False, slot: int = 0, fault=None,
                 state_path=None, quickack: bool = True, baud: int | None = None) -> VsimReader:
        import vsim

        from .pcscd import card_present, vpcd_readers
        from .state import StateKeeper
        from .vpcd import VpcdCard, wait_for

        card = vsim.load_card(profile, t0=t0)
        keeper = None
        if state_path is not None:
            keeper = StateKeeper(card, state_path)
            keeper.acquire(10)  # a served card holds its state file while it is in the reader
        card.fault = fault
        from .link import LinkModel

        link = LinkModel(baud, "T=0" if card.t0 else "T=1") if baud else None  # a real card's pace
        server = VpcdCard(card, port=self.service.port + slot, quickack=quickack, state=keeper, link=link)
        server.start_thread()
        names = [r for r in vpcd_readers() if r.endswith(f" {slot:02d}")]
        if not names:
            server.stop()
            raise RuntimeError(f"no vpcd reader for slot {slot} (have: {', '.join(vpcd_readers())})")
        reader = names[0]
        if not server.connected.wait(10) or not wait_for(lambda: card_present(reader), 10):
            server.stop()
            raise RuntimeError(f"virtual card {profile} did not appear in {reader}")
        handle = VsimReader(profile, reader, slot, card, server)
        self.running.append(handle)
        return handle

    def stop(self, handle: VsimReader) -> None:
        from .pcscd import card_present
        from .vpcd import wait_for

        handle.server.stop()
        wait_for(lambda: not card_present(handle.reader), 5)
        if handle in self.running:
            self.running.remove(handle)

    def close(self) -> None:
        for h in list(self.running):
            self.stop(h)


@pytest.fixture
def vsim_reader_factory(vsim_pcscd):
    """Call it to put a virtual card in a vpcd slot: ``vsim_reader_factory("sim", slot=1, fault=plan)``."""
    factory = _Factory(vsim_pcscd)
    yield factory
    factory.close()


@pytest.fixture
def vsim_reader(request, vsim_reader_factory):
    """A virtual card in the first vpcd slot, seen by every PC/SC program as a card in a reader."""
    profile, t0 = _profile(request)
    return vsim_reader_factory(profile, t0=t0)
