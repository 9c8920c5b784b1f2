"""What hotels-service sells, in plain Python: destinations, hotels, their offers (a room, a board
and a rate for a stay) with cancellation policies, and what a search asks for."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

BOARD_NAMES = {"RO": "Room only", "BB": "Bed and breakfast", "HB": "Half board"}


class Board(StrEnum):
    ROOM_ONLY = "RO"
    BED_AND_BREAKFAST = "BB"
    HALF_BOARD = "HB"

    @property
    def label(self) -> str:
        return BOARD_NAMES[self.value]


class SortKey(StrEnum):
    PRICE = "price"
    PRICE_DESC = "-price"
    STARS = "stars"
    STARS_DESC = "-stars"


@dataclass(frozen=True)
class Destination:
    code: str  # "DPS", or a zone of it: "DPS-4"
    name: str  # "Bali", "Ubud, Bali"
    country: str  # ISO 3166-1 alpha-2

    @property
    def supplier_code(self) -> str:
        return self.code.split("-", 1)[0]

    @property
    def zone(self) -> int | None:
        _, _, zone = self.code.partition("-")
        return int(zone) if zone else None


@dataclass(frozen=True)
class CancellationPolicy:
    """From `starts` (the hotel's local time, with its offset) cancelling costs `penalty`."""

    starts: datetime
    penalty: Decimal


@dataclass(frozen=True)
class Occupancy:
    rooms: int
    adults: int  # in every room together
    child_ages: tuple[int, ...] = ()

    @property
    def children(self) -> int:
        return len(self.child_ages)


@dataclass(frozen=True)
class Stay:
    check_in: date
    check_out: date

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    def night_dates(self) -> list[date]:
        return [self.check_in + timedelta(days=i) for i in range(self.nights)]


@dataclass(frozen=True)
class SearchCriteria:
    destination: str
    stay: Stay
    occupancy: Occupancy

    def cache_key(self) -> str:
        o = self.occupancy
        ages = ",".join(str(a) for a in sorted(o.child_ages))
        return f"{self.destination}|{self.stay.check_in}|{self.stay.check_out}|{o.rooms}|{o.adults}|{ages}"


@dataclass(frozen=True)
class SearchFilters:
    stars: frozenset[int] = frozenset()
    boards: frozenset[Board] = frozenset()
    refundable_only: bool = False
    max_price: Decimal | None = None
    sort: SortKey = SortKey.PRICE


@dataclass(frozen=True)
class NightlyPrice:
    day: date
    price: Decimal  # every room together


@dataclass(frozen=True)
class HotelOffer:
    """One bookable rate: the supplier's rate key, what it buys and what cancelling it costs."""

    offer_id: str
    supplier: str
    rate_key: str
    recheck: bool  # the supplier asks for a rate check before booking
    hotel_id: str
    room_code: str
    room_name: str
    board: Board
    total_price: Decimal
    nightly_prices: tuple[NightlyPrice, ...]
    refundable: bool
    policies: tuple[CancellationPolicy, ...]
    on_request: bool = False

    @staticmethod
    def id_for(supplier: str, rate_key: str) -> str:
        """Opaque and stable: the same rate for the same stay and party is the same offer."""
        return "htl_" + hashlib.sha256(f"{supplier}:{rate_key}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Hotel:
    hotel_id: str
    name: str
    stars: int
    address: str
    destination: str  # the supplier's destination name
    zone: str
    latitude: Decimal
    longitude: Decimal
    utc_offset: timedelta  # the hotel's local time: WIB +07:00, WITA +08:00, WIT +09:00


@dataclass(frozen=True)
class HotelAvailability:
    hotel: Hotel
    offers: tuple[HotelOffer, ...]

    @property
    def min_price(self) -> Decimal:
        return min(o.total_price for o in self.offers)


@dataclass(frozen=True)
class SearchResult:
    criteria: SearchCriteria
    hotels: tuple[HotelAvailability, ...]


@dataclass(frozen=True)
class SearchPage:
    hotels: list[HotelAvailability]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class RoomDescription:
    code: str
    name: str
    max_adults: int
    max_children: int
    max_guests: int


@dataclass(frozen=True)
class HotelDetails:
    hotel: Hotel
    description: str
    boards: tuple[Board, ...]
    rooms: tuple[RoomDescription, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CachedOffer:
    """An offer as the search showed it, with the hotel and the stay it is for: what a hold
    needs to check the rate and describe the booking."""

    offer: HotelOffer
    hotel: Hotel
    criteria: SearchCriteria
