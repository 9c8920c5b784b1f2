"""The Redis OfferCache, shared between replicas and TTL'd; in a module of its own so that a
service without REDIS_URL never imports the redis client (some 7 MiB of memory per process)."""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.cache import OFFER_PREFIX, SEARCH_PREFIX, DecodedSearches
from adapters.serialization import cached_offer_from_dict, cached_offer_to_dict, result_to_dict
from domain.models import SearchCriteria, SearchResult, SupplierOffer

logger = logging.getLogger("flights.cache")


class RedisOfferCache:
    """Shared between replicas. Redis being down degrades to cache misses (the search still works;
    an offer that cannot be read back is reported expired), never to failed searches."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        # Every read still asks Redis (another replica may have stored the search again); only an
        # unchanged answer skips the decoding.
        self._decoded = DecodedSearches()

    async def _set(self, items: dict[str, dict[str, Any]], ttl: float) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, json.dumps(value), px=max(int(ttl * 1000), 1))
                await pipe.execute()
        except RedisError as exc:
            logger.warning("offer cache write failed: %s", exc)

    async def _stored(self, key: str) -> bytes | str | None:
        try:
            value: bytes | str | None = await self._redis.get(key)
        except RedisError as exc:
            logger.warning("offer cache read failed: %s", exc)
            return None
        return value

    async def _get(self, key: str) -> dict[str, Any] | None:
        value = await self._stored(key)
        if value is None:
            return None
        loaded: dict[str, Any] = json.loads(value)
        return loaded

    async def put_offers(self, offers: list[SupplierOffer], criteria: SearchCriteria, ttl: float) -> None:
        await self._set(
            {OFFER_PREFIX + o.offer.offer_id: cached_offer_to_dict(o, criteria) for o in offers}, ttl
        )

    async def get_offer(self, offer_id: str) -> tuple[SupplierOffer, SearchCriteria] | None:
        found = await self._get(OFFER_PREFIX + offer_id)
        return cached_offer_from_dict(found) if found else None

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None:
        await self._set({SEARCH_PREFIX + key: result_to_dict(result)}, ttl)

    async def get_search(self, key: str) -> SearchResult | None:
        stored = await self._stored(SEARCH_PREFIX + key)
        return self._decoded.decode(key, stored) if stored else None
