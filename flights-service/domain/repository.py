"""Ports: what the flights domain needs from the outside world. Adapters implement them;
tests/fakes.py implements them in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from domain.models import Airport, SearchCriteria, SearchResult, SupplierOffer

Clock = Callable[[], datetime]  # aware, UTC


class SupplierClient(Protocol):
    name: str

    async def search(self, criteria: SearchCriteria) -> list[SupplierOffer]:
        """Every offer the supplier has for the criteria, normalised. Raises SupplierUnavailable
        or SupplierRejected; never returns partial garbage."""
        ...

    async def price(self, cached: SupplierOffer, criteria: SearchCriteria) -> SupplierOffer:
        """The supplier's current price for a previously returned offer. Raises OfferExpired
        when the supplier no longer sells it."""
        ...


class OfferCache(Protocol):
    async def put_offers(self, offers: list[SupplierOffer], criteria: SearchCriteria, ttl: float) -> None: ...

    async def get_offer(self, offer_id: str) -> tuple[SupplierOffer, SearchCriteria] | None: ...

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None: ...

    async def get_search(self, key: str) -> SearchResult | None: ...


class AirportDirectory(Protocol):
    def get(self, iata: str) -> Airport | None: ...

    def search(self, query: str, limit: int) -> list[Airport]: ...
