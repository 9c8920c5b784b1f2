"""Ports: what the domain needs from the outside world, as Protocols. adapters/ implements them;
tests/fakes.py implements them in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from domain.bookings import Booking, BookingDetails, OperatorBooking, OperatorQuote
from domain.models import Offer, Port, Route, Sailing, SearchCriteria, SearchResult

Clock = Callable[[], datetime]


class FerryOperator(Protocol):
    """The operator's API: catalogue, sailings, quote, hold, issue, cancel. Every method raises
    SupplierUnavailable / SupplierTimeout when the operator cannot answer, SupplierRejected for a
    refusal no other error names."""

    name: str

    async def ports(self) -> list[Port]: ...

    async def routes(self) -> list[Route]: ...

    async def sailings(self, criteria: SearchCriteria) -> list[Sailing]: ...

    async def quote(self, offer: Offer) -> OperatorQuote:
        """The operator's current price; SailingCancelled / OfferExpired when it no longer sells."""
        ...

    async def hold(self, quote: OperatorQuote, details: BookingDetails) -> OperatorBooking:
        """Holds seats and deck space; SoldOut when they ran out."""
        ...

    async def issue(self, booking_id: str) -> OperatorBooking:
        """Tickets; HoldExpired, BookingCancelled or SailingCancelled when it cannot."""
        ...

    async def cancel(self, booking_id: str) -> OperatorBooking:
        """Releases a hold or cancels issued tickets (refund_amount set); NotCancellable."""
        ...


class OfferCache(Protocol):
    async def put_search(self, result: SearchResult, ttl: float) -> None: ...

    async def get_search(self, criteria: SearchCriteria) -> SearchResult | None: ...

    async def get_offer(self, offer_id: str) -> Offer | None: ...


class BookingRepository(Protocol):
    async def add(self, booking: Booking) -> None: ...

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None: ...

    async def save(self, booking: Booking) -> None: ...


class BookingUnitOfWork(Protocol):
    """Rolls back on exit unless the use case committed."""

    @property
    def bookings(self) -> BookingRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


BookingUnitOfWorkFactory = Callable[[], BookingUnitOfWork]
