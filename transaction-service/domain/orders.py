"""Creating an order: the product service quotes (and, where it has inventory, holds) the offer;
its quote says what is bought; the order is recorded CONFIRMED with a PENDING transaction.

transaction-service knows the product only by its service_type: `booking_details` is forwarded
untouched and the product's answer (a refusal such as 422 invalid-booking included) is passed on.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from domain.errors import ProductAnswerInvalid, ServiceTypeUnavailable, TooManyUnpaidOrders
from domain.event_facts import order_facts
from domain.ledger import Caller, Ledger
from domain.models import BookingStatus, OrderStatus, TransactionStatus
from domain.ports import Booking, BookingGateway, HoldRequest
from domain.records import BookingState, LineItem, Order, Transaction
from domain.repository import LedgerUnitOfWork
from domain.rules import derived_key, order_number
from shared.money import money_string, to_money

logger = logging.getLogger("transaction_service.orders")


def check_hold(booking: Booking) -> None:
    """What an order may be made of: a booking that is held (a replayed hold of a booking that
    was released since is not), whose quote adds up exactly, since the quote decides what is
    bought."""
    if booking.status != BookingStatus.HELD:
        raise ProductAnswerInvalid(
            f"The {booking.service_type} service answered a booking that is {booking.status}, not held;"
            " order again with a new Idempotency-Key."
        )
    if not booking.quote.adds_up():
        raise ProductAnswerInvalid(
            f"The {booking.service_type} service quoted lines that do not add up to its total"
            f" {booking.quote.total} {booking.quote.currency}."
        )


def order_from_booking(
    caller: Caller, service_type: str, offer_id: str, booking: Booking, now: datetime
) -> Order:
    quote = booking.quote
    total = to_money(quote.total)
    quantity = quote.quantity
    order = Order(
        id=uuid.uuid4(),
        user_id=caller.account_id,
        order_number=order_number(now),
        service_type=service_type,
        service_id=offer_id,
        quantity=quantity,
        # An average, for the reports' columns: the line items say what each unit costs.
        unit_price=to_money(total / quantity),
        total_amount=total,
        currency=quote.currency,
        status=OrderStatus.CONFIRMED,
        booking_details=dict(booking.details),
        booking_reference=booking.reference,
        hold_expires_at=booking.hold_expires_at,
        created_at=now,
        updated_at=now,
        line_items=[LineItem(i.description, i.quantity, to_money(i.unit_price)) for i in quote.items],
        booking=BookingState(customer=asdict(booking.customer)),
    )
    order.record_booking(booking, now)
    return order


DEFAULT_MAX_UNPAID_ORDERS = 5


class CreateOrder:
    def __init__(
        self, ledger: Ledger, bookings: BookingGateway, max_unpaid: int = DEFAULT_MAX_UNPAID_ORDERS
    ) -> None:
        self._ledger = ledger
        self._bookings = bookings
        self._max_unpaid = max_unpaid

    async def __call__(
        self,
        caller: Caller,
        client_key: str,
        service_type: str,
        offer_id: str,
        booking_details: dict[str, Any],
    ) -> tuple[Order, uuid.UUID]:
        """Holds the booking (idempotent at the product service by a key derived from the caller
        and their key), then records the order CONFIRMED and its transaction PENDING. If the
        quote is wrong or the order cannot be recorded, the hold is released. An account at its
        cap of unpaid orders is refused before the product is asked to hold anything."""
        if not self._bookings.supports(service_type):
            raise ServiceTypeUnavailable(service_type)
        async with self._ledger.reading() as uow:
            await self._check_cap(uow, caller)
        hold_key = "order-" + derived_key(caller.account_id, client_key)[:64]
        booking = await self._bookings.hold(service_type, hold_key, HoldRequest(offer_id, booking_details))
        try:
            check_hold(booking)
            order, tx = await self._record(caller, service_type, offer_id, booking)
        except Exception:
            logger.exception("order not recorded; releasing the hold %s", booking.reference)
            try:
                await self._bookings.cancel(service_type, booking.reference)
            except Exception:
                logger.exception("could not release hold %s", booking.reference)
            raise
        return order, tx.id

    async def _record(
        self, caller: Caller, service_type: str, offer_id: str, booking: Booking
    ) -> tuple[Order, Transaction]:
        now = self._ledger.clock()
        order = order_from_booking(caller, service_type, offer_id, booking, now)
        tx = Transaction(
            id=uuid.uuid4(),
            user_id=caller.account_id,
            order_id=order.id,
            transaction_type=service_type,
            amount=order.total_amount,
            currency=order.currency,
            status=TransactionStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        actor = caller.account_id
        async with self._ledger.unit_of_work() as uow:
            # Again under the account's lock: orders made at the same moment all passed the
            # first check; only as many as the cap allows are recorded, the others' holds are
            # released by the caller.
            await self._check_cap(uow, caller, lock=True)
            await uow.add(order)
            await uow.add(tx)
            await uow.audit("order", order.id, None, order.status, actor, "booking held", now)
            await uow.audit("transaction", tx.id, None, tx.status, actor, None, now)
            await uow.add_event(
                "transaction.created",
                {
                    "transaction_id": str(tx.id),
                    "order_id": str(order.id),
                    "user_id": caller.account_id,
                    "service_type": service_type,
                    "amount": money_string(order.total_amount),
                    "currency": order.currency,
                    "booking_reference": booking.reference,
                    "order": order_facts(order),
                },
            )
            await uow.commit()
        return order, tx

    async def _check_cap(self, uow: LedgerUnitOfWork, caller: Caller, *, lock: bool = False) -> None:
        unpaid = await uow.unpaid_orders(caller.account_id, self._ledger.clock(), lock=lock)
        if unpaid >= self._max_unpaid:
            raise TooManyUnpaidOrders(self._max_unpaid, unpaid)
