"""The normalised flight model every supplier's offers are turned into (pure dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

CURRENCY = "IDR"


class CabinClass(StrEnum):
    ECONOMY = "economy"
    PREMIUM_ECONOMY = "premium_economy"
    BUSINESS = "business"
    FIRST = "first"


class PassengerType(StrEnum):
    ADULT = "adult"
    CHILD = "child"
    INFANT = "infant"


class SortKey(StrEnum):
    PRICE = "price"
    DURATION = "duration"
    DEPARTURE = "departure"


class SupplierState(StrEnum):
    OK = "ok"
    TIMEOUT = "timeout"
    ERROR = "error"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class Airport:
    iata: str
    name: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    timezone: str  # IANA name, e.g. Asia/Jakarta


@dataclass(frozen=True)
class Segment:
    carrier_code: str
    carrier_name: str
    flight_number: str  # digits only, e.g. "402"; the designator is carrier_code + flight_number
    origin: str
    destination: str
    departure_at: datetime  # local time at origin, with its UTC offset
    arrival_at: datetime  # local time at destination, with its UTC offset
    duration_minutes: int
    aircraft: str | None = None
    operating_carrier_code: str | None = None

    @property
    def designator(self) -> str:
        return f"{self.carrier_code}{self.flight_number}"


@dataclass(frozen=True)
class Itinerary:
    """One direction of travel (outbound or return)."""

    segments: tuple[Segment, ...]
    duration_minutes: int

    @property
    def stops(self) -> int:
        return len(self.segments) - 1

    @property
    def departure_at(self) -> datetime:
        return self.segments[0].departure_at

    @property
    def arrival_at(self) -> datetime:
        return self.segments[-1].arrival_at


@dataclass(frozen=True)
class Baggage:
    checked_pieces: int | None = None
    checked_kg: int | None = None
    cabin_pieces: int | None = None


@dataclass(frozen=True)
class PassengerPrice:
    passenger_type: PassengerType
    count: int
    price_each: Decimal  # IDR


@dataclass(frozen=True)
class Offer:
    offer_id: str
    supplier: str
    supplier_offer_id: str
    itineraries: tuple[Itinerary, ...]
    cabin_class: CabinClass
    total_price: Decimal  # IDR, whole rupiah in practice
    passenger_prices: tuple[PassengerPrice, ...]
    fare_class: str | None = None  # booking class, e.g. "Y"
    fare_basis: str | None = None
    fare_brand: str | None = None
    baggage: Baggage = field(default_factory=Baggage)
    refundable: bool | None = None  # None when the supplier does not say
    seats_available: int | None = None
    expires_at: datetime | None = None
    currency: str = CURRENCY

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(s for it in self.itineraries for s in it.segments)

    @property
    def stops(self) -> int:
        return max(it.stops for it in self.itineraries)

    @property
    def duration_minutes(self) -> int:
        return sum(it.duration_minutes for it in self.itineraries)

    @property
    def departure_at(self) -> datetime:
        return self.itineraries[0].departure_at

    @property
    def carriers(self) -> frozenset[str]:
        return frozenset(s.carrier_code for s in self.segments)

    def flight_key(self) -> tuple[tuple[str, str, str], ...]:
        """The same flight sold by two suppliers has the same key (carrier, number, departure)."""
        return tuple(
            (s.carrier_code, s.flight_number.lstrip("0"), s.departure_at.replace(tzinfo=None).isoformat())
            for s in self.segments
        )


@dataclass(frozen=True)
class SupplierOffer:
    """A normalised offer plus the supplier's own object (pricing and orders need it back)."""

    offer: Offer
    raw: dict[str, Any]


@dataclass(frozen=True)
class SearchCriteria:
    origin: str
    destination: str
    departure_date: date
    return_date: date | None = None
    adults: int = 1
    children: int = 0
    infants: int = 0
    cabin_class: CabinClass = CabinClass.ECONOMY

    @property
    def passenger_count(self) -> int:
        return self.adults + self.children + self.infants

    def cache_key(self) -> str:
        return "|".join(
            (
                self.origin,
                self.destination,
                self.departure_date.isoformat(),
                self.return_date.isoformat() if self.return_date else "-",
                str(self.adults),
                str(self.children),
                str(self.infants),
                self.cabin_class.value,
            )
        )


@dataclass(frozen=True)
class Filters:
    max_stops: int | None = None
    carriers: frozenset[str] = frozenset()
    depart_after: time | None = None
    depart_before: time | None = None
    max_price: Decimal | None = None


@dataclass(frozen=True)
class SupplierStatus:
    name: str
    status: SupplierState
    count: int
    elapsed_ms: int
    error: str | None = None


@dataclass(frozen=True)
class SearchResult:
    search_id: str
    offers: tuple[Offer, ...]
    suppliers: tuple[SupplierStatus, ...]
    cached: bool = False


@dataclass(frozen=True)
class PriceCheck:
    offer: Offer
    price_changed: bool
    previous_total_price: Decimal
