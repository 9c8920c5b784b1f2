"""The in-process OfferCache (one replica, development); the Redis one, shared between replicas
and TTL'd, is in adapters/redis_cache.py. Both store JSON, so what comes back is what another
replica would see. A search result is kept under its criteria and each of its offers under its
id (the hold reads it back)."""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from adapters.serialization import offer_from_dict, offer_to_dict, result_from_dict, result_to_dict
from domain.models import Offer, SearchCriteria, SearchResult

logger = logging.getLogger("ferries.cache")
OFFER_PREFIX = "ferries:offer:"
SEARCH_PREFIX = "ferries:search:"


def entries_of(result: SearchResult) -> dict[str, dict[str, Any]]:
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
        for key, value in entries_of(result).items():
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
