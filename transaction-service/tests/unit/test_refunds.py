"""Refunds: a partial one keeps the sale and the booking; the rest ends the order and cancels
the booking at the product; a refusal marks the refund FAILED and is passed on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import InvalidRefundAmount, NotRefundable, PaymentRefused
from domain.ledger import Caller
from domain.money_path import MoneyPath
from domain.records import Order, Payment, Refund, Transaction
from tests.unit.conftest import get, ordered_and_charged, paid, run_jobs
from tests.unit.memory import MemoryPayments, Store

ADMIN = Caller("admin-1", is_admin=True)


async def test_partial_then_full_refund(money: MoneyPath, store: Store) -> None:
    order, tx_id, payment = await paid(money)
    done = await run_jobs(money, store)
    partial = await money.refunds.of_transaction(tx_id, Decimal("500000"), "seat downgrade", "k1", ADMIN)
    assert (partial.status, partial.amount) == ("SUCCEEDED", Decimal("500000.00"))
    assert get(store, payment.id, Payment).status == "PARTIALLY_REFUNDED"
    assert get(store, tx_id, Transaction).status == "COMPLETED"
    assert len(store.jobs) == done  # the booking stays
    again = await money.refunds.of_transaction(tx_id, Decimal("500000"), "seat downgrade", "k1", ADMIN)
    assert again.id == partial.id
    with pytest.raises(InvalidRefundAmount):
        await money.refunds.of_payment(payment.id, Decimal("1000001"), "x", "k2", ADMIN)
    rest = await money.refunds.of_payment(payment.id, None, "trip cancelled", "k3", ADMIN)
    assert rest.amount == Decimal("1000000.00")
    assert get(store, tx_id, Transaction).status == "REFUNDED"
    assert get(store, order.id, Order).status == "CANCELLED"
    assert store.jobs[-1] == ("booking.release", {"order_id": str(order.id)})


async def test_an_unpaid_transaction_is_not_refundable(money: MoneyPath) -> None:
    _order, tx_id, _payment = await ordered_and_charged(money)
    with pytest.raises(NotRefundable):
        await money.refunds.of_transaction(tx_id, None, "x", "k", ADMIN)


async def test_a_refused_refund_is_failed_and_passed_on(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    _order, tx_id, _payment = await paid(money)
    payments.refund_error = PaymentRefused("refund-not-allowed", None, answered_status=409)
    with pytest.raises(PaymentRefused):
        await money.refunds.of_transaction(tx_id, None, "x", "k", ADMIN)
    assert [r.status for r in store.of(Refund)] == ["FAILED"]
    assert get(store, tx_id, Transaction).status == "COMPLETED"
