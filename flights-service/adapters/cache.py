"""The in-process OfferCache (one replica, development); the Redis one, shared and TTL'd, is in
adapters/redis_cache.py.

Both store JSON, so what comes back is what another replica would see. A search read back
unchanged is decoded once (`DecodedSearches`): the same stored text gives the same result object.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from adapters.serialization import (
    cached_offer_from_dict,
    cached_offer_to_dict,
    result_from_dict,
    result_to_dict,
)
from domain.models import SearchCriteria, SearchResult, SupplierOffer

logger = logging.getLogger("flights.cache")
OFFER_PREFIX = "flights:offer:"
SEARCH_PREFIX = "flights:search:"
# Decoded searches kept: a popular search read again is neither parsed nor rebuilt (some 0.3 ms of
# CPU for 25 offers), and being the same object lets the domain and the routes reuse what they made
# of it. Each costs some 100 KB, so only the most recently read few are kept.
DECODED_SEARCHES = 128


class DecodedSearches:
    """The last decoded result of each recently read search with the stored text it came from.

    A result is only reused while the cache holds the very same text (compared in full, or by
    identity in process), so a search stored again, by this replica or another, is decoded again.
    """

    def __init__(self, max_entries: int = DECODED_SEARCHES) -> None:
        self._entries: OrderedDict[str, tuple[str | bytes, SearchResult]] = OrderedDict()
        self._max = max_entries

    def decode(self, key: str, stored: str | bytes) -> SearchResult:
        seen = self._entries.get(key)
        if seen is not None and seen[0] == stored:
            self._entries.move_to_end(key)
            return seen[1]
        result = result_from_dict(json.loads(stored))
        self._entries[key] = (stored, result)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return result


class MemoryOfferCache:
    """A bounded TTL dict; the oldest entries go first when it is full."""

    def __init__(self, *, max_entries: int = 50_000, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max = max_entries
        self._now = monotonic
        self._decoded = DecodedSearches()

    def _put(self, key: str, value: dict[str, Any], ttl: float) -> None:
        self._entries[key] = (self._now() + ttl, json.dumps(value))
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def _stored(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._now() >= expires:
            del self._entries[key]
            return None
        return value

    def _get(self, key: str) -> dict[str, Any] | None:
        value = self._stored(key)
        if value is None:
            return None
        loaded: dict[str, Any] = json.loads(value)
        return loaded

    async def put_offers(self, offers: list[SupplierOffer], criteria: SearchCriteria, ttl: float) -> None:
        for offer in offers:
            self._put(OFFER_PREFIX + offer.offer.offer_id, cached_offer_to_dict(offer, criteria), ttl)

    async def get_offer(self, offer_id: str) -> tuple[SupplierOffer, SearchCriteria] | None:
        found = self._get(OFFER_PREFIX + offer_id)
        return cached_offer_from_dict(found) if found else None

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None:
        self._put(SEARCH_PREFIX + key, result_to_dict(result), ttl)

    async def get_search(self, key: str) -> SearchResult | None:
        stored = self._stored(SEARCH_PREFIX + key)
        return self._decoded.decode(key, stored) if stored else None
