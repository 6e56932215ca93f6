"""The ASGI application in process with a real store: how many scrypt checks and store reads the requests
of many connections cost (issue 17: 100 connections opening with one credential pay one scrypt)."""

import asyncio
import base64

import pytest

from cardboot.server import app as app_module
from cardboot.server.app import BootstrapServer
from cardboot.server.store import DeviceStore


def _basic(user, code):
    return ("Basic " + base64.b64encode(f"{user}:{code}".encode()).decode()).encode()


async def _get(server, port, auth=None, path="/OMA/DM/Bootstrap.xml"):
    scope = {"type": "http", "method": "GET", "path": path, "client": ("127.0.0.1", port),
             "headers": [(b"authorization", auth)] if auth else []}
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(msg):
        sent.append(msg)

    await server(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


@pytest.fixture
def counted(monkeypatch):
    calls = {"scrypt": 0, "get": 0}
    real_check = app_module.check_code

    def check_code(code, stored):
        calls["scrypt"] += 1
        return real_check(code, stored)

    monkeypatch.setattr(app_module, "check_code", check_code)
    store = DeviceStore("sqlite://")
    store.add("SN1", "activation-1", b"\x02message", [])
    real_get = store.get

    def get(serial):
        calls["get"] += 1
        return real_get(serial)

    store.get = get
    conns: dict = {}
    server = BootstrapServer(store, connection_state=lambda scope: conns.setdefault(scope["client"], {}),
                             cache_seconds=60)
    return server, store, calls


def test_many_new_connections_with_one_credential_pay_one_scrypt(counted):
    server, _store, calls = counted

    async def main():
        return await asyncio.gather(*(_get(server, port, _basic("SN1", "activation-1")) for port in range(1000, 1100)))

    answers = asyncio.run(main())
    assert answers == [(200, b"\x02message")] * 100
    assert calls["scrypt"] == 1
    assert calls["get"] <= 2  # the first reads (record, then the scrypt check's own); then memory


def test_a_wrong_code_is_checked_every_time_and_a_changed_code_needs_a_new_proof(counted):
    server, store, calls = counted

    async def main():
        wrong = [await _get(server, 2000 + i, _basic("SN1", "guess")) for i in range(3)]
        ok = await _get(server, 2100, _basic("SN1", "activation-1"))
        store.remove("SN1")
        store.add("SN1", "activation-2", b"\x02new", [])
        server.devices.remember("SN1", store.get("SN1"))  # as if cache_seconds had passed
        stale = await _get(server, 2101, _basic("SN1", "activation-1"))
        fresh = await _get(server, 2102, _basic("SN1", "activation-2"))
        return wrong, ok, stale, fresh

    wrong, ok, stale, fresh = asyncio.run(main())
    assert [w[0] for w in wrong] == [401, 401, 401]
    assert ok == (200, b"\x02message") and stale[0] == 401 and fresh == (200, b"\x02new")
    assert calls["scrypt"] == 6  # every attempt that was not already proven against the stored hash


def test_an_unknown_serial_still_costs_one_scrypt_per_attempt(counted):
    server, _store, calls = counted

    async def main():
        return [await _get(server, 3000 + i, _basic("SN404", "x")) for i in range(2)]

    assert [a[0] for a in asyncio.run(main())] == [401, 401] and calls["scrypt"] == 2


def test_overlapping_signed_requests_make_one_answer(counted, monkeypatch):
    server, _store, _calls = counted
    made = []
    real = server._bootstrap

    def bootstrap(device, request, answer):
        made.append(device.serial)
        return real(device, request, answer)

    monkeypatch.setattr(server, "_bootstrap", bootstrap)

    async def post(port):
        body = b'{"ietf-sztp-bootstrap-server:input": {}}'
        scope = {"type": "http", "method": "POST", "client": ("127.0.0.1", port),
                 "path": "/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data",
                 "headers": [(b"authorization", _basic("SN1", "activation-1")),
                             (b"content-type", b"application/yang-data+json"),
                             (b"accept", b"application/yang-data+json")]}
        sent = []

        async def receive():
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(msg):
            sent.append(msg)

        await server(scope, receive, send)
        return sent[0]["status"], sent[1]["body"]

    async def main():
        return await asyncio.gather(*(post(port) for port in range(4000, 4050)))

    answers = asyncio.run(main())
    assert {a[0] for a in answers} == {200} and len({a[1] for a in answers}) == 1
    assert made == ["SN1"]
