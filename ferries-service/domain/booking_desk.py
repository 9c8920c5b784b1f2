"""Use cases of the booking contract: hold an offer, read, issue and cancel a booking. The
operator is the system of record; the bookings table remembers what it said.

The caller's Idempotency-Key is handled around `hold` (one operator hold per key); issue and
cancel lock the booking row, so concurrent calls are serialised and safe to retry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from domain.booking_rules import check_details
from domain.bookings import Booking, OperatorBooking, documents_for, quote_items
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    OfferExpired,
    PriceChanged,
    SailingCancelled,
)
from domain.offer_ids import decode_offer_id
from domain.repository import BookingUnitOfWorkFactory, Clock, FerryOperator, OfferCache
from shared.booking_lifecycle import BookingStatus, ContractBooking, Customer, Quote, new_booking_reference

logger = logging.getLogger("ferries.bookings")
SERVICE_TYPE = "ferry"
SAILING_CANCELLED_REASON = "The operator cancelled this sailing (weather); no ticket was issued."


class BookingDesk:
    def __init__(
        self,
        operator: FerryOperator,
        cache: OfferCache,
        uow: BookingUnitOfWorkFactory,
        clock: Clock,
        references: Callable[[], str] = new_booking_reference,
    ) -> None:
        self._operator = operator
        self._cache = cache
        self._uow = uow
        self._clock = clock
        self._references = references

    async def hold(self, key: str, offer_id: str, raw_details: Any) -> Booking:
        """Quotes the offer with the operator and, at the offer's price, holds its seats and deck
        space. PriceChanged (nothing held), SoldOut, OfferExpired, InvalidBooking. `key`, the
        caller's Idempotency-Key, is the route's: it runs this once per key."""
        decode_offer_id(offer_id)
        offer = await self._cache.get_offer(offer_id)
        if offer is None:
            raise OfferExpired("This offer has expired or is unknown; search again.")
        details = check_details(raw_details, offer)
        try:
            quote = await self._operator.quote(offer)
        except SailingCancelled:
            raise OfferExpired("The operator cancelled this sailing; search again.") from None
        if quote.total != offer.total_price:
            raise PriceChanged(offer.total_price, quote.total)
        held = await self._operator.hold(quote, details)
        now = self._clock()
        booking = Booking(
            reference=self._references(),
            offer_id=offer_id,
            status=BookingStatus.HELD,
            supplier=self._operator.name,
            supplier_booking_id=held.booking_id,
            supplier_reference=held.booking_code,
            hold_expires_at=held.hold_expires_at,
            items=quote_items(offer.sailing, quote.lines, details.vehicle),
            total=quote.total,
            sailing=offer.sailing,
            details=details,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._uow() as uow:
                await uow.bookings.add(booking)
                await uow.commit()
        except BaseException:
            # We could not remember the hold: release it rather than leave the space taken.
            await self._release(held)
            raise
        return booking

    async def _release(self, held: OperatorBooking) -> None:
        await self._release_quietly(held.booking_id)

    async def _release_quietly(self, booking_id: str) -> None:
        try:
            await asyncio.shield(self._operator.cancel(booking_id))
        except Exception:
            logger.warning(
                "could not release operator booking %s; it lapses at its TTL", booking_id, exc_info=True
            )

    async def get(self, reference: str) -> Booking:
        """The booking; a hold past its deadline reads expired (and is saved so)."""
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
        """E-tickets for a held booking; an issued (or failed) one is returned as it is. A sailing
        the operator cancelled ends the booking `failed`, so the customer is refunded in full."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference, for_update=True)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if booking.status in (BookingStatus.ISSUED, BookingStatus.PENDING, BookingStatus.FAILED):
                return booking
            if booking.status is BookingStatus.CANCELLED:
                raise BookingCancelled("The booking is cancelled; it can no longer be issued.")
            expired = HoldExpired("The hold has expired; it can no longer be issued.")
            if booking.status is BookingStatus.EXPIRED:
                raise expired
            now = self._clock()
            if booking.hold_lapsed(now):
                await uow.bookings.save(booking.moved_to(BookingStatus.EXPIRED, now))
                await uow.commit()
                raise expired
            try:
                done = await self._operator.issue(booking.supplier_booking_id)
            except HoldExpired:
                await uow.bookings.save(booking.moved_to(BookingStatus.EXPIRED, self._clock()))
                await uow.commit()
                raise
            except BookingCancelled:
                await uow.bookings.save(booking.moved_to(BookingStatus.CANCELLED, self._clock()))
                await uow.commit()
                raise
            except SailingCancelled:
                failed = booking.moved_to(
                    BookingStatus.FAILED, self._clock(), failure_reason=SAILING_CANCELLED_REASON
                )
                await uow.bookings.save(failed)
                await uow.commit()
                return failed
            issued = booking.moved_to(
                BookingStatus.ISSUED, self._clock(), documents=documents_for(booking, done.tickets)
            )
            await uow.bookings.save(issued)
            await uow.commit()
            return issued

    async def cancel(self, reference: str) -> Booking:
        """Cancels at the operator: a hold is released (nothing to refund); issued e-tickets are
        cancelled with the operator's refund (75 % up to 24 h before departure, nothing after,
        everything when the operator cancelled the sailing). Final bookings are returned as they
        are; NotCancellable once the sailing has left."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference, for_update=True)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.FAILED):
                return booking
            now = self._clock()
            if booking.hold_lapsed(now):
                # Lapsed here; tell the operator anyway, so that its space is free at once even if
                # its clock has not reached the deadline yet.
                await self._release_quietly(booking.supplier_booking_id)
                expired = booking.moved_to(BookingStatus.EXPIRED, now)
                await uow.bookings.save(expired)
                await uow.commit()
                return expired
            done = await self._operator.cancel(booking.supplier_booking_id)
            refund: Decimal | None = None
            if booking.status is BookingStatus.ISSUED:
                refund = done.refund_amount if done.refund_amount is not None else Decimal("0.00")
            cancelled = booking.moved_to(BookingStatus.CANCELLED, self._clock(), refund_amount=refund)
            await uow.bookings.save(cancelled)
            await uow.commit()
            return cancelled

    # --- the contract's view ----------------------------------------------------------------------

    def view(self, booking: Booking) -> ContractBooking:
        """The booking as the contract shows it: seats and deck space held until hold_expires_at,
        the first adult (or the first passenger) paying with the booking's contact, the sailing as
        sold among the details, and the e-tickets once issued."""
        s, d = booking.sailing, booking.details
        lead = next((p for p in d.passengers if p.type.value == "adult"), d.passengers[0])
        return ContractBooking(
            reference=booking.reference,
            service_type=SERVICE_TYPE,
            offer_id=booking.offer_id,
            status=booking.status,
            supplier=booking.supplier,
            supplier_reference=booking.supplier_reference,
            holds_inventory=True,
            hold_expires_at=booking.hold_expires_at,
            quote=Quote(booking.items, booking.total),
            customer=Customer(lead.first_name, lead.last_name, d.contact.email, d.contact.phone),
            booking_details={
                "sailing": {
                    "sailing_id": s.sailing_id,
                    "origin": s.origin,
                    "destination": s.destination,
                    "departure_at": s.departure_at.isoformat(),
                    "arrival_at": s.arrival_at.isoformat(),
                    "service_class": s.service_class,
                    "vessel": s.vessel,
                    "operator": s.operator,
                },
                **d.as_dict(),
            },
            documents=booking.documents,
            failure_reason=booking.failure_reason,
            refund_amount=booking.refund_amount,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )
