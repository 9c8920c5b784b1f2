"""The autocomplete and cached searches answer with bytes kept from an earlier answer
(shared/kept_answers.py, routes/encoded.py): the bytes are exactly what FastAPI writes for the
route's response_model,
and a search whose cache entry changed, or a search no longer valid, is never answered with old
bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

from fastapi import FastAPI

from adapters.airports import AirportsDataDirectory
from adapters.cache import MemoryOfferCache
from app import create_app
from domain.models import (
    Baggage,
    Itinerary,
    PassengerPrice,
    PassengerType,
    SearchResult,
    SupplierState,
    SupplierStatus,
)
from routes.encoded import EncodedResults
from routes.schemas import AirportOut, SearchOut
from shared.kept_answers import MAX_KEPT_QUERY, KeptAnswers
from testkit.asgi import as_fastapi_writes, running_app
from tests.api.test_flights_api import SEARCH, stock
from tests.conftest import make_settings
from tests.fakes import WIB, FakeSupplier, MovableClock, make_offer


async def test_airport_answers_are_the_bytes_fastapi_would_write(
    app: FastAPI, airport_directory: AirportsDataDirectory
) -> None:
    queries = [("ja", 10), ("JA", 10), (" ja ", 10), ("cgk", 10), ("bali", 3), ("ba", 50), ("zzzz", 10)]
    queries += [("dps", 1), ("são", 10), ("köln", 5), ("soekarno", 10)]
    async with running_app(app) as client:
        for q, limit in [*queries, *queries]:  # the second time from the encoded answers
            response = await client.get("/flights/airports", params={"q": q, "limit": limit})
            expected = await as_fastapi_writes(
                list[AirportOut], [AirportOut.of(a) for a in airport_directory.search(q, limit)]
            )
            assert response.status_code == expected.status_code == 200
            assert response.content == expected.content, (q, limit)
            assert response.headers["content-type"] == expected.headers["content-type"]
            assert response.headers["content-length"] == expected.headers["content-length"]
        assert len(app.state.airport_answers) == len(queries)  # each query string once, 200s only
        invalid: list[dict[str, str | int]] = [{"q": ""}, {"q": "ja", "limit": 0}, {"q": "ja", "limit": 51}]
        invalid.append({"q": "x" * 65})
        for params in [*invalid, *invalid]:
            assert (await client.get("/flights/airports", params=params)).status_code == 422
        # A query string too long to be kept is answered all the same.
        long: dict[str, str | int] = {"q": "ja", "limit": 10, "utm": "x" * MAX_KEPT_QUERY}
        for _ in range(2):
            response = await client.get("/flights/airports", params=long)
            kept = await client.get("/flights/airports", params={"q": "ja", "limit": 10})
            assert response.content == kept.content
        assert len(app.state.airport_answers) == len(queries)


def test_kept_answers_keep_the_most_recently_used_of_one_source() -> None:
    answers = KeptAnswers(max_entries=2)
    answers.put(b"q=a", b"[1]")
    answers.put(b"q=b", b"[2]")
    assert answers.get(b"q=a") == b"[1]"
    answers.put(b"q=c", b"[3]")  # "b" was the least recently used
    assert (answers.get(b"q=a"), answers.get(b"q=b"), answers.get(b"q=c")) == (b"[1]", None, b"[3]")
    reloaded = object()
    assert answers.get(b"q=a", source=reloaded) is None  # another source: nothing kept is its answer
    answers.put(b"q=a", b"[4]", source=reloaded)
    assert (answers.get(b"q=a", source=reloaded), len(answers)) == (b"[4]", 1)


async def test_search_answers_are_the_bytes_fastapi_would_write() -> None:
    outbound = make_offer(ref="1", price="1254300.5", flights=(("GA", "402"), ("GA", "9")))
    back = make_offer(ref="1", depart=datetime(2030, 5, 8, 18, 30, tzinfo=WIB)).itineraries[0]
    one_way = make_offer(supplier="duffel", ref="rt", price="2500000")
    round_trip = replace(
        one_way,
        itineraries=(*one_way.itineraries, Itinerary(back.segments, back.duration_minutes)),
        passenger_prices=(
            PassengerPrice(PassengerType.ADULT, 2, Decimal("1000000")),
            PassengerPrice(PassengerType.INFANT, 1, Decimal("500000")),
        ),
        baggage=Baggage(1, 20, 1),
        refundable=False,
        seats_available=4,
        fare_brand="Économie Flex",
        expires_at=datetime(2030, 4, 1, 3, 15, tzinfo=UTC),
    )
    statuses = (
        SupplierStatus("amadeus", SupplierState.OK, 1, 812),
        SupplierStatus("duffel", SupplierState.TIMEOUT, 0, 3001, "deadline exceeded"),
    )
    results = [
        SearchResult("0123456789abcdef", (outbound, round_trip), statuses, cached=True),
        SearchResult("0123456789abcdef", (), statuses),
    ]
    for result in results:
        encoded = EncodedResults(SearchOut).encode(result, partial(SearchOut.of, result), keep=True)
        expected = await as_fastapi_writes(SearchOut, SearchOut.of(result))
        assert encoded == expected.content


async def test_a_cached_search_is_encoded_once_and_renewed_with_its_cache_entry(
    airport_directory: AirportsDataDirectory, migrated_database_url: str
) -> None:
    now = [0.0]
    suppliers = [FakeSupplier("amadeus"), FakeSupplier("duffel")]
    clock = MovableClock()
    app = create_app(
        make_settings(migrated_database_url),
        suppliers=suppliers,
        airports=airport_directory,
        cache=MemoryOfferCache(monotonic=lambda: now[0]),
        clock=clock,
    )
    stock(suppliers)
    variants: list[dict[str, str | int]] = [{**SEARCH}]
    variants += [{**SEARCH, "sort": "duration"}, {**SEARCH, "max_stops": 0}, {**SEARCH, "carriers": "qg"}]
    async with running_app(app) as client:
        first = await client.get("/flights/search", params=SEARCH)
        cached = [await client.get("/flights/search", params=params) for params in variants]
        again = [await client.get("/flights/search", params=params) for params in variants]
        assert [a.content for a in again] == [c.content for c in cached]
        assert len(app.state.search_answers) == len(variants)  # the first answer (not cached) is not kept
        assert first.json() == {**cached[0].json(), "cached": False}
        assert [len(c.json()["offers"]) for c in cached] == [3, 3, 2, 1]

        now[0] = 61.0  # the offer TTL (60 s in the tests): the entry expired, the suppliers changed
        new = make_offer(supplier="duffel", ref="new", price="700000", flights=(("ID", "6"),))
        suppliers[1].offers = [new]
        renewed = await client.get("/flights/search", params=SEARCH)
        renewed_cached = await client.get("/flights/search", params=SEARCH)
        # Validation still runs before any cache: the departure date is now in the past.
        clock.now = datetime(2030, 5, 2, tzinfo=UTC)
        past = await client.get("/flights/search", params=SEARCH)
    assert renewed.json()["cached"] is False
    assert "700000.00" in [o["total_price"] for o in renewed.json()["offers"]]
    assert renewed_cached.json() == {**renewed.json(), "cached": True}
    assert renewed_cached.content != cached[0].content
    assert past.status_code == 422
    assert past.headers["content-type"] == "application/problem+json"
