"""Purchases through the booking contract: hold (a validated quote), read, issue (the purchase
at the aggregator, with our booking reference as its ref_id so a retry can never buy twice),
cancel, and the late answers of pending purchases by callback or by status checks with back-off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.booking_details import read_details
from domain.catalogue import Catalogue, bill_offer
from domain.documents import documents_for
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    DepositTooLow,
    HoldExpired,
    NoBillYet,
    NotCancellable,
    OfferExpired,
    PriceChanged,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
    UnknownProduct,
)
from domain.models import Booking, Offer, PurchaseResult
from domain.ports import Aggregator, Alerts, Clock, UnitOfWork, UnitOfWorkFactory
from domain.price_list import selling_price
from shared.booking_lifecycle import BookingStatus, ContractBooking, LineItem, Quote, new_booking_reference

logger = logging.getLogger("ppob.purchases")
SERVICE_TYPE = "ppob"
S = BookingStatus

# What a final refusal means for the customer, by the aggregator's rc (Digiflazz's codes).
FAILURE_REASONS = {
    "01": "The operator did not answer in time and cancelled the purchase.",
    "02": "The operator or biller refused the purchase.",
    "43": "The product is no longer sold.",
    "44": "The purchase could not be made with our provider right now.",
    "51": "The number is blocked by its operator.",
    "52": "The number does not belong to the product's operator.",
    "53": "The product is not available from the provider right now.",
    "54": "The customer number is wrong.",
    "55": "The product is disrupted at the operator.",
    "58": "The product is in its daily cut-off period.",
    "60": "The bill is not available (paid already, or not issued yet).",
}


@dataclass(frozen=True)
class PurchasePolicy:
    quote_ttl_seconds: float = 900.0
    low_deposit_threshold: Decimal = Decimal("50000")
    deposit_cache_seconds: float = 10.0
    first_check_seconds: float = 5.0
    longest_check_seconds: float = 300.0


class Purchases:
    def __init__(
        self,
        aggregator: Aggregator,
        catalogue: Catalogue,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        alerts: Alerts,
        policy: PurchasePolicy,
        on_pending: Callable[[], None] = lambda: None,
    ) -> None:
        """`on_pending` is called once a purchase has gone pending (committed): it wakes the
        status checker, which may be sleeping longer than the first check's delay."""
        self._aggregator = aggregator
        self._catalogue = catalogue
        self._uow = unit_of_work
        self._clock = clock
        self._alerts = alerts
        self._policy = policy
        self._on_pending = on_pending
        self._deposit: tuple[Decimal, datetime] | None = None

    @property
    def supplier(self) -> str:
        return self._aggregator.name

    # --- hold, read -----------------------------------------------------------------------------

    async def hold(self, key: str, offer_id: str, details: dict[str, Any]) -> Booking:
        """A validated quote under a new booking reference (nothing is reserved). `key`, the
        caller's Idempotency-Key, is the route's: it runs this once per key."""
        now = self._clock()
        async with self._uow() as uow:
            offer = await uow.repo.get_offer(offer_id)
        if offer is None or now >= offer.expires_at:
            raise OfferExpired("The offer is unknown or has expired; ask for a new quote.")
        customer, normalised = read_details(details, offer)
        reference = new_booking_reference()
        lines, cost, extra = await self._requote(offer, reference)
        await self._ensure_deposit(cost)
        booking = Booking(
            reference=reference,
            offer_id=offer.offer_id,
            status=S.HELD,
            product_code=offer.product_code,
            product_name=offer.product_name,
            category=offer.category,
            customer_no=offer.customer_no,
            lines=lines,
            cost=cost,
            customer=customer,
            details={
                "product_code": offer.product_code,
                "product_name": offer.product_name,
                "category": str(offer.category),
                **normalised,
                **extra,
            },
            hold_expires_at=now + timedelta(seconds=self._policy.quote_ttl_seconds),
            created_at=now,
            updated_at=now,
        )
        async with self._uow() as uow:
            await uow.repo.add_booking(booking)
            await uow.commit()
        return booking

    async def _requote(
        self, offer: Offer, reference: str
    ) -> tuple[tuple[LineItem, ...], Decimal, dict[str, Any]]:
        """The quote as the aggregator prices it now. A bill is inquired again under the booking's
        reference, the ref_id its payment must carry; a changed total is refused (409)."""
        try:
            entry = await self._catalogue.entry(offer.product_code)
        except UnknownProduct:
            raise OfferExpired("The product is no longer on sale; choose another.") from None
        if offer.is_bill:
            try:
                bill = await self._aggregator.inquire_bill(reference, offer.product_code, offer.customer_no)
            except NoBillYet:
                raise OfferExpired("The bill is no longer open (paid meanwhile?); check it again.") from None
            fresh = bill_offer(
                offer.offer_id, entry, offer.customer_no, bill, offer.created_at, offer.expires_at
            )
            if fresh.total != offer.total:
                raise PriceChanged(fresh.total, offer.total)
            return fresh.lines, fresh.cost, fresh.details
        if entry.cost != offer.cost:
            price = selling_price(entry.cost, await self._catalogue.margin())
            if price != offer.total:
                raise PriceChanged(price.quantize(Decimal("0.01")), offer.total)
        return offer.lines, entry.cost, offer.details

    async def get(self, reference: str) -> Booking:
        async with self._uow() as uow:
            booking = await uow.repo.get_booking(reference)
        if booking is None:
            raise BookingNotFound(f"No booking {reference}.")
        return booking.as_of(self._clock())

    def view(self, booking: Booking) -> ContractBooking:
        """The purchase as the booking contract shows it: a quote that reserves nothing, the
        customer from the contact, the serial, token or receipt once issued; nothing delivered is
        ever refunded by the operator (no refund_amount)."""
        return ContractBooking(
            reference=booking.reference,
            service_type=SERVICE_TYPE,
            offer_id=booking.offer_id,
            status=booking.status,
            supplier=self.supplier,
            supplier_reference=booking.supplier_reference,
            holds_inventory=False,
            hold_expires_at=booking.hold_expires_at,
            quote=Quote(booking.lines, booking.total),
            customer=booking.customer,
            booking_details=booking.details,
            documents=booking.documents,
            failure_reason=booking.failure_reason,
            refund_amount=None,
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )

    # --- issue, cancel --------------------------------------------------------------------------

    async def issue(self, reference: str) -> Booking:
        """Sends the purchase. The row stays locked until the answer is written, so a racing
        issue waits and then finds it pending or issued."""
        async with self._uow() as uow:
            booking = await uow.repo.get_booking(reference, for_update=True)
            if booking is None:
                raise BookingNotFound(f"No booking {reference}.")
            now = self._clock()
            status = booking.status_at(now)
            if status in (S.ISSUED, S.PENDING, S.FAILED):
                return booking
            if status is S.CANCELLED:
                raise BookingCancelled("The booking was cancelled.")
            if status is S.EXPIRED:
                if booking.status is not S.EXPIRED:
                    await uow.repo.save_booking(booking.move(S.EXPIRED, now))
                    await uow.commit()
                raise HoldExpired("The quote expired before it was paid.")
            result = await self._send(booking, first=True)
            booking = self._apply(booking, result, self._clock())
            await uow.repo.save_booking(booking)
            await uow.commit()
        if booking.status is S.PENDING:
            self._on_pending()
        return booking

    async def cancel(self, reference: str) -> Booking:
        async with self._uow() as uow:
            booking = await uow.repo.get_booking(reference, for_update=True)
            if booking is None:
                raise BookingNotFound(f"No booking {reference}.")
            now = self._clock()
            status = booking.status_at(now)
            if status in (S.CANCELLED, S.EXPIRED, S.FAILED):
                return booking.as_of(now)
            if status in (S.ISSUED, S.PENDING):
                raise NotCancellable("A purchase sent to the operator cannot be taken back.")
            booking = booking.move(S.CANCELLED, now)
            await uow.repo.save_booking(booking)
            await uow.commit()
        return booking

    # --- late answers ---------------------------------------------------------------------------

    async def receive_callback(self, result: PurchaseResult, delivery_id: str | None) -> Booking | None:
        """Applies a verified callback once: a delivery seen before, a booking that is no longer
        pending, or a callback that still says pending changes nothing."""
        async with self._uow() as uow:
            if delivery_id and not await uow.repo.first_delivery(delivery_id, result.ref_id):
                await uow.commit()
                logger.info("duplicate aggregator callback ignored", extra={"ref_id": result.ref_id})
                return None
            booking = await uow.repo.get_booking(result.ref_id, for_update=True)
            if booking is None or booking.status is not S.PENDING or result.state == "pending":
                await uow.commit()
                return booking
            booking = self._apply(booking, result, self._clock())
            await uow.repo.save_booking(booking)
            await uow.commit()
        return booking

    async def check_due(self, limit: int = 20) -> int:
        """Asks the aggregator about pending purchases whose next check is due; returns how many."""
        async with self._uow() as uow:
            due = await uow.repo.due_for_check(self._clock(), limit)
        checked = 0
        for reference in due:
            async with self._uow() as uow:
                # Settled meanwhile, checked by another replica, or no longer due: not asked again.
                booking = await uow.repo.claim_due(reference, self._clock())
                if booking is None:
                    continue
                await self._check_locked(uow, booking)
            checked += 1
        return checked

    async def seconds_to_next_check(self) -> float | None:
        """Until the earliest pending purchase's check is due (negative: due already); None: no
        purchase is pending."""
        async with self._uow() as uow:
            due = await uow.repo.next_check_at()
        return None if due is None else (due - self._clock()).total_seconds()

    async def check(self, reference: str) -> Booking | None:
        async with self._uow() as uow:
            booking = await uow.repo.get_booking(reference, for_update=True)
            if booking is None or booking.status is not S.PENDING:
                return booking
            return await self._check_locked(uow, booking)

    async def _check_locked(self, uow: UnitOfWork, booking: Booking) -> Booking:
        """Asks the aggregator about a pending purchase whose row this unit of work holds."""
        result = await self._send(booking, first=False)
        booking = self._apply(booking, result, self._clock())
        await uow.repo.save_booking(booking)
        await uow.commit()
        return booking

    async def _send(self, booking: Booking, *, first: bool) -> PurchaseResult:
        """The purchase (or, for a later check, its status). When we cannot tell whether it
        reached the aggregator (timeout, transport), the answer is "pending": the status checks
        re-send the same ref_id, which buys only if the first never arrived."""
        ref = booking.reference
        try:
            if not booking.is_bill:
                return await self._aggregator.top_up(
                    ref, booking.product_code, booking.customer_no, booking.cost
                )
            if not first:
                status = await self._aggregator.bill_status(ref, booking.product_code, booking.customer_no)
                if status.rc != "50":  # 50: the payment never arrived; pay it now
                    return status
            return await self._aggregator.pay_bill(ref, booking.product_code, booking.customer_no)
        except (SupplierUnavailable, SupplierTimeout) as exc:
            logger.warning("aggregator unreachable for %s: %s; checking later", ref, exc)
            return PurchaseResult(ref, "pending", "", str(exc))
        except SupplierRejected as exc:
            # Our request itself was refused (payload, signature, IP): nothing was bought.
            logger.error("aggregator refused purchase %s: %s", ref, exc)
            return PurchaseResult(ref, "failed", "", str(exc))

    def _apply(self, booking: Booking, result: PurchaseResult, now: datetime) -> Booking:
        supplier_ref = result.supplier_reference or booking.supplier_reference or booking.reference
        if result.state == "success":
            self._alerts.purchase_finished("issued")
            return booking.move(
                S.ISSUED,
                now,
                documents=documents_for(booking, result.serial),
                supplier_reference=supplier_ref,
                next_check_at=None,
            )
        if result.state == "failed":
            self._alerts.purchase_finished("failed")
            reason = FAILURE_REASONS.get(result.rc, "The provider could not complete the purchase.")
            return booking.move(
                S.FAILED, now, failure_reason=reason, supplier_reference=supplier_ref, next_check_at=None
            )
        # Back-off: the first check after first_check_seconds, then twice as long each time.
        checks = booking.checks + 1 if booking.status is S.PENDING else 0
        delay = min(self._policy.first_check_seconds * 2**checks, self._policy.longest_check_seconds)
        if booking.status is S.PENDING:
            return replace(
                booking,
                checks=checks,
                next_check_at=now + timedelta(seconds=delay),
                supplier_reference=supplier_ref,
            )
        return booking.move(
            S.PENDING, now, next_check_at=now + timedelta(seconds=delay), supplier_reference=supplier_ref
        )

    # --- the deposit ----------------------------------------------------------------------------

    async def balance(self) -> Decimal:
        amount = await self._aggregator.balance()
        self._deposit = (amount, self._clock())
        self._alerts.deposit_seen(amount)
        return amount

    async def _ensure_deposit(self, cost: Decimal) -> None:
        """Refuses a purchase our deposit could not pay (with a margin for purchases in flight),
        before the customer pays for it."""
        now = self._clock()
        cached = self._deposit
        if cached is None or (now - cached[1]).total_seconds() >= self._policy.deposit_cache_seconds:
            amount = await self.balance()
        else:
            amount = cached[0]
        if amount < cost + self._policy.low_deposit_threshold:
            self._alerts.deposit_low(amount, cost + self._policy.low_deposit_threshold)
            raise DepositTooLow("PPOB purchases are paused for now: our provider balance is being topped up.")

    async def purchases(
        self, status: BookingStatus | None, limit: int, offset: int
    ) -> tuple[list[Booking], int]:
        async with self._uow() as uow:
            items, total = await uow.repo.list_bookings(status, limit, offset)
        now = self._clock()
        return [b.as_of(now) for b in items], total
