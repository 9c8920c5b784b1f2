"""Use cases of the booking contract for hotels: quote (the "hold"), read, issue, cancel.

A hotel supplier reserves nothing before the booking itself, so:
- the hold checks the rate with the supplier (checkrates) and keeps it as a quote valid for
  `quote_ttl_seconds`; a changed price is refused (409 price-changed) and never charged silently;
- issue (after payment) makes the supplier booking: confirmed → issued with a voucher; on request →
  pending until the hotel answers (read back on GET); sold out or repriced since the quote →
  failed, so the payer is refunded in full by transaction-service;
- cancel of an issued booking asks the supplier for the fee first (a simulation), then cancels;
  the refund is what was paid less that fee.

Issue and cancel lock the booking row, so a retry or a race never books or cancels twice. The
Idempotency-Key of the hold is handled by the caller (shared.idempotency) around `hold`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from domain.bookings import Booking, check_guest_details
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    NotCancellable,
    OfferExpired,
    PriceChanged,
    SoldOut,
)
from domain.models import CachedOffer
from domain.ports import BookingUnitOfWorkFactory, Clock, HotelSupplier, SearchCache, SupplierBookingStatus
from domain.vouchers import quote_line, stay_snapshot, voucher
from shared.booking_lifecycle import BookingStatus, ContractBooking, Customer, Quote, new_booking_reference

SERVICE_TYPE = "hotel"
SOLD_OUT_REASON = "The hotel has no room left for this rate; the payment is refunded in full."
REPRICED_REASON = (
    "The hotel's price changed after payment; the booking was not made and the payment is refunded."
)
REFUSED_REASON = "The hotel did not confirm this on-request booking; the payment is refunded in full."


class BookingDesk:
    def __init__(
        self,
        supplier: HotelSupplier,
        cache: SearchCache,
        uow: BookingUnitOfWorkFactory,
        clock: Clock,
        *,
        quote_ttl_seconds: float,
        offer_ttl_seconds: float,
        references: Callable[[], str] = new_booking_reference,
    ) -> None:
        self._supplier = supplier
        self._cache = cache
        self._uow = uow
        self._clock = clock
        self._quote_ttl = timedelta(seconds=quote_ttl_seconds)
        self._offer_ttl = offer_ttl_seconds
        self._references = references

    async def hold(self, key: str, offer_id: str, raw_details: Mapping[str, object]) -> Booking:
        """The rate checked with the supplier, kept as a quote until hold_expires_at. `key`, the
        caller's Idempotency-Key, is the route's: it runs this once per key."""
        cached = await self._cache.get_offer(offer_id)
        if cached is None:
            raise OfferExpired("This offer has expired or is unknown; search again.")
        details = check_guest_details(dict(raw_details), cached.criteria.occupancy.rooms)
        checked = await self._supplier.check_rate(cached.offer)
        offer = cached.offer
        if checked.total_price != offer.total_price or checked.rate_key != offer.rate_key:
            # Remember the rate as it stands, so the next hold (with a new key) accepts it.
            moved = replace(
                offer, rate_key=checked.rate_key, total_price=checked.total_price, policies=checked.policies
            )
            fresh = CachedOffer(moved, cached.hotel, cached.criteria)
            await self._cache.put_offers([fresh], self._offer_ttl)
        if checked.total_price != offer.total_price:
            raise PriceChanged(offer.total_price, checked.total_price)
        now = self._clock()
        stay = stay_snapshot(cached, list(checked.policies), checked.total_price)
        booking = Booking(
            reference=self._references(),
            offer_id=offer_id,
            status=BookingStatus.HELD,
            supplier=self._supplier.name,
            supplier_reference=None,
            rate_key=checked.rate_key,
            total=checked.total_price,
            quote=(quote_line(stay, checked.total_price),),
            details=details,
            stay=stay,
            hold_expires_at=now + self._quote_ttl,
            created_at=now,
            updated_at=now,
        )
        async with self._uow() as uow:
            await uow.bookings.add(booking)
            await uow.commit()
        return booking

    async def get(self, reference: str) -> Booking:
        """The booking; a lapsed quote reads expired, a pending one is read again at the supplier."""
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if not (booking.quote_lapsed(self._clock()) or booking.status is BookingStatus.PENDING):
                return booking
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference, for_update=True)
            assert booking is not None
            moved = await self._settle(booking)
            if moved is not booking:
                await uow.bookings.save(moved)
                await uow.commit()
            return moved

    async def _settle(self, booking: Booking) -> Booking:
        now = self._clock()
        if booking.quote_lapsed(now):
            return booking.moved_to(BookingStatus.EXPIRED, now)
        if booking.status is not BookingStatus.PENDING or booking.supplier_reference is None:
            return booking
        answer = await self._supplier.read(booking.supplier_reference)
        if answer.status is SupplierBookingStatus.CONFIRMED:
            return _with_voucher(booking.moved_to(BookingStatus.ISSUED, now))
        if answer.status is SupplierBookingStatus.CANCELLED:
            return booking.moved_to(BookingStatus.FAILED, now, failure_reason=REFUSED_REASON)
        return booking

    async def issue(self, reference: str) -> Booking:
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference, for_update=True)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if booking.status in (BookingStatus.ISSUED, BookingStatus.PENDING, BookingStatus.FAILED):
                return booking
            if booking.status is BookingStatus.CANCELLED:
                raise BookingCancelled("The booking is cancelled; it can no longer be issued.")
            now = self._clock()
            if booking.status is BookingStatus.EXPIRED or booking.quote_lapsed(now):
                if booking.status is BookingStatus.HELD:
                    await uow.bookings.save(booking.moved_to(BookingStatus.EXPIRED, now))
                    await uow.commit()
                raise HoldExpired("The quote has expired; it can no longer be booked.")
            guests = booking.details.guests
            client_reference = booking.reference.replace("-", "")[:20]
            try:
                # A booking call has no idempotency key at the supplier: if an earlier attempt
                # timed out after the hotel booked, the booking list knows it by our reference.
                made = await self._supplier.find(
                    client_reference,
                    booking.created_at.date() - timedelta(days=1),
                    now.date() + timedelta(days=1),
                ) or await self._supplier.book(
                    booking.rate_key,
                    guests[0],
                    guests,
                    booking.details.contact,
                    client_reference,
                    booking.details.special_requests,
                )
            except SoldOut:
                moved = booking.moved_to(BookingStatus.FAILED, now, failure_reason=SOLD_OUT_REASON)
            except PriceChanged:
                moved = booking.moved_to(BookingStatus.FAILED, now, failure_reason=REPRICED_REASON)
            else:
                if made.status is SupplierBookingStatus.PENDING:
                    moved = booking.moved_to(BookingStatus.PENDING, now, supplier_reference=made.reference)
                else:
                    moved = _with_voucher(
                        booking.moved_to(BookingStatus.ISSUED, now, supplier_reference=made.reference)
                    )
            await uow.bookings.save(moved)
            await uow.commit()
            return moved

    async def cancel(self, reference: str) -> Booking:
        async with self._uow() as uow:
            booking = await uow.bookings.get(reference, for_update=True)
            if booking is None:
                raise BookingNotFound("No booking has this reference.")
            if booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
                return booking
            now = self._clock()
            if booking.status is BookingStatus.HELD:
                # Nothing is reserved at the supplier: ending the quote is enough.
                status = BookingStatus.EXPIRED if booking.quote_lapsed(now) else BookingStatus.CANCELLED
                moved = booking.moved_to(status, now)
            elif booking.status is BookingStatus.ISSUED:
                assert booking.supplier_reference is not None
                # The fee first: the supplier's own figure, then the cancellation itself (which
                # answers the fee it charged; that one is what counts).
                await self._supplier.cancellation_fee(booking.supplier_reference)
                fee = await self._supplier.cancel(booking.supplier_reference)
                refund = max(booking.total - fee, Decimal(0))
                moved = booking.moved_to(BookingStatus.CANCELLED, now, refund_amount=refund)
            else:
                raise NotCancellable(
                    f"A {booking.status} booking cannot be cancelled"
                    + (
                        " while the hotel has not answered."
                        if booking.status is BookingStatus.PENDING
                        else "."
                    )
                )
            await uow.bookings.save(moved)
            await uow.commit()
            return moved

    # --- the contract's view ----------------------------------------------------------------------

    def view(self, booking: Booking) -> ContractBooking:
        """The booking as the contract shows it: a quote that reserves nothing (a hotel supplier
        books only at issue), the holder (first guest) paying with the booking's contact, the stay
        as bought among the details, and the voucher once issued."""
        holder, contact = booking.details.guests[0], booking.details.contact
        return ContractBooking(
            reference=booking.reference,
            service_type=SERVICE_TYPE,
            offer_id=booking.offer_id,
            status=booking.status,
            supplier=booking.supplier,
            supplier_reference=booking.supplier_reference,
            holds_inventory=False,
            hold_expires_at=booking.hold_expires_at,
            quote=Quote(booking.quote, booking.total),
            customer=Customer(holder.first_name, holder.last_name, contact.email, contact.phone),
            booking_details={**booking.details.as_dict(), "stay": booking.stay},
            documents=booking.documents,
            failure_reason=booking.failure_reason,
            refund_amount=booking.refund_amount,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )


def _with_voucher(booking: Booking) -> Booking:
    return replace(booking, documents=(voucher(booking),))
