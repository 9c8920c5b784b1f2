"""The search cache in process memory: availability answers, the offers they contained (so a
hold can find its offer by id), the destination list and hotel details, each with a time to live.

One replica per process keeps its own copy; a hold that lands on a replica that never saw the
offer answers 410 offer-expired, so run one replica or put a shared cache behind this port."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from domain.models import CachedOffer, Destination, HotelDetails, SearchResult

V = TypeVar("V")


class _TtlStore(Generic[V]):
    """A bounded TTL dict; the oldest entries go first when it is full."""

    def __init__(self, max_entries: int, monotonic: Callable[[], float]) -> None:
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._max = max_entries
        self._now = monotonic

    def put(self, key: str, value: V, ttl: float) -> None:
        self._entries[key] = (self._now() + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._now() >= expires:
            del self._entries[key]
            return None
        return value


class MemorySearchCache:
    def __init__(self, *, max_entries: int = 20_000, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._searches: _TtlStore[SearchResult] = _TtlStore(max_entries, monotonic)
        self._offers: _TtlStore[CachedOffer] = _TtlStore(max_entries * 20, monotonic)
        self._destinations: _TtlStore[list[Destination]] = _TtlStore(1, monotonic)
        self._details: _TtlStore[HotelDetails] = _TtlStore(max_entries, monotonic)

    async def get_search(self, key: str) -> SearchResult | None:
        return self._searches.get(key)

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None:
        self._searches.put(key, result, ttl)

    async def get_offer(self, offer_id: str) -> CachedOffer | None:
        return self._offers.get(offer_id)

    async def put_offers(self, offers: list[CachedOffer], ttl: float) -> None:
        for cached in offers:
            self._offers.put(cached.offer.offer_id, cached, ttl)

    async def get_details(self, hotel_id: str) -> HotelDetails | None:
        return self._details.get(hotel_id)

    async def put_details(self, details: HotelDetails, ttl: float) -> None:
        self._details.put(details.hotel.hotel_id, details, ttl)

    async def get_destinations(self) -> list[Destination] | None:
        return self._destinations.get("all")

    async def put_destinations(self, destinations: list[Destination], ttl: float) -> None:
        self._destinations.put("all", destinations, ttl)
