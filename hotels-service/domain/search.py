"""Destinations, availability search and hotel details: one supplier call per distinct search,
cached; filters, sorting and paging apply to the cached result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import FieldProblem, InvalidSearch
from domain.models import (
    CachedOffer,
    Destination,
    HotelAvailability,
    HotelDetails,
    SearchCriteria,
    SearchFilters,
    SearchPage,
    SortKey,
)
from domain.ports import HotelSupplier, SearchCache


@dataclass(frozen=True)
class SearchPolicy:
    search_ttl_seconds: float  # how long an availability answer is reused
    offer_ttl_seconds: float  # how long an offer id can be booked after the search
    destinations_ttl_seconds: float = 3600.0  # destinations and hotel details


class HotelSearch:
    def __init__(self, supplier: HotelSupplier, cache: SearchCache, policy: SearchPolicy) -> None:
        self._supplier = supplier
        self._cache = cache
        self._policy = policy
        # The destinations list last seen, with its names and codes folded once and its codes as
        # a set: rebuilt only when the cache hands over another list (after its TTL).
        self._indexed: _DestinationIndex | None = None

    async def _index(self) -> _DestinationIndex:
        listed = await self._cache.get_destinations()
        if listed is None:
            listed = await self._supplier.destinations()
            await self._cache.put_destinations(listed, self._policy.destinations_ttl_seconds)
        if self._indexed is None or self._indexed.listed is not listed:
            self._indexed = _DestinationIndex(listed)
        return self._indexed

    async def listed_destinations(self) -> object | None:
        """What `destinations(q)` answers from as it is now: another object whenever the list is
        read again, None when it is due to be (which only `destinations` and `search` do). An
        answer made from it stays right for as long as it is the one returned."""
        listed = await self._cache.get_destinations()
        if listed is None:
            return None
        if self._indexed is None or self._indexed.listed is not listed:
            self._indexed = _DestinationIndex(listed)
        return self._indexed

    async def destinations(self, query: str = "", limit: int = 20) -> list[Destination]:
        index = await self._index()
        q = query.strip().lower()
        # Names that start with the query first ("ub" → Ubud before Kuta Lombok…).
        found = [
            (not name.startswith(q), "-" not in d.code, d.name, d)
            for name, code, d in index.folded
            if not q or q in name or q == code
        ]
        found.sort(key=lambda f: f[:3])
        return [f[3] for f in found[:limit]]

    async def search(
        self, criteria: SearchCriteria, filters: SearchFilters, limit: int, offset: int
    ) -> SearchPage:
        if criteria.destination not in (await self._index()).codes:
            problem = FieldProblem("destination", "Unknown destination: pick one from the destinations list.")
            raise InvalidSearch([problem])
        result = await self._cache.get_search(criteria.cache_key())
        if result is None:
            result = await self._supplier.availability(criteria)
            await self._cache.put_search(criteria.cache_key(), result, self._policy.search_ttl_seconds)
            await self._cache.put_offers(
                [CachedOffer(o, h.hotel, criteria) for h in result.hotels for o in h.offers],
                self._policy.offer_ttl_seconds,
            )
        hotels = [h for h in (_filtered(h, filters) for h in result.hotels) if h is not None]
        hotels.sort(key=_sort_key(filters.sort))
        return SearchPage(hotels[offset : offset + limit], len(hotels), limit, offset)

    async def details(self, hotel_id: str) -> HotelDetails:
        """A hotel's static content changes rarely: read it from the supplier once an hour."""
        found = await self._cache.get_details(hotel_id)
        if found is None:
            found = await self._supplier.hotel_details(hotel_id)
            await self._cache.put_details(found, self._policy.destinations_ttl_seconds)
        return found


class _DestinationIndex:
    def __init__(self, listed: list[Destination]) -> None:
        self.listed = listed
        self.folded = [(d.name.lower(), d.code.lower(), d) for d in listed]
        self.codes = frozenset(d.code for d in listed)


def _filtered(availability: HotelAvailability, f: SearchFilters) -> HotelAvailability | None:
    if f.stars and availability.hotel.stars not in f.stars:
        return None
    offers = [
        o
        for o in availability.offers
        if (not f.boards or o.board in f.boards)
        and (not f.refundable_only or o.refundable)
        and (f.max_price is None or o.total_price <= f.max_price)
    ]
    if not offers:
        return None
    offers.sort(key=lambda o: (o.total_price, o.room_name, o.board))
    return HotelAvailability(availability.hotel, tuple(offers))


def _sort_key(sort: SortKey) -> Callable[[HotelAvailability], tuple[Any, ...]]:
    if sort is SortKey.PRICE:
        return lambda h: (h.min_price, -h.hotel.stars, h.hotel.name)
    if sort is SortKey.PRICE_DESC:
        return lambda h: (-h.min_price, h.hotel.name)
    if sort is SortKey.STARS:
        return lambda h: (h.hotel.stars, h.min_price, h.hotel.name)
    return lambda h: (-h.hotel.stars, h.min_price, h.hotel.name)
