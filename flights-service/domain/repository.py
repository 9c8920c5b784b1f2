"""Ports: what the flights domain needs from the outside world. Adapters implement them;
tests/fakes.py implements them in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

from domain.bookings import Booking, Passenger, SupplierHold, SupplierOrder, Ticket
from domain.models import Airport, SearchCriteria, SearchResult, SupplierOffer
from shared.booking_lifecycle import Contact

Clock = Callable[[], datetime]  # aware, UTC


class SupplierClient(Protocol):
    name: str

    async def search(self, criteria: SearchCriteria) -> list[SupplierOffer]:
        """Every offer the supplier has for the criteria, normalised. Raises SupplierUnavailable
        or SupplierRejected; never returns partial garbage."""
        ...

    async def price(self, cached: SupplierOffer, criteria: SearchCriteria) -> SupplierOffer:
        """The supplier's current price for a previously returned offer. Raises OfferExpired
        when the supplier no longer sells it."""
        ...


class RateLimiter(Protocol):
    async def hit(self, key: str) -> int | None:
        """Counts one request for `key`: None while within the limit, else the seconds until
        the next one is allowed (the request is refused and not counted)."""
        ...


class OfferCache(Protocol):
    async def put_offers(self, offers: list[SupplierOffer], criteria: SearchCriteria, ttl: float) -> None: ...

    async def get_offer(self, offer_id: str) -> tuple[SupplierOffer, SearchCriteria] | None: ...

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None: ...

    async def get_search(self, key: str) -> SearchResult | None: ...


class AirportDirectory(Protocol):
    def get(self, iata: str) -> Airport | None: ...

    def search(self, query: str, limit: int) -> list[Airport]: ...


class SupplierBookingClient(Protocol):
    """The supplier's booking operations. Every method raises SupplierUnavailable when the
    supplier cannot answer usefully (transport, timeout, 5xx, garbage)."""

    name: str

    async def hold(
        self, priced: SupplierOffer, passengers: tuple[Passenger, ...], contact: Contact
    ) -> SupplierHold:
        """Holds the seats of a just-priced offer without paying. Raises HoldRefused (sold out,
        segment sell failure), PriceMovedAtHold (the supplier's price moved since pricing) or
        OfferExpired (the supplier no longer sells the offer)."""
        ...

    async def issue(self, order: SupplierOrder) -> tuple[Ticket, ...]:
        """Issues tickets for a held order (idempotent at the supplier: an issued order returns its
        tickets). Raises HoldExpired or BookingCancelled as the supplier reports them."""
        ...

    async def cancel(self, order: SupplierOrder) -> Decimal | None:
        """Cancels the order at the supplier: releases a hold, or voids/refunds an issued order.
        Returns what the supplier refunds for it when it says (None otherwise, and for an order
        the supplier had already cancelled or expired, which is not an error)."""
        ...


class BookingSupplier(SupplierClient, SupplierBookingClient, Protocol):
    """A supplier that can both price and book (both adapters are)."""


class BookingRepository(Protocol):
    async def find_by_key(self, idempotency_key: str) -> Booking | None:
        """The booking held under this Idempotency-Key, if any."""
        ...

    async def add(self, booking: Booking) -> None: ...

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        """`for_update` locks the row until the unit of work ends."""
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
ReferenceFactory = Callable[[], str]
