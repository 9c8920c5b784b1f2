"""The login throttle on the `limits` storages it runs on: in-process memory, and Redis when
REDIS_URL is given (as in docker compose)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from limits.aio.storage import MemoryStorage, Storage

from adapters.login_throttle import LimitsLoginThrottle, rate_limit_storage

STORAGES = ["memory"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> Storage:
    if request.param == "redis":
        return rate_limit_storage(os.environ["REDIS_URL"])
    return MemoryStorage()


def email() -> str:
    return f"{uuid.uuid4().hex}@example.com"


def address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"


async def fail(throttle: LimitsLoginThrottle, target: str, client_ip: str | None, times: int) -> None:
    for _ in range(times):
        assert await throttle.begin(target, client_ip) is None  # counted, and then not given back


async def test_the_account_limit_is_per_address(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_account=3, per_address=100, window_seconds=600)
    target, attacker = email(), address()
    await fail(throttle, target, attacker, 3)

    wait = await throttle.begin(target, attacker)

    assert wait is not None
    assert 1 <= wait <= 600
    assert await throttle.begin(target, address()) is None  # the owner, elsewhere, still gets in
    assert await throttle.begin(email(), attacker) is None


async def test_parallel_attempts_are_counted_atomically(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_account=5, per_address=100, window_seconds=600)
    target, client = email(), address()

    outcomes = await asyncio.gather(*(throttle.begin(target, client) for _ in range(30)))

    assert outcomes.count(None) == 5
    # Refused attempts are given back: after the flood exactly the five failures remain.
    assert await throttle.begin(target, client) is not None
    await throttle.succeeded(target, client)
    assert await throttle.begin(target, client) is None


async def test_the_address_limit_spans_accounts(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_account=100, per_address=2, window_seconds=600)
    shared = address()
    await fail(throttle, email(), shared, 1)
    await fail(throttle, email(), shared, 1)

    assert await throttle.begin(email(), shared) is not None
    assert await throttle.begin(email(), address()) is None
    assert await throttle.begin(email(), None) is None  # unknown address: the account limit only


async def test_success_forgives_the_account_and_gives_back_one_attempt_to_the_address(
    storage: Storage,
) -> None:
    throttle = LimitsLoginThrottle(storage, per_account=2, per_address=3, window_seconds=600)
    target, client = email(), address()
    await fail(throttle, target, client, 2)
    assert await throttle.begin(target, client) is not None

    neighbour = email()  # someone else behind the same address signs in
    assert await throttle.begin(neighbour, client) is None  # the address's 3rd attempt
    await throttle.succeeded(neighbour, client)
    assert await throttle.begin(target, client) is not None  # which forgives only their own
    assert await throttle.begin(email(), client) is None  # the address had the attempt back
    assert await throttle.begin(email(), client) is not None  # and now it is full

    await throttle.succeeded(target, client)
    # The owner's success clears the account count; the address keeps the failures it had.
    assert await throttle.begin(target, address()) is None


async def test_many_customers_behind_one_address_signing_in_never_fill_its_count(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_account=5, per_address=3, window_seconds=600)
    nat = address()
    for _ in range(20):
        customer = email()
        assert await throttle.begin(customer, nat) is None
        await throttle.succeeded(customer, nat)

    assert await throttle.begin(email(), nat) is None


async def test_a_released_attempt_is_not_a_failure(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_account=1, per_address=1, window_seconds=600)
    target, client = email(), address()
    for _ in range(3):
        assert await throttle.begin(target, client) is None
        await throttle.release(target, client)

    assert await throttle.begin(target, client) is None


async def test_the_storage_reports_healthy(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_account=1, per_address=1, window_seconds=1)
    assert await throttle.healthy()


async def test_an_unreachable_redis_fails_open_and_reports_unhealthy() -> None:
    throttle = LimitsLoginThrottle(
        rate_limit_storage("redis://127.0.0.1:1/0"), per_account=1, per_address=1, window_seconds=60
    )
    target = email()

    assert await throttle.begin(target, "192.0.2.1") is None
    assert await throttle.begin(target, "192.0.2.1") is None
    await throttle.succeeded(target, "192.0.2.1")
    await throttle.release(target, "192.0.2.1")
    assert not await throttle.healthy()
