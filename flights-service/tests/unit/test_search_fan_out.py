"""The search use case: parallel fan-out under one deadline, failures isolated, results cached."""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal

import pytest

from domain.errors import OfferExpired, OfferNotFound
from domain.models import Filters, SearchResult, SortKey, SupplierState
from domain.services import FlightSearch, OfferDesk, SearchPolicy
from tests.fakes import FakeSupplier, MemoryCache, criteria, make_offer

DEADLINE = 0.3


def statuses(result: SearchResult) -> dict[str, SupplierState]:
    return {s.name: s.status for s in result.suppliers}


async def test_suppliers_are_asked_in_parallel_and_offers_merged_sorted() -> None:
    a = FakeSupplier("amadeus", [make_offer(ref="1", price="1500000")], delay=0.1)
    d = FakeSupplier(
        "duffel", [make_offer(supplier="duffel", ref="o", price="900000", flights=(("QG", "1"),))], delay=0.1
    )
    search = FlightSearch([a, d], MemoryCache(), SearchPolicy(deadline_seconds=1))
    started = time.monotonic()
    result = await search.search(criteria())
    assert time.monotonic() - started < 0.18  # parallel, not 0.2
    assert [o.total_price for o in result.offers] == [Decimal("900000"), Decimal("1500000")]
    assert statuses(result) == {"amadeus": SupplierState.OK, "duffel": SupplierState.OK}
    assert all(s.count == 1 and s.elapsed_ms >= 90 for s in result.suppliers)


async def test_a_supplier_slower_than_the_deadline_does_not_hold_the_search() -> None:
    fast = FakeSupplier("duffel", [make_offer(supplier="duffel", ref="o")])
    slow = FakeSupplier("amadeus", [make_offer(ref="1", flights=(("JT", "9"),))], delay=5)
    search = FlightSearch([slow, fast], MemoryCache(), SearchPolicy(deadline_seconds=DEADLINE))
    started = time.monotonic()
    result = await search.search(criteria())
    assert time.monotonic() - started < DEADLINE + 0.1
    assert [o.supplier for o in result.offers] == ["duffel"]
    assert statuses(result) == {"amadeus": SupplierState.TIMEOUT, "duffel": SupplierState.OK}


async def test_a_failing_supplier_is_reported_and_the_others_offers_returned() -> None:
    broken = FakeSupplier("amadeus", fail=True)
    ok = FakeSupplier("duffel", [make_offer(supplier="duffel", ref="o")])
    result = await FlightSearch([broken, ok], MemoryCache(), SearchPolicy()).search(criteria())
    assert len(result.offers) == 1
    failed = next(s for s in result.suppliers if s.name == "amadeus")
    assert failed.status is SupplierState.ERROR
    assert "HTTP 500" in (failed.error or "")


async def test_disabled_suppliers_are_listed_as_such() -> None:
    ok = FakeSupplier("duffel", [])
    result = await FlightSearch([ok], MemoryCache(), SearchPolicy(), disabled=["amadeus"]).search(criteria())
    assert statuses(result) == {"duffel": SupplierState.OK, "amadeus": SupplierState.DISABLED}


async def test_a_repeated_search_is_served_from_cache_with_its_own_filters() -> None:
    a = FakeSupplier(
        "amadeus",
        [make_offer(ref="1", price="500000"), make_offer(ref="2", price="800000", flights=(("QG", "2"),))],
    )
    search = FlightSearch([a], MemoryCache(), SearchPolicy())
    first = await search.search(criteria())
    again = await search.search(criteria(), Filters(max_price=Decimal("600000")), SortKey.DURATION)
    assert a.search_calls == 1
    assert not first.cached
    assert again.cached
    assert again.search_id == first.search_id
    assert [o.total_price for o in again.offers] == [Decimal("500000")]


async def test_a_partial_result_is_not_cached() -> None:
    broken = FakeSupplier("amadeus", fail=True)
    search = FlightSearch([broken], MemoryCache(), SearchPolicy())
    await search.search(criteria())
    await search.search(criteria())
    assert broken.search_calls == 2


async def test_repricing_reports_a_changed_price() -> None:
    offer = make_offer(ref="1", price="1000000")
    supplier = FakeSupplier("amadeus", [offer], reprice="1100000")
    cache = MemoryCache()
    await FlightSearch([supplier], cache, SearchPolicy()).search(criteria())
    desk = OfferDesk({"amadeus": supplier}, cache, SearchPolicy())
    check = await desk.price(offer.offer_id)
    assert check.price_changed
    assert check.previous_total_price == Decimal("1000000")
    assert check.offer.total_price == Decimal("1100000")
    assert check.offer.offer_id == offer.offer_id
    assert (await desk.get(offer.offer_id)).total_price == Decimal("1100000")


async def test_unknown_offers_are_expired_and_garbage_ids_not_found() -> None:
    desk = OfferDesk({}, MemoryCache(), SearchPolicy())
    with pytest.raises(OfferExpired):
        await desk.get(make_offer().offer_id)
    with pytest.raises(OfferNotFound):
        await desk.get("garbage!")


async def test_a_repeated_cached_search_is_the_same_answer_until_its_cache_entry_changes() -> None:
    offers = [
        make_offer(ref="1", price="1500000"),
        make_offer(ref="2", price="900000", flights=(("QG", "1"),)),
        make_offer(ref="3", price="1100000", flights=(("JT", "8"), ("JT", "9"))),
    ]
    cache = MemoryCache()
    search = FlightSearch([FakeSupplier("amadeus", offers)], cache, SearchPolicy())
    first = await search.search(criteria())
    assert first.cached is False
    variants = [
        (Filters(), SortKey.PRICE),
        (Filters(), SortKey.DURATION),
        (Filters(max_stops=0), SortKey.PRICE),
        (Filters(carriers=frozenset({"QG", "JT"})), SortKey.DEPARTURE),
        (Filters(max_price=Decimal("1000000")), SortKey.PRICE),
    ]
    answers = [await search.search(criteria(), f, s) for f, s in variants]
    for (filters, sort), answer in zip(variants, answers, strict=True):
        # What filtering and sorting the cached result again would give, and the very same object.
        stored = cache.searches[criteria().cache_key()]
        assert answer == FlightSearch._answer(replace(stored, cached=True), filters, sort)
        assert await search.search(criteria(), filters, sort) is answer
    assert len({id(a) for a in answers}) == len(answers)  # each filter and sort its own answer

    # The entry is stored again (expired and searched anew, or by another replica): new answers.
    renewed = SearchResult("other", (make_offer(ref="4", price="700000"),), first.suppliers)
    cache.searches[criteria().cache_key()] = renewed
    again = await search.search(criteria())
    assert again is not answers[0]
    assert [o.total_price for o in again.offers] == [Decimal("700000")]
    assert (again.search_id, again.cached) == ("other", True)


async def test_a_search_asked_again_after_its_cache_entry_is_gone_is_not_an_old_answer() -> None:
    supplier = FakeSupplier("amadeus", [make_offer(ref="1", price="1500000")])
    cache = MemoryCache()
    search = FlightSearch([supplier], cache, SearchPolicy())
    await search.search(criteria())
    cached = await search.search(criteria())
    cache.searches.clear()  # expired
    supplier.offers = [make_offer(ref="2", price="800000")]
    fresh = await search.search(criteria())
    assert fresh.cached is False
    assert [o.total_price for o in fresh.offers] == [Decimal("800000")]
    assert (await search.search(criteria())).offers == fresh.offers
    assert cached.offers != fresh.offers
