"""RedisOfferCache on a real redis-server (started for this module on a free port)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from adapters.cache import OFFER_PREFIX, SEARCH_PREFIX
from adapters.redis_cache import RedisOfferCache
from domain.models import SearchResult, SupplierOffer, SupplierState, SupplierStatus
from tests.fakes import criteria, make_offer


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


async def test_offers_and_searches_round_trip_with_their_ttl(redis: Redis) -> None:
    cache = RedisOfferCache(redis)
    offer = make_offer()
    await cache.put_offers(
        [SupplierOffer(offer, {"id": "1", "price": {"grandTotal": "1"}})], criteria(), ttl=0.3
    )
    result = SearchResult("sid", (offer,), (SupplierStatus("amadeus", SupplierState.OK, 1, 40),))
    await cache.put_search("key", result, ttl=30)
    found = await cache.get_offer(offer.offer_id)
    assert found is not None
    assert found[0].offer == offer
    assert found[0].raw == {"id": "1", "price": {"grandTotal": "1"}}
    assert found[1] == criteria()
    assert await cache.get_search("key") == result
    for key in (OFFER_PREFIX + offer.offer_id, SEARCH_PREFIX + "key"):
        assert 0 < await redis.pttl(key) <= 30_000  # Redis expires them: the TTL is on the key
    assert await cache.get_offer(make_offer(ref="other").offer_id) is None


async def test_redis_down_is_a_cache_miss_not_an_error() -> None:
    cache = RedisOfferCache(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    await cache.put_search("key", SearchResult("sid", (), ()), ttl=10)
    assert await cache.get_search("key") is None


async def test_a_search_stored_again_by_another_replica_is_read_anew(redis: Redis) -> None:
    mine, theirs = RedisOfferCache(redis), RedisOfferCache(redis)
    status = (SupplierStatus("amadeus", SupplierState.OK, 1, 40),)
    await mine.put_search("again", SearchResult("sid", (make_offer(),), status), ttl=30)
    first = await mine.get_search("again")
    assert await mine.get_search("again") is first  # unchanged in Redis: decoded once
    renewed = SearchResult("sid", (make_offer(ref="2", price="700000"),), status)
    await theirs.put_search("again", renewed, ttl=30)
    assert await mine.get_search("again") == renewed
    await redis.delete(SEARCH_PREFIX + "again")  # expired
    assert await mine.get_search("again") is None
