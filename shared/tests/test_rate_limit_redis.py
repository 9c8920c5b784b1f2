"""The Redis tier: shared.rate_limit on the real Redis at REDIS_URL (collected only when it is set;
tools/run_tests.py names the tier when it is not), as flights' price checks and ppob's inquiries
use it with several processes: the count is one, whichever process sees the request."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.rate_limit import LimitsRateLimiter, rate_limit_storage

URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = Redis.from_url(URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_two_processes_share_one_count_through_redis(prefix: str) -> None:
    first = LimitsRateLimiter(rate_limit_storage(URL, prefix), limit=3, window_seconds=60)
    second = LimitsRateLimiter(rate_limit_storage(URL, prefix), limit=3, window_seconds=60)
    assert [
        await first.hit("203.0.113.7"),
        await second.hit("203.0.113.7"),
        await first.hit("203.0.113.7"),
    ] == [
        None,
        None,
        None,
    ]
    retry_after = await second.hit("203.0.113.7")
    assert retry_after is not None
    assert 1 <= retry_after <= 60
    assert await second.hit("198.51.100.1") is None  # another client has its own count


async def test_a_redis_that_does_not_answer_lets_requests_through() -> None:
    limiter = LimitsRateLimiter(
        rate_limit_storage("redis://127.0.0.1:1/0", "unused"), limit=1, window_seconds=60
    )
    assert await limiter.hit("203.0.113.7") is None
    assert await limiter.hit("203.0.113.7") is None
