"""Ports: what the hotels domain needs from the outside world. Adapters implement them;
tests/fakes.py implements them in memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from domain.bookings import Booking, Guest
from domain.models import (
    CachedOffer,
    CancellationPolicy,
    Destination,
    HotelDetails,
    HotelOffer,
    SearchCriteria,
    SearchResult,
)
from shared.booking_lifecycle import Contact

Clock = Callable[[], datetime]  # aware, UTC


class SupplierBookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"  # on request: the hotel answers later
    CANCELLED = "cancelled"  # cancelled, or refused by the hotel while pending


@dataclass(frozen=True)
class CheckedRate:
    """A rate as the supplier stands by it now."""

    rate_key: str
    total_price: Decimal
    policies: tuple[CancellationPolicy, ...]


@dataclass(frozen=True)
class SupplierBooking:
    reference: str
    status: SupplierBookingStatus
    total_price: Decimal


class HotelSupplier(Protocol):
    """A hotel supplier. Every method raises SupplierUnavailable / SupplierTimeout when it cannot
    answer usefully, SupplierRejected for a refusal with no business name."""

    name: str

    async def destinations(self) -> list[Destination]: ...

    async def availability(self, criteria: SearchCriteria) -> SearchResult:
        """Every hotel with at least one rate for the stay and the party."""
        ...

    async def hotel_details(self, hotel_id: str) -> HotelDetails:
        """Raises HotelNotFound."""
        ...

    async def check_rate(self, offer: HotelOffer) -> CheckedRate:
        """The rate now. Raises SoldOut (no rooms left) or OfferExpired (the rate is gone)."""
        ...

    async def book(
        self,
        rate_key: str,
        holder: Guest,
        guests: tuple[Guest, ...],
        contact: Contact,
        client_reference: str,
        remark: str | None,
    ) -> SupplierBooking:
        """Books the rate. Raises SoldOut or PriceChanged (the rate costs more than its key says)."""
        ...

    async def read(self, reference: str) -> SupplierBooking: ...

    async def find(
        self, client_reference: str, created_from: date, created_to: date
    ) -> SupplierBooking | None:
        """The live (not cancelled) booking made with our reference, if any: how a retry finds
        the booking whose answer a timeout swallowed."""
        ...

    async def cancellation_fee(self, reference: str) -> Decimal:
        """What cancelling now would cost, without cancelling."""
        ...

    async def cancel(self, reference: str) -> Decimal:
        """Cancels; returns the fee charged."""
        ...


class SearchCache(Protocol):
    async def get_search(self, key: str) -> SearchResult | None: ...

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None: ...

    async def get_offer(self, offer_id: str) -> CachedOffer | None: ...

    async def put_offers(self, offers: list[CachedOffer], ttl: float) -> None: ...

    async def get_details(self, hotel_id: str) -> HotelDetails | None: ...

    async def put_details(self, details: HotelDetails, ttl: float) -> None: ...

    async def get_destinations(self) -> list[Destination] | None: ...

    async def put_destinations(self, destinations: list[Destination], ttl: float) -> None: ...


class BookingRepository(Protocol):
    async def add(self, booking: Booking) -> None: ...

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        """`for_update` locks the row until the unit of work ends (issue and cancel race safely)."""
        ...

    async def save(self, booking: Booking) -> None: ...


class BookingUnitOfWork(Protocol):
    """One database transaction: rolled back on exit unless `commit()` was called."""

    @property
    def bookings(self) -> BookingRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


BookingUnitOfWorkFactory = Callable[[], BookingUnitOfWork]
