"""OfferCache implementations: in-process (one replica, development) and Redis (shared between
replicas, TTL'd). Both store JSON, so what comes back is what another replica would see. A search
result is kept under its criteria and each of its offers under its id (the hold reads it back)."""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.serialization import offer_from_dict, offer_to_dict, result_from_dict, result_to_dict
from domain.models import Offer, SearchCriteria, SearchResult

logger = logging.getLogger("ferries.cache")
OFFER_PREFIX = "ferries:offer:"
SEARCH_PREFIX = "ferries:search:"


def _entries(result: SearchResult) -> dict[str, dict[str, Any]]:
    items = {SEARCH_PREFIX + result.criteria.cache_key(): result_to_dict(result)}
    items.update({OFFER_PREFIX + o.offer_id: offer_to_dict(o) for o in result.offers})
    return items


class MemoryOfferCache:
    """A bounded TTL dict; the oldest entries go first when it is full."""

    def __init__(self, *, max_entries: int = 50_000, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max = max_entries
        self._now = monotonic

    def _get(self, key: str) -> dict[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._now() >= expires:
            del self._entries[key]
            return None
        loaded: dict[str, Any] = json.loads(value)
        return loaded

    async def put_search(self, result: SearchResult, ttl: float) -> None:
        for key, value in _entries(result).items():
            self._entries[key] = (self._now() + ttl, json.dumps(value))
            self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def get_search(self, criteria: SearchCriteria) -> SearchResult | None:
        found = self._get(SEARCH_PREFIX + criteria.cache_key())
        return result_from_dict(found) if found else None

    async def get_offer(self, offer_id: str) -> Offer | None:
        found = self._get(OFFER_PREFIX + offer_id)
        return offer_from_dict(found) if found else None


class RedisOfferCache:
    """Redis being down degrades to cache misses (searches still work; an offer that cannot be
    read back is reported expired), never to failed searches."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def _get(self, key: str) -> dict[str, Any] | None:
        try:
            value = await self._redis.get(key)
        except RedisError as exc:
            logger.warning("offer cache read failed: %s", exc)
            return None
        if value is None:
            return None
        loaded: dict[str, Any] = json.loads(value)
        return loaded

    async def put_search(self, result: SearchResult, ttl: float) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in _entries(result).items():
                    pipe.set(key, json.dumps(value), px=max(int(ttl * 1000), 1))
                await pipe.execute()
        except RedisError as exc:
            logger.warning("offer cache write failed: %s", exc)

    async def get_search(self, criteria: SearchCriteria) -> SearchResult | None:
        found = await self._get(SEARCH_PREFIX + criteria.cache_key())
        return result_from_dict(found) if found else None

    async def get_offer(self, offer_id: str) -> Offer | None:
        found = await self._get(OFFER_PREFIX + offer_id)
        return offer_from_dict(found) if found else None
