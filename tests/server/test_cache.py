"""server/cache.py: what a server process remembers between requests — bounded, expiring, and never a
credential in the clear."""

import asyncio

import pytest

from cardboot.server import cache
from cardboot.server.cache import MISSING, BootstrapAnswers, DeviceCache, ProvenCredentials, record_version
from cardboot.server.store import Device


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_device_records_expire_after_ttl_and_unknown_serials_are_remembered_too():
    clock = Clock()
    devices = DeviceCache(ttl=1.0, clock=clock)
    dev = Device("SN1", None, b"\x02", [])
    assert devices.lookup("SN1") is MISSING
    devices.remember("SN1", dev)
    devices.remember("SN404", None)
    assert devices.lookup("SN1") is dev and devices.lookup("SN404") is None
    clock.now += 1.01
    assert devices.lookup("SN1") is MISSING and devices.lookup("SN404") is MISSING


def test_ttl_zero_remembers_nothing():
    devices = DeviceCache(ttl=0)
    devices.remember("SN1", Device("SN1", None, b"\x02", []))
    assert devices.lookup("SN1") is MISSING


def test_tables_are_bounded(monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    devices = DeviceCache(ttl=60)
    for i in range(5):
        devices.remember(f"SN{i}", None)
    assert [devices.lookup(f"SN{i}") is MISSING for i in range(5)] == [True, True, False, False, False]


def test_a_proof_holds_only_against_the_hash_it_was_made_with_and_keeps_no_code():
    creds = ProvenCredentials()
    header = "Basic U04xOmFjdGl2YXRpb24tMQ=="
    token = creds.token(header)
    assert len(token) == 32 and b"activation" not in token and header.encode() not in token
    assert not creds.holds(token, "scrypt$1")
    creds.proven(token, "scrypt$1")
    assert creds.holds(token, "scrypt$1")
    assert not creds.holds(token, "scrypt$2")  # the code was changed in the store
    assert not creds.holds(token, None)  # the device was removed
    assert ProvenCredentials().token(header) != token  # keyed per process


def test_concurrent_checks_of_one_credential_run_once_and_share_the_result():
    creds = ProvenCredentials()
    runs = []

    async def check():
        runs.append(1)
        await asyncio.sleep(0.01)
        return "scrypt$1"

    async def main():
        token = creds.token("Basic x")
        results = await asyncio.gather(*(creds.check_once(token, check) for _ in range(50)))
        again = await creds.check_once(token, check)  # the first batch is over: a new check
        return results, again

    results, again = asyncio.run(main())
    assert results == ["scrypt$1"] * 50 and again == "scrypt$1" and len(runs) == 2


def test_a_failing_check_fails_every_waiter():
    creds = ProvenCredentials()

    async def check():
        await asyncio.sleep(0.01)
        raise RuntimeError("busy")

    async def main():
        token = creds.token("Basic y")
        return await asyncio.gather(*(creds.check_once(token, check) for _ in range(3)), return_exceptions=True)

    assert [str(r) for r in asyncio.run(main())] == ["busy"] * 3


def test_answers_are_made_again_when_the_record_changes():
    answers = BootstrapAnswers()
    old = Device("SN1", None, b"\x02old", [])
    new = Device("SN1", None, b"\x02new", [])
    key = ("SN1", "application/yang-data+json", True)
    answers.remember(key, record_version(old), b"signed-old")
    assert answers.lookup(key, record_version(old)) == b"signed-old"
    assert answers.lookup(key, record_version(new)) is None
    assert record_version(Device("SN1", None, None, ["https://a"])) != record_version(Device("SN1", None, None, []))


@pytest.mark.parametrize("seconds", [-1, 3601])
def test_cache_seconds_is_bounded(seconds):
    from cardboot.errors import UsageError
    from cardboot.server.run import ServerSettings

    with pytest.raises(UsageError, match="--cache-seconds"):
        ServerSettings("sqlite://", cache_seconds=seconds).apply_bounds()
