"""Adapters that need no network: the airport directory and the in-process offer cache."""

from __future__ import annotations

import json
import random
import string

import airportsdata
import pytest

from adapters.airports import HOME_COUNTRY, AirportsDataDirectory
from adapters.cache import DecodedSearches, MemoryOfferCache
from adapters.serialization import result_to_dict
from domain.models import Airport, SearchResult, SupplierOffer, SupplierState, SupplierStatus
from tests.fakes import criteria, make_offer


@pytest.fixture(scope="module")
def airports() -> AirportsDataDirectory:
    return AirportsDataDirectory()


def test_airports_by_code_city_and_name_indonesia_first(airports: AirportsDataDirectory) -> None:
    cgk = airports.get("cgk")
    assert cgk is not None
    assert (cgk.city, cgk.country, cgk.timezone) == ("Jakarta", "ID", "Asia/Jakarta")
    assert airports.search("DPS", 5)[0].iata == "DPS"
    assert "DPS" in [a.iata for a in airports.search("denpasar", 5)]
    assert "CGK" in [a.iata for a in airports.search("soekarno", 5)]
    found = airports.search("ba", 10)
    assert found
    assert all(a.country == "ID" for a in found)  # Balikpapan, Banda Aceh, Batam… before Bangkok
    assert airports.search("", 5) == []
    assert airports.get("QQQ") is None


def scan(airports: list[Airport], query: str, limit: int) -> list[Airport]:
    """The ranking the autocomplete promises, as a plain scan of every airport: an exact code
    first, then Indonesian before foreign, then code prefix, city prefix, name prefix or city
    containing, name containing; then by city, then the dataset's order."""
    q = query.strip().lower()
    if not q:
        return []
    ranked = []
    for order, airport in enumerate(airports):
        code, city, name = airport.iata.lower(), airport.city.lower(), airport.name.lower()
        if code == q:
            quality = 0
        elif code.startswith(q):
            quality = 1
        elif city.startswith(q):
            quality = 2
        elif name.startswith(q) or q in city:
            quality = 3
        elif q in name:
            quality = 4
        else:
            continue
        key = (quality != 0, airport.country != HOME_COUNTRY, quality, airport.city, order)
        ranked.append((key, airport))
    ranked.sort(key=lambda r: r[0])
    return [airport for _, airport in ranked[:limit]]


def test_the_index_answers_what_a_scan_of_every_airport_answers(airports: AirportsDataDirectory) -> None:
    # Every airport the directory knows, in the dataset's order.
    everything = [a for code in airportsdata.load("IATA") if len(code) == 3 and (a := airports.get(code))]
    rng = random.Random(7)
    queries = [*string.ascii_lowercase, *string.digits, " ", "-", "'", "zzzz", " DPS ", "international"]
    queries += [a + b for a in "abdjkmst" for b in string.ascii_lowercase]
    for _ in range(400):
        airport = rng.choice(everything)
        text = rng.choice([t for t in (airport.city, airport.name, airport.iata) if t])
        start = rng.randrange(len(text))
        queries.append(text[start : start + rng.randint(1, 8)])
    for query in queries:
        for limit in (1, 10, 50):
            assert airports.search(query, limit) == scan(everything, query, limit), (query, limit)


async def test_memory_cache_round_trips_and_expires() -> None:
    now = [0.0]
    cache = MemoryOfferCache(monotonic=lambda: now[0])
    offer = make_offer()
    await cache.put_offers([SupplierOffer(offer, {"id": "1", "x": [1]})], criteria(), ttl=10)
    result = SearchResult("sid", (offer,), (SupplierStatus("amadeus", SupplierState.OK, 1, 12),))
    await cache.put_search("k", result, ttl=10)
    got = await cache.get_offer(offer.offer_id)
    assert got is not None
    assert got[0].offer == offer
    assert got[0].raw == {"id": "1", "x": [1]}
    assert got[1] == criteria()
    assert await cache.get_search("k") == result
    now[0] = 10.0
    assert await cache.get_offer(offer.offer_id) is None
    assert await cache.get_search("k") is None


async def test_memory_cache_decodes_an_unchanged_search_once_and_a_stored_again_one_anew() -> None:
    cache = MemoryOfferCache()
    status = (SupplierStatus("amadeus", SupplierState.OK, 1, 12),)
    result = SearchResult("sid", (make_offer(),), status)
    await cache.put_search("k", result, ttl=10)
    found = await cache.get_search("k")
    assert found == result
    assert await cache.get_search("k") is found
    renewed = SearchResult("sid", (make_offer(ref="2", price="700000"),), status)
    await cache.put_search("k", renewed, ttl=10)
    assert await cache.get_search("k") == renewed


def test_decoded_searches_are_bounded_and_follow_the_stored_text() -> None:
    decoded = DecodedSearches(max_entries=2)
    texts = {
        key: json.dumps(result_to_dict(SearchResult(key, (make_offer(ref=key),), ())))
        for key in ("a", "b", "c")
    }
    a = decoded.decode("a", texts["a"])
    assert decoded.decode("a", texts["a"]) is a
    decoded.decode("b", texts["b"])
    decoded.decode("c", texts["c"])  # "a" was the least recently read: gone
    assert decoded.decode("a", texts["a"]) is not a
    other = texts["b"].replace('"search_id": "b"', '"search_id": "b2"')
    assert decoded.decode("b", other).search_id == "b2"
