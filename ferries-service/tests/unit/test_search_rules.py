"""Search rules (every broken one reported at once) and the cached search."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapters.cache import MemoryOfferCache
from domain.errors import InvalidSearch
from domain.search import Catalogue, FerrySearch, build_criteria
from tests.fakes import FakeClock, FakeOperator

# 23:30 UTC is already the next day in Merak (WIB, UTC+7): the sales calendar is the port's.
NOW = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
MERAK_TODAY = date(2026, 12, 5)


async def criteria(operator: FakeOperator, **changes: Any) -> Any:
    query: dict[str, Any] = {
        "origin": "mrk",
        "destination": "BKH",
        "departure_date": MERAK_TODAY + timedelta(days=3),
        "adults": 2,
        "children": 0,
        "infants": 0,
        "vehicle_class": None,
        "service_class": None,
    } | changes
    return await build_criteria(Catalogue(operator, operator.clock), NOW, **query)


async def broken(operator: FakeOperator, **changes: Any) -> dict[str, str]:
    with pytest.raises(InvalidSearch) as caught:
        await criteria(operator, **changes)
    return {p.field: p.message for p in caught.value.problems}


@pytest.fixture
def operator() -> FakeOperator:
    return FakeOperator(FakeClock(NOW))


async def test_a_valid_search_is_normalised(operator: FakeOperator) -> None:
    c = await criteria(operator, vehicle_class="iva", service_class="Executive")
    assert (c.origin, c.destination, c.vehicle_class, c.service_class) == ("MRK", "BKH", "IVA", "executive")


async def test_unknown_ports_and_missing_routes(operator: FakeOperator) -> None:
    assert set(await broken(operator, origin="XXX", destination="YYY")) == {"origin", "destination"}
    assert "No ferry route from MRK to GLM" in (await broken(operator, destination="GLM"))["destination"]


async def test_dates_follow_the_origin_ports_calendar_and_the_60_day_window(operator: FakeOperator) -> None:
    assert "past" in (await broken(operator, departure_date=date(2026, 12, 4)))["departure_date"]
    assert (await criteria(operator, departure_date=MERAK_TODAY)).departure_date == MERAK_TODAY
    assert await criteria(operator, departure_date=MERAK_TODAY + timedelta(days=60))
    assert (
        "60 days"
        in (await broken(operator, departure_date=MERAK_TODAY + timedelta(days=61)))["departure_date"]
    )


async def test_party_vehicle_and_service_rules(operator: FakeOperator) -> None:
    found = await broken(operator, adults=1, infants=2, vehicle_class="X", service_class="first")
    assert set(found) == {"infants", "vehicle_class", "service_class"}
    assert "adults" in await broken(operator, adults=0)
    assert "adults" in await broken(operator, adults=15, children=6)
    no_executive = await broken(operator, origin="KTP", destination="GLM", service_class="executive")
    assert "No executive service" in no_executive["service_class"]


async def test_search_leaves_out_full_and_cancelled_sailings_and_caches(operator: FakeOperator) -> None:
    c = await criteria(operator, vehicle_class="IVA", service_class="regular")
    day = c.departure_date.strftime("%Y%m%d")
    operator.lanes[f"MRKBKH-{day}-0100-REG"] = Decimal(5)  # a car needs 5.5 lane metres
    operator.seats[f"MRKBKH-{day}-0200-REG"] = 1
    operator.cancelled.add(f"MRKBKH-{day}-0300-REG")
    search = FerrySearch(operator, MemoryOfferCache(), ttl_seconds=60)
    first = await search.search(c)
    hours = [o.sailing.departure_at.hour for o in first.offers]
    assert hours[:3] == [0, 4, 5]
    assert len(hours) == 21
    assert first.offers[0].total_price == 481_800  # two adults ride in the car
    again = await search.search(c)
    assert again.cached
    assert again.offers == first.offers
    assert operator.calls.count("sailings") == 1
