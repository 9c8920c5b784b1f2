"""Adapters that need no network: the airport directory and the in-process offer cache."""

from __future__ import annotations

import pytest

from adapters.airports import AirportsDataDirectory
from adapters.cache import MemoryOfferCache
from domain.models import SearchResult, SupplierOffer, SupplierState, SupplierStatus
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
