"""RedisOfferCache on a real redis-server (started for this module on a free port): searches and
offers round-trip as another replica would read them, with their TTL on the keys; Redis down is a
cache miss, never an error."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from redis.asyncio import Redis

from adapters.cache import OFFER_PREFIX, SEARCH_PREFIX, MemoryOfferCache
from adapters.redis_cache import RedisOfferCache
from domain.models import FareLine, Offer, Party, Sailing, SearchCriteria, SearchResult
from domain.offer_ids import encode_offer_id

WIB, WITA = timezone(timedelta(hours=7)), timezone(timedelta(hours=8))
CRITERIA = SearchCriteria("KTP", "GLM", date(2026, 12, 10), Party(2, 1, 1), "II", "regular")


def result() -> SearchResult:
    departure = datetime(2026, 12, 10, 1, 15, tzinfo=WIB)
    sailing = Sailing(
        "KTPGLM-20261210-0115-REG",
        "KTP",
        "GLM",
        "regular",
        "KMP Gilimanuk I",
        "ASDP",
        departure,
        (departure + timedelta(minutes=45)).astimezone(WITA),
        45,
        False,
        True,
        212,
        Decimal("126.0"),
        (
            FareLine("vehicle", "II", 1, Decimal("33100.00"), Decimal("33100.00")),
            FareLine("passenger", "adult", 2, Decimal("11100.00"), Decimal("11100.00"), 1),
        ),
        Decimal("44200.00"),
    )
    offer = Offer(encode_offer_id(sailing.sailing_id, CRITERIA.party, "II"), sailing, CRITERIA.party, "II")
    return SearchResult(CRITERIA, (offer,))


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for this test"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(5)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_searches_and_offers_round_trip_with_their_ttl(redis: Redis) -> None:
    cache, expected = RedisOfferCache(redis), result()
    await cache.put_search(expected, ttl=30)
    assert await cache.get_search(CRITERIA) == expected
    offer = expected.offers[0]
    found = await cache.get_offer(offer.offer_id)
    assert found is not None
    assert found == offer
    assert found.sailing.arrival_at.utcoffset() == timedelta(hours=8)
    for key in (OFFER_PREFIX + offer.offer_id, SEARCH_PREFIX + CRITERIA.cache_key()):
        assert 0 < await redis.pttl(key) <= 30_000  # Redis expires them: the TTL is on the key
    assert await cache.get_offer("unknown") is None


async def test_the_memory_cache_reads_back_the_same_and_forgets_after_the_ttl() -> None:
    now = [0.0]
    cache, expected = MemoryOfferCache(monotonic=lambda: now[0]), result()
    await cache.put_search(expected, ttl=10)
    assert await cache.get_search(CRITERIA) == expected
    now[0] = 10.0
    assert await cache.get_search(CRITERIA) is None
    assert await cache.get_offer(expected.offers[0].offer_id) is None


async def test_redis_down_is_a_cache_miss_not_an_error() -> None:
    cache = RedisOfferCache(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    await cache.put_search(result(), ttl=10)
    assert await cache.get_search(CRITERIA) is None
    assert await cache.get_offer("anything") is None
