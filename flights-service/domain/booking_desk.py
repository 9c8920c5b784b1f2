"""Use cases of the internal booking contract: hold (idempotent by the caller's key), read, issue
and cancel. The supplier is the system of record; our bookings table remembers what it said.

Idempotency is insert-first: the unit of work that claims a key keeps its row locked while it
talks to the supplier, so a concurrent request with the same key waits and then replays the
recorded outcome instead of holding seats a second time. Business refusals (price changed, sold
out, offer gone) are recorded and replayed; a supplier outage is not (the claim rolls back, so a
retry with the same key tries again).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from dataclasses import replace

from domain.bookings import (
    Booking,
    BookingStatus,
    Contact,
    FailureKind,
    HoldAttempt,
    HoldFailure,
    HoldRequest,
    Passenger,
    SupplierHold,
    SupplierOrder,
)
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    HoldRefused,
    IdempotencyKeyReused,
    OfferExpired,
    PriceChanged,
    PriceMovedAtHold,
    UnknownSupplier,
)
from domain.models import SearchCriteria, SupplierOffer
from domain.offer_ids import decode_offer_id
from domain.passengers import check_hold_request
from domain.repository import (
    AirportDirectory,
    BookingSupplier,
    BookingUnitOfWorkFactory,
    Clock,
    OfferCache,
    ReferenceFactory,
)

logger = logging.getLogger("flights.bookings")


def new_reference() -> str:
    return str(uuid.uuid4())


def _failure_of(exc: PriceChanged | HoldRefused | OfferExpired) -> HoldFailure:
    if isinstance(exc, PriceChanged):
        return HoldFailure(FailureKind.PRICE_CHANGED, str(exc), exc.previous, exc.current)
    if isinstance(exc, HoldRefused):
        return HoldFailure(FailureKind.SOLD_OUT, exc.reason, supplier=exc.supplier)
    return HoldFailure(FailureKind.OFFER_EXPIRED, str(exc))


def _replay(attempt: HoldAttempt, request_hash: str) -> Booking:
    if attempt.request_hash != request_hash:
        raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request body.")
    if attempt.booking is not None:
        return attempt.booking
    failure = attempt.failure
    if failure is None:  # pragma: no cover - a claim is always recorded before it commits
        raise AssertionError(f"idempotency key {attempt.key!r} has no outcome")
    if failure.kind is FailureKind.PRICE_CHANGED:
        assert failure.previous_total is not None
        assert failure.current_total is not None
        raise PriceChanged(failure.previous_total, failure.current_total)
    if failure.kind is FailureKind.SOLD_OUT:
        raise HoldRefused(failure.supplier or "supplier", failure.message)
    raise OfferExpired(failure.message)


class BookingDesk:
    def __init__(
        self,
        suppliers: Mapping[str, BookingSupplier],
        cache: OfferCache,
        airports: AirportDirectory,
        uow: BookingUnitOfWorkFactory,
        clock: Clock,
        *,
        offer_ttl_seconds: float,
        references: ReferenceFactory = new_reference,
    ) -> None:
        self._suppliers = suppliers
        self._cache = cache
        self._airports = airports
        self._uow = uow
        self._clock = clock
        self._offer_ttl = offer_ttl_seconds
        self._references = references

    def _supplier(self, name: str) -> BookingSupplier:
        supplier = self._suppliers.get(name)
        if supplier is None:
            raise UnknownSupplier(f"Supplier {name!r} is not enabled.")
        return supplier

    # --- hold -----------------------------------------------------------------------------------

    async def hold(self, key: str, request: HoldRequest) -> Booking:
        """Holds the offer's seats at its supplier at the offer's price, once per key."""
        digest = request.fingerprint()
        async with self._uow() as uow:
            attempt = await uow.bookings.find_attempt(key)
        if attempt is not None:
            return _replay(attempt, digest)

        decode_offer_id(request.offer_id)
        found = await self._cache.get_offer(request.offer_id)
        if found is None:
            raise OfferExpired("This offer has expired or is unknown; search again.")
        cached, criteria = found
        supplier = self._supplier(cached.offer.supplier)
        passengers, contact = check_hold_request(request, cached.offer, self._airports, self._clock())

        async with self._uow() as uow:
            attempt = await uow.bookings.claim(key, digest, self._clock())
            if attempt is not None:
                return _replay(attempt, digest)
            try:
                held = await self._hold_at(supplier, request.offer_id, cached, criteria, passengers, contact)
            except (PriceChanged, HoldRefused, OfferExpired) as exc:
                await uow.bookings.record(key, failure=_failure_of(exc))
                await uow.commit()
                raise
            now = self._clock()
            booking = Booking(
                reference=self._references(),
                idempotency_key=key,
                request_hash=digest,
                offer_id=request.offer_id,
                supplier=supplier.name,
                supplier_order_id=held.order_id,
                supplier_reference=held.reference,
                status=BookingStatus.HELD,
                total_price=held.total_price,
                currency=held.currency,
                hold_expires_at=held.hold_expires_at,
                passengers=held.passengers,
                contact=contact,
                created_at=now,
                updated_at=now,
            )
            try:
                await uow.bookings.add(booking)
                await uow.bookings.record(key, booking=booking)
                await uow.commit()
            except BaseException:
                # We could not remember the hold: release it rather than leave seats taken.
                await self._release(supplier, booking.supplier_order)
                raise
        return booking

    async def _hold_at(
        self,
        supplier: BookingSupplier,
        offer_id: str,
        cached: SupplierOffer,
        criteria: SearchCriteria,
        passengers: tuple[Passenger, ...],
        contact: Contact,
    ) -> SupplierHold:
        agreed = cached.offer.total_price
        fresh = await self._reprice(supplier, offer_id, cached, criteria)
        if fresh.offer.total_price != agreed:
            raise PriceChanged(agreed, fresh.offer.total_price)
        try:
            held = await supplier.hold(fresh, passengers, contact)
        except PriceMovedAtHold:
            fresh = await self._reprice(supplier, offer_id, cached, criteria)
            raise PriceChanged(agreed, fresh.offer.total_price) from None
        if held.total_price != agreed:
            # The supplier confirmed another total than it priced: do not keep a hold the caller
            # did not agree to.
            await self._release(
                supplier, SupplierOrder(supplier.name, held.order_id, held.total_price, held.passengers)
            )
            raise PriceChanged(agreed, held.total_price)
        return held

    async def _reprice(
        self, supplier: BookingSupplier, offer_id: str, cached: SupplierOffer, criteria: SearchCriteria
    ) -> SupplierOffer:
        """The supplier's current price (Amadeus books only a priced offer); the cache keeps it, so
        the offer the caller sees next carries the new price."""
        fresh = await supplier.price(cached, criteria)
        fresh = SupplierOffer(replace(fresh.offer, offer_id=offer_id), fresh.raw)
        await self._cache.put_offers([fresh], criteria, self._offer_ttl)
        return fresh

    async def _release(self, supplier: BookingSupplier, order: SupplierOrder) -> None:
        try:
            await asyncio.shield(supplier.cancel(order))
        except Exception:
            logger.exception(
                "could not release %s order %s; it will lapse at its deadline", order.supplier, order.order_id
            )

    # --- read, issue, cancel ----------------------------------------------------------------------

    async def get(self, reference: str) -> Booking:
        """The booking; a hold past its deadline is marked expired."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if not booking.hold_lapsed(self._clock()):
                return booking
            booking = await uow.bookings.get(reference, for_update=True)
            assert booking is not None
            if booking.hold_lapsed(self._clock()):
                booking = booking.moved_to(BookingStatus.EXPIRED, self._clock())
                await uow.bookings.save(booking)
                await uow.commit()
            return booking

    async def issue(self, reference: str) -> Booking:
        """Tickets for a held booking; an issued one is returned as it is."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference, for_update=True)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if booking.status is BookingStatus.ISSUED:
                return booking
            if booking.status is BookingStatus.CANCELLED:
                raise BookingCancelled("The booking is cancelled; it can no longer be issued.")
            expired = HoldExpired("The hold has expired; it can no longer be issued.")
            if booking.status is BookingStatus.EXPIRED:
                raise expired
            if booking.hold_lapsed(self._clock()):
                await uow.bookings.save(booking.moved_to(BookingStatus.EXPIRED, self._clock()))
                await uow.commit()
                raise expired
            supplier = self._supplier(booking.supplier)
            try:
                tickets = await supplier.issue(booking.supplier_order)
            except HoldExpired:
                await uow.bookings.save(booking.moved_to(BookingStatus.EXPIRED, self._clock()))
                await uow.commit()
                raise
            except BookingCancelled:
                await uow.bookings.save(booking.moved_to(BookingStatus.CANCELLED, self._clock()))
                await uow.commit()
                raise
            issued = booking.moved_to(BookingStatus.ISSUED, self._clock(), tickets=tickets)
            await uow.bookings.save(issued)
            await uow.commit()
            return issued

    async def cancel(self, reference: str) -> Booking:
        """Cancels at the supplier: a held booking is released; an issued one is cancelled there
        too (its tickets are void and stay listed; `refund_amount` is what the supplier refunds,
        when it says). A cancelled or expired booking is returned as it is (its seats are already
        released)."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference, for_update=True)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
                return booking
            if booking.hold_lapsed(self._clock()):
                expired = booking.moved_to(BookingStatus.EXPIRED, self._clock())
                await uow.bookings.save(expired)
                await uow.commit()
                return expired
            refund = await self._supplier(booking.supplier).cancel(booking.supplier_order)
            issued = booking.status is BookingStatus.ISSUED
            cancelled = booking.moved_to(
                BookingStatus.CANCELLED, self._clock(), refund_amount=refund if issued else None
            )
            await uow.bookings.save(cancelled)
            await uow.commit()
            return cancelled
