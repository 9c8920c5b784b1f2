"""In-memory stand-ins for the flights ports, and a builder for normalised offers."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from domain.errors import SupplierUnavailable
from domain.models import (
    Airport,
    CabinClass,
    Itinerary,
    Offer,
    PassengerPrice,
    PassengerType,
    SearchCriteria,
    SearchResult,
    Segment,
    SupplierOffer,
)
from domain.offer_ids import encode_offer_id

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))

AIRPORTS = {
    "CGK": Airport("CGK", "Soekarno-Hatta International Airport", "Jakarta", "ID", "Asia/Jakarta"),
    "DPS": Airport("DPS", "Ngurah Rai International Airport", "Denpasar", "ID", "Asia/Makassar"),
    "SUB": Airport("SUB", "Juanda International Airport", "Surabaya", "ID", "Asia/Jakarta"),
    "SIN": Airport("SIN", "Changi Airport", "Singapore", "SG", "Asia/Singapore"),
}


class FakeAirports:
    def get(self, iata: str) -> Airport | None:
        return AIRPORTS.get(iata.upper())

    def search(self, query: str, limit: int) -> list[Airport]:
        q = query.lower()
        return [a for a in AIRPORTS.values() if q in a.iata.lower() or q in a.city.lower()][:limit]


def make_offer(
    *,
    supplier: str = "amadeus",
    ref: str = "1",
    price: str = "1000000",
    flights: tuple[tuple[str, str], ...] = (("GA", "402"),),
    depart: datetime = datetime(2030, 5, 1, 6, 0, tzinfo=WIB),
    leg_minutes: int = 110,
    cabin: CabinClass = CabinClass.ECONOMY,
) -> Offer:
    segments = []
    at = depart
    stops = ["CGK", *(f"X{i}" for i in range(len(flights) - 1)), "DPS"]
    for i, (carrier, number) in enumerate(flights):
        arrive = (at + timedelta(minutes=leg_minutes)).astimezone(WITA)
        segments.append(
            Segment(carrier, carrier, number, stops[i], stops[i + 1], at, arrive, leg_minutes, "320")
        )
        at = arrive + timedelta(minutes=60)
    total_minutes = int((segments[-1].arrival_at - segments[0].departure_at).total_seconds() // 60)
    return Offer(
        offer_id=encode_offer_id(supplier, ref),
        supplier=supplier,
        supplier_offer_id=ref,
        itineraries=(Itinerary(tuple(segments), total_minutes),),
        cabin_class=cabin,
        total_price=Decimal(price),
        passenger_prices=(PassengerPrice(PassengerType.ADULT, 1, Decimal(price)),),
    )


class FakeSupplier:
    def __init__(
        self,
        name: str,
        offers: list[Offer] | None = None,
        *,
        delay: float = 0.0,
        fail: bool = False,
        reprice: str | None = None,
    ) -> None:
        self.name = name
        self.offers = offers or []
        self.delay = delay
        self.fail = fail
        self.reprice = reprice
        self.search_calls = 0
        self.price_calls = 0

    async def search(self, criteria: SearchCriteria) -> list[SupplierOffer]:
        self.search_calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise SupplierUnavailable(self.name, "HTTP 500")
        return [SupplierOffer(o, {"id": o.supplier_offer_id}) for o in self.offers]

    async def price(self, cached: SupplierOffer, criteria: SearchCriteria) -> SupplierOffer:
        self.price_calls += 1
        offer = cached.offer
        if self.reprice is not None:
            offer = replace(offer, total_price=Decimal(self.reprice))
        return SupplierOffer(offer, cached.raw)


class MemoryCache:
    def __init__(self) -> None:
        self.offers: dict[str, tuple[SupplierOffer, SearchCriteria]] = {}
        self.searches: dict[str, SearchResult] = {}

    async def put_offers(self, offers: list[SupplierOffer], criteria: SearchCriteria, ttl: float) -> None:
        for o in offers:
            self.offers[o.offer.offer_id] = (o, criteria)

    async def get_offer(self, offer_id: str) -> tuple[SupplierOffer, SearchCriteria] | None:
        return self.offers.get(offer_id)

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None:
        self.searches[key] = result

    async def get_search(self, key: str) -> SearchResult | None:
        return self.searches.get(key)


def fixed_clock(at: datetime = datetime(2030, 4, 1, 3, 0, tzinfo=UTC)):  # type: ignore[no-untyped-def]
    return lambda: at


def criteria(**overrides: object) -> SearchCriteria:
    values: dict[str, object] = {"origin": "CGK", "destination": "DPS", "departure_date": date(2030, 5, 1)}
    values.update(overrides)
    return SearchCriteria(**values)  # type: ignore[arg-type]
