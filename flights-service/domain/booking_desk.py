"""Use cases of the booking contract (docs/booking-contract.md) for flights: hold, read, issue
and cancel. The supplier is the system of record; our bookings table remembers what it said.

The caller's Idempotency-Key is honoured around `hold` by the route (one key, one answer, one
supplier hold, even for concurrent duplicates). `hold` itself also looks the key up among the
bookings first: if a request's process died after the supplier held but before the answer was
recorded, the retry that takes the key over finds that booking instead of holding seats again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace

from domain.bookings import Booking, HoldRequest, Passenger, SupplierHold, SupplierOrder
from domain.e_tickets import e_tickets
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    OfferExpired,
    PriceChanged,
    PriceMovedAtHold,
    UnknownSupplier,
)
from domain.models import SearchCriteria, SupplierOffer
from domain.offer_ids import decode_offer_id
from domain.passengers import check_hold_request
from domain.quotes import itineraries_of, quote_for
from domain.repository import (
    AirportDirectory,
    BookingSupplier,
    BookingUnitOfWorkFactory,
    Clock,
    OfferCache,
    ReferenceFactory,
)
from shared.booking_lifecycle import BookingStatus, Contact, ContractBooking, Quote, new_booking_reference

logger = logging.getLogger("flights.bookings")
SERVICE_TYPE = "flight"


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
        references: ReferenceFactory = new_booking_reference,
        reading: BookingUnitOfWorkFactory | None = None,
    ) -> None:
        self._suppliers = suppliers
        self._cache = cache
        self._airports = airports
        self._uow = uow
        # For one-statement reads that neither lock nor write (a hold's look for its key).
        self._reading = reading or uow
        self._clock = clock
        self._offer_ttl = offer_ttl_seconds
        self._references = references

    def _supplier(self, name: str) -> BookingSupplier:
        supplier = self._suppliers.get(name)
        if supplier is None:
            raise UnknownSupplier(f"Supplier {name!r} is not enabled.")
        return supplier

    # --- hold -----------------------------------------------------------------------------------

    async def hold(self, key: str, offer_id: str, request: HoldRequest) -> Booking:
        """Holds the offer's seats at its supplier at the offer's price. Raises InvalidBooking,
        OfferExpired (unknown or gone offer), PriceChanged (nothing held), HoldRefused (sold
        out) or a supplier outage."""
        async with self._reading() as uow:
            earlier = await uow.bookings.find_by_key(key)
        if earlier is not None:
            return earlier

        decode_offer_id(offer_id)
        found = await self._cache.get_offer(offer_id)
        if found is None:
            raise OfferExpired("This offer has expired or is unknown; search again.")
        cached, criteria = found
        supplier = self._supplier(cached.offer.supplier)
        passengers, contact = check_hold_request(request, cached.offer, self._airports, self._clock())

        held, priced = await self._hold_at(supplier, offer_id, cached, criteria, passengers, contact)
        now = self._clock()
        itineraries = itineraries_of(priced.offer, self._airports)
        booking = Booking(
            reference=self._references(),
            idempotency_key=key,
            offer_id=offer_id,
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
            itineraries=itineraries,
            quote=quote_for(priced.offer, held.total_price, itineraries),
        )
        try:
            async with self._uow() as uow:
                await uow.bookings.add(booking)
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
    ) -> tuple[SupplierHold, SupplierOffer]:
        """The supplier's hold and the offer as it priced it just before."""
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
        return held, fresh

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
        """Tickets for a held booking, at once (flights never go `pending`); an issued one is
        returned as it is."""
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

    # --- the contract's view ------------------------------------------------------------------------

    def view(self, booking: Booking) -> ContractBooking:
        """The booking as the contract shows it: the seats stay held until hold_expires_at, the
        customer is the first passenger with the booking's contact, the e-tickets once issued."""
        return ContractBooking(
            reference=booking.reference,
            service_type=SERVICE_TYPE,
            offer_id=booking.offer_id,
            status=booking.status,
            supplier=booking.supplier,
            supplier_reference=booking.supplier_reference,
            holds_inventory=True,
            hold_expires_at=booking.hold_expires_at,
            quote=Quote(booking.quote, booking.total_price, booking.currency),
            customer=booking.customer,
            booking_details={
                "passengers": [passenger_details(p) for p in booking.passengers],
                "contact": {"email": booking.contact.email, "phone": booking.contact.phone},
            },
            documents=e_tickets(booking),
            # Issue finishes at once or is refused: a flight never fails later.
            failure_reason=None,
            refund_amount=booking.refund_amount,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )


def passenger_details(p: Passenger) -> dict[str, str | None]:
    """A passenger as the booking's details show it (the supplier's own id stays ours)."""
    return {
        "type": p.type.value,
        "title": p.title.value,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "date_of_birth": p.date_of_birth.isoformat(),
        "gender": p.gender.value,
        "nationality": p.nationality,
        "passport_number": p.passport_number,
        "passport_expiry": p.passport_expiry.isoformat() if p.passport_expiry else None,
    }
