"""Response bodies of the flights routes, built from the domain's dataclasses."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from domain.models import Airport, Itinerary, Offer, PriceCheck, SearchResult, Segment
from shared.money import money_string


def utc_offset(at: datetime) -> str:
    """ "+07:00" for WIB, "+08:00" for WITA, "+09:00" for WIT."""
    minutes = int((at.utcoffset() or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class AirportOut(BaseModel):
    iata: str
    name: str
    city: str
    country: str
    timezone: str

    @classmethod
    def of(cls, a: Airport) -> AirportOut:
        return cls(iata=a.iata, name=a.name, city=a.city, country=a.country, timezone=a.timezone)


class SegmentOut(BaseModel):
    carrier_code: str
    carrier_name: str
    flight_number: str = Field(description="Digits only; the designator is carrier_code + flight_number.")
    designator: str
    origin: str
    destination: str
    departure_at: datetime = Field(description="Local time at the origin airport, with its UTC offset.")
    departure_utc_offset: str
    arrival_at: datetime = Field(description="Local time at the destination airport, with its UTC offset.")
    arrival_utc_offset: str
    duration_minutes: int
    aircraft: str | None
    operating_carrier_code: str | None

    @classmethod
    def of(cls, s: Segment) -> SegmentOut:
        return cls(
            carrier_code=s.carrier_code,
            carrier_name=s.carrier_name,
            flight_number=s.flight_number,
            designator=s.designator,
            origin=s.origin,
            destination=s.destination,
            departure_at=s.departure_at,
            departure_utc_offset=utc_offset(s.departure_at),
            arrival_at=s.arrival_at,
            arrival_utc_offset=utc_offset(s.arrival_at),
            duration_minutes=s.duration_minutes,
            aircraft=s.aircraft,
            operating_carrier_code=s.operating_carrier_code,
        )


class ItineraryOut(BaseModel):
    duration_minutes: int
    stops: int
    segments: list[SegmentOut]

    @classmethod
    def of(cls, it: Itinerary) -> ItineraryOut:
        return cls(
            duration_minutes=it.duration_minutes,
            stops=it.stops,
            segments=[SegmentOut.of(s) for s in it.segments],
        )


class PassengerPriceOut(BaseModel):
    passenger_type: str
    count: int
    price_each: str = Field(description="Decimal string, IDR.")


class BaggageOut(BaseModel):
    checked_pieces: int | None
    checked_kg: int | None
    cabin_pieces: int | None


class OfferOut(BaseModel):
    offer_id: str = Field(description="Opaque; names the supplier and its reference.")
    supplier: str
    total_price: str = Field(description="Decimal string, in `currency` (always IDR).")
    currency: str
    passenger_prices: list[PassengerPriceOut]
    cabin_class: str
    fare_class: str | None
    fare_basis: str | None
    fare_brand: str | None
    baggage: BaggageOut
    refundable: bool | None = Field(description="null when the supplier does not say.")
    seats_available: int | None
    expires_at: datetime | None
    stops: int = Field(description="The most stops on any itinerary.")
    duration_minutes: int = Field(description="Sum over itineraries.")
    segments: list[SegmentOut] = Field(description="Every segment of every itinerary, in order.")
    itineraries: list[ItineraryOut] = Field(description="Outbound, then return for a round trip.")

    @classmethod
    def of(cls, o: Offer) -> OfferOut:
        return cls(
            offer_id=o.offer_id,
            supplier=o.supplier,
            total_price=money_string(o.total_price),
            currency=o.currency,
            passenger_prices=[
                PassengerPriceOut(
                    passenger_type=p.passenger_type.value,
                    count=p.count,
                    price_each=money_string(p.price_each),
                )
                for p in o.passenger_prices
            ],
            cabin_class=o.cabin_class.value,
            fare_class=o.fare_class,
            fare_basis=o.fare_basis,
            fare_brand=o.fare_brand,
            baggage=BaggageOut(
                checked_pieces=o.baggage.checked_pieces,
                checked_kg=o.baggage.checked_kg,
                cabin_pieces=o.baggage.cabin_pieces,
            ),
            refundable=o.refundable,
            seats_available=o.seats_available,
            expires_at=o.expires_at,
            stops=o.stops,
            duration_minutes=o.duration_minutes,
            segments=[SegmentOut.of(s) for s in o.segments],
            itineraries=[ItineraryOut.of(it) for it in o.itineraries],
        )


class SupplierStatusOut(BaseModel):
    name: str
    status: str = Field(description="ok | timeout | error | disabled")
    count: int
    elapsed_ms: int


class SearchOut(BaseModel):
    search_id: str
    cached: bool = Field(description="True when served from the search cache without asking suppliers.")
    offers: list[OfferOut]
    suppliers: list[SupplierStatusOut]

    @classmethod
    def of(cls, r: SearchResult) -> SearchOut:
        return cls(
            search_id=r.search_id,
            cached=r.cached,
            offers=[OfferOut.of(o) for o in r.offers],
            suppliers=[
                SupplierStatusOut(name=s.name, status=s.status.value, count=s.count, elapsed_ms=s.elapsed_ms)
                for s in r.suppliers
            ],
        )


class PriceCheckOut(BaseModel):
    offer: OfferOut
    price_changed: bool
    previous_total_price: str

    @classmethod
    def of(cls, p: PriceCheck) -> PriceCheckOut:
        return cls(
            offer=OfferOut.of(p.offer),
            price_changed=p.price_changed,
            previous_total_price=money_string(p.previous_total_price),
        )
