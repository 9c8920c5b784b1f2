"""A payment status applied once: the paid event queues the issue; duplicates and stale
statuses change nothing; a wrong amount is ignored; money that came too late is refunded."""

from __future__ import annotations

import uuid

from domain.money_path import MoneyPath
from domain.records import Order, Payment, Transaction
from tests.unit.conftest import event, get, ordered_and_charged, run_jobs
from tests.unit.memory import MemoryPayments, Store

TOPIC = "payment.status_changed"


async def test_a_paid_event_applies_once_and_queues_the_issue(money: MoneyPath, store: Store) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    event_id = uuid.uuid4()
    assert await money.payment_events.handle(event_id, TOPIC, event(payment, "paid")) == "applied"
    assert await money.payment_events.handle(event_id, TOPIC, event(payment, "paid")) == "duplicate"
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, event(payment, "expired")) == "stale"
    assert get(store, order.id, Order).status == "PAID"
    assert get(store, tx_id, Transaction).status == "COMPLETED"
    assert store.jobs == [("booking.issue", {"order_id": str(order.id)})]
    assert [topic for topic, _ in store.events][-1] == "payment.confirmed"


async def test_an_amount_mismatch_or_another_topic_is_ignored(money: MoneyPath, store: Store) -> None:
    order, _tx_id, payment = await ordered_and_charged(money)
    mismatch = event(payment, "paid", gross_amount="1.00")
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, mismatch) == "ignored"
    garbage = event(payment, "paid", gross_amount="NaN")
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, garbage) == "ignored"
    assert await money.payment_events.handle(uuid.uuid4(), "other.topic", event(payment, "paid")) == "ignored"
    assert get(store, order.id, Order).status == "CONFIRMED"


async def test_expired_ends_the_order_and_releases_the_booking(money: MoneyPath, store: Store) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, event(payment, "expired")) == "applied"
    ended = get(store, order.id, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "payment expired")
    assert get(store, tx_id, Transaction).status == "FAILED"
    assert get(store, payment.id, Payment).status == "EXPIRED"
    assert ("booking.release", {"order_id": str(order.id)}) in store.jobs


async def test_paid_after_the_order_ended_is_recorded_and_refunded(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    await money.payment_events.handle(uuid.uuid4(), TOPIC, event(payment, "expired"))
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, event(payment, "paid")) == "applied"
    await run_jobs(money, store)
    assert payments.refunds == [(str(payment.id), f"auto-{payment.id}", payment.amount)]
    assert get(store, payment.id, Payment).status == "REFUNDED"
    assert get(store, tx_id, Transaction).status == "REFUNDED"
    reason = get(store, order.id, Order).failure_reason
    assert reason == "paid after the order was cancelled; refunded in full"


BCA_VA = {
    "method": "bank_transfer",
    "bank": "bca",
    "va_number": "12345678901",
    "expires_at": "2026-12-05T07:00:00+00:00",
}


async def test_where_to_pay_is_announced_once_with_the_order_while_it_waits_for_the_money(
    money: MoneyPath, store: Store
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    pending = event(payment, "pending", payment_type="bank_transfer", payment_instructions=BCA_VA)
    event_id = uuid.uuid4()
    assert await money.payment_events.handle(event_id, TOPIC, pending) == "applied"
    assert await money.payment_events.handle(event_id, TOPIC, pending) == "duplicate"
    [payload] = [p for t, p in store.events if t == "payment.instructions"]
    assert payload["payment_instructions"] == BCA_VA
    assert (payload["order_id"], payload["transaction_id"]) == (str(order.id), str(tx_id))
    assert payload["payment_id"] == str(payment.id)
    assert payload["order"]["order_number"] == order.order_number
    assert get(store, order.id, Order).status == "CONFIRMED"  # nothing moved
    assert get(store, payment.id, Payment).status == "PENDING"


async def test_no_instructions_for_a_paid_payment_a_card_or_garbage(money: MoneyPath, store: Store) -> None:
    _order, _tx_id, payment = await ordered_and_charged(money)
    card = event(payment, "pending", payment_type="credit_card")
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, card) == "stale"
    garbage = event(payment, "pending", payment_instructions={"method": "bank_transfer", "va_number": 7})
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, garbage) == "stale"
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, event(payment, "paid")) == "applied"
    late = event(payment, "pending", payment_instructions=BCA_VA)
    assert await money.payment_events.handle(uuid.uuid4(), TOPIC, late) == "stale"
    assert "payment.instructions" not in [topic for topic, _ in store.events]
