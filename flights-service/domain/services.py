"""Use cases: search every enabled supplier under one deadline, read a cached offer, re-price it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from domain.errors import (
    OfferExpired,
    OfferNotFound,
    SupplierRejected,
    SupplierUnavailable,
    TooManyPriceChecks,
    UnknownSupplier,
)
from domain.models import (
    Filters,
    Offer,
    PriceCheck,
    SearchCriteria,
    SearchResult,
    SortKey,
    SupplierOffer,
    SupplierState,
    SupplierStatus,
)
from domain.offer_ids import decode_offer_id
from domain.repository import OfferCache, RateLimiter, SupplierClient
from domain.rules import apply_filters, check_filters, deduplicate, sort_offers

logger = logging.getLogger("flights.search")
# Filtered and sorted answers kept per (search, filters, sort) for the most recent cached searches.
CACHED_ANSWERS = 256


@dataclass(frozen=True)
class SearchPolicy:
    deadline_seconds: float = 3.0
    offer_ttl_seconds: float = 900.0


class FlightSearch:
    """Fans a search out to every enabled supplier in parallel; what has not arrived by the
    deadline is left out (that supplier's status says `timeout`), a failing supplier is reported
    as `error`, and neither ever fails the search."""

    def __init__(
        self,
        suppliers: Sequence[SupplierClient],
        cache: OfferCache,
        policy: SearchPolicy,
        disabled: Sequence[str] = (),
    ) -> None:
        self._suppliers = {s.name: s for s in suppliers}
        self._disabled = tuple(d for d in disabled if d not in self._suppliers)
        self._cache = cache
        self._policy = policy
        # The answer made of a cached result, reused while the cache hands back that very result
        # object (its adapter decodes an unchanged entry once): filtering and sorting the same
        # offers again would give an equal answer, and the same object lets the routes reuse its
        # encoding. A result stored again, or expired, is another object, so nothing stale is kept.
        self._answers: OrderedDict[tuple[str, Filters, SortKey], tuple[SearchResult, SearchResult]] = (
            OrderedDict()
        )

    @property
    def suppliers(self) -> Mapping[str, SupplierClient]:
        return self._suppliers

    async def search(
        self, criteria: SearchCriteria, filters: Filters = Filters(), sort: SortKey = SortKey.PRICE
    ) -> SearchResult:
        check_filters(filters)
        key = criteria.cache_key()
        search_id = hashlib.sha256(key.encode()).hexdigest()[:16]
        cached = await self._cache.get_search(key)
        if cached is None:
            result = await self._fan_out(criteria, search_id)
            if all(s.status in (SupplierState.OK, SupplierState.DISABLED) for s in result.suppliers):
                # A partial answer is not remembered: the next search asks the missing supplier again.
                await self._cache.put_search(key, result, self._policy.offer_ttl_seconds)
            return self._answer(result, filters, sort)
        answer_key = (key, filters, sort)
        seen = self._answers.get(answer_key)
        if seen is not None and seen[0] is cached:
            self._answers.move_to_end(answer_key)
            return seen[1]
        answer = self._answer(replace(cached, cached=True), filters, sort)
        self._answers[answer_key] = (cached, answer)
        self._answers.move_to_end(answer_key)
        while len(self._answers) > CACHED_ANSWERS:
            self._answers.popitem(last=False)
        return answer

    @staticmethod
    def _answer(result: SearchResult, filters: Filters, sort: SortKey) -> SearchResult:
        offers = sort_offers(apply_filters(result.offers, filters), sort)
        return replace(result, offers=tuple(offers))

    async def _fan_out(self, criteria: SearchCriteria, search_id: str) -> SearchResult:
        started = time.monotonic()
        finished_at: dict[str, float] = {}

        async def ask(supplier: SupplierClient) -> list[SupplierOffer]:
            try:
                return await supplier.search(criteria)
            finally:
                finished_at[supplier.name] = time.monotonic()

        tasks = {
            name: asyncio.create_task(ask(s), name=f"search:{name}") for name, s in self._suppliers.items()
        }
        try:
            if tasks:
                await asyncio.wait(tasks.values(), timeout=self._policy.deadline_seconds)
        except BaseException:  # the caller went away: leave no supplier call running
            for task in tasks.values():
                task.cancel()
            raise
        statuses: list[SupplierStatus] = []
        arrived: list[SupplierOffer] = []
        for name, task in tasks.items():
            elapsed_ms = round((finished_at.get(name, time.monotonic()) - started) * 1000)
            if not task.done():
                task.cancel()
                logger.warning("supplier %s missed the %.1fs deadline", name, self._policy.deadline_seconds)
                statuses.append(
                    SupplierStatus(name, SupplierState.TIMEOUT, 0, elapsed_ms, "deadline exceeded")
                )
                continue
            exc = task.exception()
            if exc is not None:
                reason = (
                    str(exc)
                    if isinstance(exc, SupplierUnavailable | SupplierRejected)
                    else "unexpected error"
                )
                if not isinstance(exc, SupplierUnavailable | SupplierRejected):
                    logger.error("supplier %s failed", name, exc_info=exc)
                else:
                    logger.warning("supplier %s failed: %s", name, exc)
                statuses.append(SupplierStatus(name, SupplierState.ERROR, 0, elapsed_ms, reason))
                continue
            found = task.result()
            arrived.extend(found)
            statuses.append(SupplierStatus(name, SupplierState.OK, len(found), elapsed_ms))
        statuses.extend(SupplierStatus(name, SupplierState.DISABLED, 0, 0) for name in self._disabled)
        if arrived:
            await self._cache.put_offers(arrived, criteria, self._policy.offer_ttl_seconds)
        offers = deduplicate(o.offer for o in arrived)
        return SearchResult(search_id=search_id, offers=tuple(offers), suppliers=tuple(statuses))


class OfferDesk:
    """Reads offers back from the cache and re-prices them with their supplier."""

    def __init__(
        self,
        suppliers: Mapping[str, SupplierClient],
        cache: OfferCache,
        policy: SearchPolicy,
        price_checks: RateLimiter | None = None,
    ) -> None:
        self._suppliers = suppliers
        self._cache = cache
        self._policy = policy
        self._price_checks = price_checks

    async def _cached(self, offer_id: str) -> tuple[SupplierOffer, SearchCriteria]:
        decode_offer_id(offer_id)  # a malformed id is not an offer at all
        found = await self._cache.get_offer(offer_id)
        if found is None:
            raise OfferExpired("This offer has expired or is unknown; search again.")
        return found

    async def get(self, offer_id: str) -> Offer:
        cached, _ = await self._cached(offer_id)
        return cached.offer

    async def price(self, offer_id: str, client: str | None = None) -> PriceCheck:
        """`client` (its address) is counted against the price-check limit before anything
        else, so a flood of re-prices never reaches the supplier."""
        if self._price_checks is not None and client:
            wait = await self._price_checks.hit(f"price-check:{client}")
            if wait is not None:
                raise TooManyPriceChecks(wait)
        cached, criteria = await self._cached(offer_id)
        supplier = self._suppliers.get(cached.offer.supplier)
        if supplier is None:
            raise UnknownSupplier(f"Supplier {cached.offer.supplier!r} is not enabled.")
        fresh = await supplier.price(cached, criteria)
        # The priced offer keeps the id the caller holds; the cache now has the fresh price.
        fresh = SupplierOffer(replace(fresh.offer, offer_id=offer_id), fresh.raw)
        await self._cache.put_offers([fresh], criteria, self._policy.offer_ttl_seconds)
        previous = cached.offer.total_price
        return PriceCheck(
            offer=fresh.offer,
            price_changed=fresh.offer.total_price != previous,
            previous_total_price=previous,
        )


__all__ = ["FlightSearch", "OfferDesk", "OfferNotFound", "SearchPolicy"]
