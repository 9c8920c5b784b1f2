"""The login throttle on the `limits` storages it runs on: in-process memory, and Redis when
REDIS_URL is given (as in docker compose)."""

from __future__ import annotations

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


async def test_the_email_limit_blocks_after_its_failures(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_email=3, per_ip=100, window_seconds=600)
    target = email()
    for _ in range(3):
        assert await throttle.blocked_for(target, "192.0.2.1") is None
        await throttle.record_failure(target, "192.0.2.1")

    wait = await throttle.blocked_for(target, "192.0.2.2")

    assert wait is not None
    assert 1 <= wait <= 600
    assert await throttle.blocked_for(email(), "192.0.2.1") is None


async def test_the_address_limit_spans_emails(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_email=100, per_ip=2, window_seconds=600)
    address = f"10.{uuid.uuid4().int % 250}.0.1"
    for _ in range(2):
        await throttle.record_failure(email(), address)

    assert await throttle.blocked_for(email(), address) is not None
    assert await throttle.blocked_for(email(), "10.255.255.254") is None
    assert await throttle.blocked_for(email(), None) is None  # unknown address: email limit only


async def test_success_clears_the_email_count_but_not_the_address_count(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_email=2, per_ip=3, window_seconds=600)
    target, address = email(), f"172.16.{uuid.uuid4().int % 250}.9"
    await throttle.record_failure(target, address)
    await throttle.record_failure(target, address)
    assert await throttle.blocked_for(target, "198.51.100.1") is not None

    await throttle.record_success(target, address)
    await throttle.record_failure(email(), address)

    assert await throttle.blocked_for(target, "198.51.100.1") is None
    assert await throttle.blocked_for(email(), address) is not None


async def test_the_storage_reports_healthy(storage: Storage) -> None:
    throttle = LimitsLoginThrottle(storage, per_email=1, per_ip=1, window_seconds=1)
    assert await throttle.healthy()


async def test_an_unreachable_redis_fails_open_and_reports_unhealthy() -> None:
    throttle = LimitsLoginThrottle(
        rate_limit_storage("redis://127.0.0.1:1/0"), per_email=1, per_ip=1, window_seconds=60
    )
    target = email()

    await throttle.record_failure(target, "192.0.2.1")
    await throttle.record_failure(target, "192.0.2.1")

    assert await throttle.blocked_for(target, "192.0.2.1") is None
    await throttle.record_success(target, "192.0.2.1")
    assert not await throttle.healthy()
