"""What a ferry trip is made of: ports, routes, parties, sailings and the offers we sell.

Pure Python: the operator adapter builds these from its wire format, the routes render them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class PassengerType(StrEnum):
    ADULT = "adult"
    CHILD = "child"
    INFANT = "infant"


# Golongan as the regulator defines them, with what each is.
VEHICLE_CLASSES: dict[str, str] = {
    "I": "bicycle",
    "II": "motorbike under 500 cc",
    "III": "motorbike 500 cc and over",
    "IVA": "car up to 5 m",
    "IVB": "goods vehicle up to 5 m",
    "VA": "bus 5 to 7 m",
    "VB": "truck 5 to 7 m",
    "VIA": "bus 7 to 10 m",
    "VIB": "truck 7 to 10 m",
    "VII": "truck 10 to 12 m",
    "VIII": "truck 12 to 16 m",
    "IX": "truck over 16 m",
}
SERVICE_CLASSES = ("regular", "executive")
CURRENCY = "IDR"


@dataclass(frozen=True)
class Port:
    code: str
    name: str
    city: str
    province: str
    timezone: str  # IANA: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)


@dataclass(frozen=True)
class RouteService:
    name: str  # regular | executive
    duration_minutes: int
    departures_every_minutes: int


@dataclass(frozen=True)
class Route:
    origin: str
    destination: str
    operator: str
    services: tuple[RouteService, ...]


@dataclass(frozen=True)
class Party:
    adults: int
    children: int = 0
    infants: int = 0

    def count(self, pax_type: PassengerType) -> int:
        return {PassengerType.ADULT: self.adults, PassengerType.CHILD: self.children}.get(
            pax_type, self.infants
        )

    @property
    def seats(self) -> int:
        """Infants sit on a lap."""
        return self.adults + self.children


@dataclass(frozen=True)
class SearchCriteria:
    origin: str
    destination: str
    departure_date: date
    party: Party
    vehicle_class: str | None = None
    service_class: str | None = None

    def cache_key(self) -> str:
        p = self.party
        return (
            f"{self.origin}-{self.destination}-{self.departure_date.isoformat()}-"
            f"{p.adults}.{p.children}.{p.infants}-{self.vehicle_class or '-'}-{self.service_class or '-'}"
        )


@dataclass(frozen=True)
class FareLine:
    """One line of the operator's fare breakdown. A passenger line says how many of that type
    ride inside the vehicle for its fare (`included_in_vehicle`) and pay nothing themselves."""

    category: str  # passenger | vehicle
    code: str  # adult | child | infant | a golongan
    quantity: int
    unit_price: Decimal
    amount: Decimal
    included_in_vehicle: int = 0

    @property
    def paying(self) -> int:
        return self.quantity - self.included_in_vehicle


@dataclass(frozen=True)
class Sailing:
    """One departure as the operator sells it for a party."""

    sailing_id: str
    origin: str
    destination: str
    service_class: str
    vessel: str
    operator: str
    departure_at: datetime  # aware, the origin port's local time
    arrival_at: datetime  # aware, the destination port's local time
    duration_minutes: int
    cancelled: bool
    bookable: bool  # the party (and its vehicle) still fits and the sailing still sails
    seats_left: int
    lane_meters_left: Decimal
    fares: tuple[FareLine, ...]
    total: Decimal


@dataclass(frozen=True)
class Offer:
    """A sailing for a party (and its vehicle), at the price we showed."""

    offer_id: str
    sailing: Sailing
    party: Party
    vehicle_class: str | None
    currency: str = CURRENCY

    @property
    def total_price(self) -> Decimal:
        return self.sailing.total


@dataclass(frozen=True)
class SearchResult:
    criteria: SearchCriteria
    offers: tuple[Offer, ...] = field(default_factory=tuple)
    cached: bool = False
