"""A customer (or an admin) cancels an order, and gets back what the product allows.

- Unpaid (DRAFT/CONFIRMED): as cancelling its transaction: the charge stopped, the hold released.
- Paid (PAID/COMPLETED): the product is asked to cancel the booking FIRST, because only the
  supplier knows what cancelling costs. Its refusal (409 `not-cancellable` for a delivered token
  or a departed sailing, `booking-cancelled`…) or its outage (503/504) reaches the caller and
  nothing changes here, so a retry can simply ask again (the product's cancel is idempotent).
  Once the product has cancelled, in one unit of work: the order's copy of the booking, the
  order CANCELLED with a `failure_reason` that says what is refunded, and a `payment.refund` job
  for min(the booking's `refund_amount`, what is left to refund), in whole rupiah. A null
  `refund_amount` (a hold never issued, a supplier that names no fee) refunds everything left;
  `"0.00"` refunds nothing. The refund key is derived from the payment alone, so however often
  the cancel is retried (with any Idempotency-Key) the payer is refunded once.

The refund runs through the usual machinery (`domain/refunds.py`): the transaction becomes
REFUNDED when everything was given back, and stays COMPLETED with its `refunded_amount` when the
policy kept a fee. The order is CANCELLED either way: the booking no longer exists.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from domain.cancel import EndUnpaid
from domain.errors import InvalidTransition, ProductAnswerInvalid
from domain.ledger import JOB_REFUND, Caller, Ledger, owned
from domain.models import BookingStatus, OrderStatus, PaymentStatus, TransactionStatus
from domain.ports import Booking, BookingGateway
from domain.reads import Reads
from domain.records import Order, Payment
from domain.repository import LedgerUnitOfWork
from domain.rules import cancellation_refund
from shared.money import money_string, rupiah, to_money

_PAID_ORDER = (OrderStatus.PAID, OrderStatus.COMPLETED)
_REFUNDABLE = [str(PaymentStatus.PAID), str(PaymentStatus.PARTIALLY_REFUNDED)]
# What a product's cancel may answer: the booking is over at the supplier.
_OVER = (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.FAILED)


def cancellation_key(payment_id: uuid.UUID) -> str:
    """The refund key of a cancellation: one per payment, whoever asks and however often."""
    return f"cancel-{payment_id}"


class CancelOrder:
    def __init__(self, ledger: Ledger, bookings: BookingGateway, end_unpaid: EndUnpaid, reads: Reads) -> None:
        self._ledger = ledger
        self._bookings = bookings
        self._end_unpaid = end_unpaid
        self._reads = reads

    async def __call__(
        self, order_id: uuid.UUID, caller: Caller, reason: str | None
    ) -> tuple[Order, uuid.UUID | None]:
        """The order after the cancellation, and its transaction's id."""
        async with self._ledger.unit_of_work() as uow:
            order = owned(await uow.order(order_id), caller, "order")
        said = reason or ("cancelled by an admin" if caller.is_admin else "cancelled by the customer")
        if order.is_unpaid:
            await self._end_unpaid(order_id, TransactionStatus.CANCELLED, said, caller.account_id)
            return await self._reads.order(order_id, caller)
        if order.status not in _PAID_ORDER:
            raise InvalidTransition("order", order.status, OrderStatus.CANCELLED)
        booking: Booking | None = None
        if order.booking_reference and order.booking.is_live:
            # No row is locked while the product (and its supplier) is asked.
            booking = await self._bookings.cancel(order.service_type, order.booking_reference)
            if booking.status not in _OVER:
                raise ProductAnswerInvalid(
                    f"The {order.service_type} service answered {booking.status} to cancel."
                )
        await self._cancelled(order_id, booking, said, caller.account_id)
        return await self._reads.order(order_id, caller)

    async def _cancelled(self, order_id: uuid.UUID, booking: Booking | None, said: str, actor: str) -> None:
        async with self._ledger.unit_of_work() as uow:
            order, tx = await self._ledger.chain(uow, order_id)
            if order.status not in _PAID_ORDER or tx is None:
                # Ended meanwhile (another cancel, a full refund): that one stands and refunds.
                raise InvalidTransition("order", order.status, OrderStatus.CANCELLED)
            if booking is not None:
                was = order.booking.status
                order.record_booking(booking, self._ledger.clock())
                await uow.save(order)
                if was != booking.status:
                    change = f"booking {was} → {booking.status} at the provider"
                    await self._ledger.note(uow, order, actor, change)
            payment = _latest_paid(await uow.payments_of(tx.id, _REFUNDABLE))
            left = await _left_to_refund(uow, payment)
            cancelled = order.booking.status == BookingStatus.CANCELLED
            amount = cancellation_refund(order.booking.refund_amount if cancelled else None, left)
            given = f"refund {rupiah(amount)} per" if amount > 0 else "no refund under"
            order.failure_reason = f"{said}; {given} the supplier's cancellation policy"
            await self._ledger.move(uow, order, OrderStatus.CANCELLED, actor, order.failure_reason)
            if payment is not None and amount > 0:
                await uow.add_job(
                    JOB_REFUND,
                    {
                        "payment_id": str(payment.id),
                        "amount": money_string(amount),
                        "reason": order.failure_reason,
                        "refund_key": cancellation_key(payment.id),
                    },
                )
            await uow.commit()


def _latest_paid(payments: list[Payment]) -> Payment | None:
    paid = [p for p in payments if p.paid_at is not None]
    return max(paid, key=lambda p: p.paid_at or p.created_at) if paid else None


async def _left_to_refund(uow: LedgerUnitOfWork, payment: Payment | None) -> Decimal:
    if payment is None:
        return Decimal("0.00")
    pending = await uow.pending_refunds_total(payment.id)
    return to_money(payment.amount) - to_money(payment.refunded_amount) - pending
