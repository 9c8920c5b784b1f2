"""The work-queue jobs that talk to the product services and give money back:

- `booking.issue` (after payment): the product issues at once (→ order COMPLETED with its
  documents) or answers `pending` (→ the order stays PAID and `booking.poll` is queued);
  a refusal for good or a `failed` booking → the payer is refunded in full automatically.
- `booking.poll`: reads a pending booking again; while it is still pending the job raises, so
  the work queue tries again later with exponential back-off, until `issued` or `failed`.
- `booking.release`: cancels the booking at the product (a hold released, an issued booking
  cancelled with the supplier's refund_amount); a refusal for good (say, 409 not-cancellable
  for a delivered PLN token) is audited and the booking left as it is.
- `payment.refund`: an automatic refund through payment-service (in full, or the amount a
  customer's cancellation gives back under the supplier's policy).

Jobs raise to be retried (a product or payment-service down) and return when done for good.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Any

from domain.errors import (
    BookingRefused,
    BookingStillPending,
    InvalidRefundAmount,
    NotFound,
    NotRefundable,
    PaymentRefused,
    ProductAnswerInvalid,
)
from domain.event_facts import order_facts
from domain.ledger import JOB_ISSUE, JOB_POLL, JOB_REFUND, JOB_RELEASE, Ledger, system_actor
from domain.models import BookingStatus, OrderStatus, PaymentStatus
from domain.ports import Booking, BookingGateway
from domain.records import Order
from domain.refunds import Refunds

logger = logging.getLogger("transaction_service.booking_jobs")


class BookingJobs:
    def __init__(self, ledger: Ledger, bookings: BookingGateway, refunds: Refunds) -> None:
        self._ledger = ledger
        self._bookings = bookings
        self._refunds = refunds

    async def run(self, topic: str, payload: dict[str, Any]) -> None:
        """One work-queue job. Returns when done (or done for good); raises to be retried."""
        if topic == JOB_ISSUE:
            await self.issue(uuid.UUID(payload["order_id"]))
        elif topic == JOB_POLL:
            await self.poll(uuid.UUID(payload["order_id"]))
        elif topic == JOB_RELEASE:
            await self.release(uuid.UUID(payload["order_id"]))
        elif topic == JOB_REFUND:
            await self.refund(payload)
        else:
            logger.error("unknown job %s dropped", topic)

    async def _paid_order(self, order_id: uuid.UUID) -> Order | None:
        async with self._ledger.reading() as uow:  # unlocked: what changes it is locked again
            order = await uow.order(order_id)
        if order is None or order.status != OrderStatus.PAID or not order.booking_reference:
            return None
        return order

    async def issue(self, order_id: uuid.UUID) -> None:
        actor = system_actor(JOB_ISSUE)
        order = await self._paid_order(order_id)
        if order is None or order.booking_reference is None:
            return
        try:
            booking = await self._bookings.issue(order.service_type, order.booking_reference)
        except BookingRefused as exc:
            await self._give_back(
                order_id, f"booking could not be issued ({exc.slug}); refunded in full", actor
            )
            return
        if booking.status == BookingStatus.PENDING:
            await self._pending(order_id, booking, actor)
        else:
            await self._decided(order_id, booking, actor)

    async def poll(self, order_id: uuid.UUID) -> None:
        actor = system_actor(JOB_POLL)
        order = await self._paid_order(order_id)
        if order is None or order.booking_reference is None:
            return
        try:
            booking = await self._bookings.get(order.service_type, order.booking_reference)
        except BookingRefused as exc:
            await self._give_back(
                order_id, f"booking could not be issued ({exc.slug}); refunded in full", actor
            )
            return
        if booking.status == BookingStatus.PENDING:
            raise BookingStillPending(booking.reference)  # read again later, with back-off
        await self._decided(order_id, booking, actor)

    async def _pending(self, order_id: uuid.UUID, booking: Booking, actor: str) -> None:
        """The supplier answers later: the order stays PAID and the booking is read again."""
        async with self._ledger.unit_of_work() as uow:
            order, _tx = await self._ledger.chain(uow, order_id)
            if order.status != OrderStatus.PAID or order.booking.status == BookingStatus.PENDING:
                return  # not ours to follow any more, or already followed (a retried issue job)
            order.record_booking(booking, self._ledger.clock())
            await uow.save(order)
            await self._ledger.note(uow, order, actor, "booking pending at the supplier")
            await uow.add_job(JOB_POLL, {"order_id": str(order_id)})
            await uow.commit()

    async def _decided(self, order_id: uuid.UUID, booking: Booking, actor: str) -> None:
        if booking.status == BookingStatus.ISSUED:
            async with self._ledger.unit_of_work() as uow:
                order, _tx = await self._ledger.chain(uow, order_id)
                if order.status != OrderStatus.PAID:
                    return
                order.record_booking(booking, self._ledger.clock())
                await self._ledger.move(uow, order, OrderStatus.COMPLETED, actor, "booking issued")
                # The customer's confirmation: the documents exist only from here on.
                await uow.add_event(
                    "order.completed",
                    {"order_id": str(order_id), "user_id": order.user_id, "order": order_facts(order)},
                )
                await uow.commit()
            return
        if booking.status in (BookingStatus.FAILED, BookingStatus.CANCELLED, BookingStatus.EXPIRED):
            reason = booking.failure_reason or f"booking {booking.status} at the supplier; refunded in full"
            await self._give_back(order_id, reason, actor, booking)
            return
        # `held` after an issue breaks the contract; perhaps the product recovers.
        raise ProductAnswerInvalid(f"The {booking.service_type} service answered {booking.status} to issue.")

    async def _give_back(
        self, order_id: uuid.UUID, reason: str, actor: str, booking: Booking | None = None
    ) -> None:
        """Not fulfilled for good: the payer gets everything back, and the order says why."""
        async with self._ledger.unit_of_work() as uow:
            order, tx = await self._ledger.chain(uow, order_id)
            if order.status != OrderStatus.PAID or tx is None:
                return
            if booking is not None:
                order.record_booking(booking, self._ledger.clock())
            order.failure_reason = reason
            order.updated_at = self._ledger.clock()
            await uow.save(order)
            await self._ledger.note(uow, order, actor, reason)
            for payment in await uow.payments_of(tx.id, [PaymentStatus.PAID]):
                await uow.add_job(
                    JOB_REFUND,
                    {
                        "payment_id": str(payment.id),
                        "amount": None,
                        "reason": reason,
                        "refund_key": f"auto-{payment.id}",
                    },
                )
            await uow.commit()

    async def release(self, order_id: uuid.UUID) -> None:
        """Cancels the order's booking at the product. Idempotent there (an already cancelled or
        expired booking comes back as it is, which is done)."""
        actor = system_actor(JOB_RELEASE)
        async with self._ledger.unit_of_work() as uow:
            order = await uow.order(order_id)
        if order is None or not order.booking_reference:
            return
        try:
            booking = await self._bookings.cancel(order.service_type, order.booking_reference)
        except BookingRefused as exc:
            logger.warning("booking of order %s not cancelled at the provider: %s", order_id, exc.slug)
            async with self._ledger.unit_of_work() as uow:
                locked = await uow.order(order_id, lock=True)
                assert locked is not None
                await self._ledger.note(
                    uow, locked, actor, f"booking not cancelled at the provider ({exc.slug})"
                )
                await uow.commit()
            return
        async with self._ledger.unit_of_work() as uow:
            locked = await uow.order(order_id, lock=True)
            assert locked is not None
            was = locked.booking.status
            locked.record_booking(booking, self._ledger.clock())
            await uow.save(locked)
            if was != booking.status:
                await self._ledger.note(
                    uow, locked, actor, f"booking {was} → {booking.status} at the provider"
                )
            await uow.commit()

    async def refund(self, payload: dict[str, Any]) -> None:
        amount = payload.get("amount")
        try:
            await self._refunds.refund(
                uuid.UUID(payload["payment_id"]),
                Decimal(amount) if amount is not None else None,
                str(payload.get("reason") or "automatic refund"),
                str(payload["refund_key"]),
                "system",
                system_actor(JOB_REFUND),
                settles_transaction=bool(payload.get("settles_transaction", True)),
            )
        except PaymentRefused as exc:
            logger.error("automatic refund %s refused for good: %s", payload.get("refund_key"), exc.slug)
        except (NotRefundable, NotFound, InvalidRefundAmount) as exc:
            # Already refunded meanwhile by another path (a cancellation and an automatic refund
            # of the same payment): the refund machinery never gives back more than was paid.
            logger.error("automatic refund %s impossible: %s", payload.get("refund_key"), exc)
