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

    async def destinations(self, query: str = "", limit: int = 20) -> list[Destination]:
        listed = await self._cache.get_destinations()
        if listed is None:
            listed = await self._supplier.destinations()
            await self._cache.put_destinations(listed, self._policy.destinations_ttl_seconds)
        q = query.strip().lower()
        found = [d for d in listed if not q or q in d.name.lower() or q == d.code.lower()]
        # Names that start with the query first ("ub" → Ubud before Kuta Lombok…).
        found.sort(key=lambda d: (not d.name.lower().startswith(q), "-" not in d.code, d.name))
        return found[:limit]

    async def search(
        self, criteria: SearchCriteria, filters: SearchFilters, limit: int, offset: int
    ) -> SearchPage:
        if criteria.destination not in {d.code for d in await self.destinations(limit=10_000)}:
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
