"""Where to pay, once payment-service knows it (the payer chose a bank or QRIS on the gateway's
page: its `pending` event carries `payment_instructions`): announced as `payment.instructions`
with the order's snapshot, so that notification-service can tell the customer "pay to BCA
virtual account … before …". Only while the payment and its order still wait for the money;
payment-service sends these once per payment and the event id is recorded here, so it is told
once.
"""

from __future__ import annotations

from typing import Any

from domain.event_facts import order_facts, payment_instruction_facts
from domain.models import OrderStatus, PaymentStatus
from domain.records import Order, Payment, Transaction
from domain.repository import LedgerUnitOfWork
from shared.money import money_string

PAYMENT_INSTRUCTIONS = "payment.instructions"


async def announce_payment_instructions(
    uow: LedgerUnitOfWork, order: Order, tx: Transaction, payment: Payment, data: dict[str, Any]
) -> bool:
    """Writes the event when `data` (a payment-service event) says where to pay a payment that is
    still pending on an order still waiting for it; False otherwise."""
    instructions = payment_instruction_facts(data.get("payment_instructions"))
    if (
        instructions is None
        or data.get("status") != "pending"
        or payment.status is not PaymentStatus.PENDING
        or order.status is not OrderStatus.CONFIRMED
    ):
        return False
    await uow.add_event(
        PAYMENT_INSTRUCTIONS,
        {
            "transaction_id": str(tx.id),
            "order_id": str(order.id),
            "payment_id": str(payment.id),
            "user_id": tx.user_id,
            "amount": money_string(payment.amount),
            "currency": payment.currency,
            "payment_method": data.get("payment_type"),
            "payment_instructions": instructions,
            "order": order_facts(order),
        },
    )
    return True
