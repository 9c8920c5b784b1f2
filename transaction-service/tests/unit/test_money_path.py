"""The use cases (domain.services.MoneyPath) over in-memory ports: what they decide and write,
without PostgreSQL or HTTP (the API tests cover the same flows end to end on a real database)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.errors import ChargePaid, HoldExpired, InvalidTransition, NotFound, UpstreamProblem
from domain.records import Order, Payment, Refund, Transaction
from domain.services import Caller, MoneyPath
from tests.unit.memory import NOW, MemoryBookings, MemoryPayments, MemoryUnitOfWork, Store

BUYER = Caller("buyer-1")
PASSENGERS = [{"type": "adult", "first_name": "Budi", "last_name": "Santoso", "date_of_birth": "1985-02-03"}]
CONTACT = {"email": "budi@example.co.id", "phone": "+6281234567890"}


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def bookings() -> MemoryBookings:
    return MemoryBookings()


@pytest.fixture
def payments() -> MemoryPayments:
    return MemoryPayments()


@pytest.fixture
def money(store: Store, bookings: MemoryBookings, payments: MemoryPayments) -> MoneyPath:
    return MoneyPath(lambda: MemoryUnitOfWork(store), bookings, payments, lambda: NOW)


async def ordered_and_charged(money: MoneyPath) -> tuple[Order, uuid.UUID, Payment]:
    order, tx_id = await money.create_order(BUYER, "key-1", "flight", "offer-1", PASSENGERS, CONTACT)
    payment = await money.create_payment(BUYER, tx_id)
    return order, tx_id, payment


def event(payment: Payment, status: str, **data: Any) -> dict[str, Any]:
    return {"order_id": str(payment.id), "status": status, "gross_amount": "1500000.00", **data}


async def test_an_order_is_recorded_with_its_transaction_audit_and_event(
    money: MoneyPath, store: Store
) -> None:
    order, tx_id = await money.create_order(BUYER, "key-1", "flight", "offer-1", PASSENGERS, CONTACT)
    assert order.status == "CONFIRMED"
    assert order.total_amount == order.unit_price
    (tx,) = store.of(Transaction)
    assert (tx.id, tx.status, tx.amount) == (tx_id, "PENDING", order.total_amount)
    assert [(a.entity_type, a.to_status) for a in store.audit] == [
        ("order", "CONFIRMED"),
        ("transaction", "PENDING"),
    ]
    assert [topic for topic, _ in store.events] == ["transaction.created"]


async def test_a_hold_that_cannot_be_recorded_is_released(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    store.fail_next_commit = True
    with pytest.raises(RuntimeError):
        await money.create_order(BUYER, "key-1", "flight", "offer-1", PASSENGERS, CONTACT)
    assert store.of(Order) == []
    assert bookings.cancelled == list(bookings.held)


async def test_booking_problems_pass_through_and_record_nothing(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    bookings.hold_error = UpstreamProblem(409, "price-changed", extra={"total_price": "2.00"})
    with pytest.raises(UpstreamProblem):
        await money.create_order(BUYER, "key-1", "flight", "offer-1", PASSENGERS, CONTACT)
    assert store.of(Order) == []


async def test_paying_charges_for_the_hold_and_reuses_an_open_charge(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    _order, tx_id, payment = await ordered_and_charged(money)
    assert payment.token
    assert payments.requests[0].order_id == str(payment.id)
    assert payments.requests[0].expiry_minutes == 20
    assert (await money.create_payment(BUYER, tx_id)).id == payment.id
    assert len(payments.requests) == 1
    assert store.of(Transaction)[0].status == "PROCESSING"
    with pytest.raises(NotFound):
        await money.create_payment(Caller("someone-else"), tx_id)


async def test_an_expired_hold_cannot_be_paid(money: MoneyPath, store: Store) -> None:
    _order, tx_id = await money.create_order(BUYER, "key-1", "flight", "offer-1", PASSENGERS, CONTACT)
    later = MoneyPath(
        lambda: MemoryUnitOfWork(store), MemoryBookings(), MemoryPayments(), lambda: NOW.replace(hour=3)
    )
    with pytest.raises(HoldExpired):
        await later.create_payment(BUYER, tx_id)


async def test_a_paid_event_applies_once_and_queues_the_issue(money: MoneyPath, store: Store) -> None:
    order, _tx_id, payment = await ordered_and_charged(money)
    event_id = uuid.uuid4()
    assert (
        await money.handle_payment_event(event_id, "payment.status_changed", event(payment, "paid"))
        == "applied"
    )
    assert (
        await money.handle_payment_event(event_id, "payment.status_changed", event(payment, "paid"))
        == "duplicate"
    )
    other = uuid.uuid4()
    assert (
        await money.handle_payment_event(other, "payment.status_changed", event(payment, "expired"))
        == "stale"
    )
    assert store.records[order.id].status == "PAID"  # type: ignore[union-attr]
    assert store.jobs == [("booking.issue", {"order_id": str(order.id)})]
    await money.run_job(*store.jobs[0])
    completed = store.records[order.id]
    assert isinstance(completed, Order)
    assert (completed.status, completed.booking_details["tickets"]) == (
        "COMPLETED",
        [{"ticket_number": "975-1"}],
    )


async def test_an_amount_mismatch_is_ignored(money: MoneyPath, store: Store) -> None:
    order, _tx_id, payment = await ordered_and_charged(money)
    data = event(payment, "paid", gross_amount="1.00")
    assert await money.handle_payment_event(uuid.uuid4(), "payment.status_changed", data) == "ignored"
    assert store.records[order.id].status == "CONFIRMED"  # type: ignore[union-attr]


async def test_issue_refused_for_good_refunds_everything(
    money: MoneyPath, store: Store, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    await money.handle_payment_event(uuid.uuid4(), "payment.status_changed", event(payment, "paid"))
    bookings.issue_error = UpstreamProblem(410, "offer-expired")
    await money.run_job("booking.issue", {"order_id": str(order.id)})
    refund_job = store.jobs[-1]
    assert refund_job[0] == "payment.refund"
    await money.run_job(*refund_job)
    assert payments.refunds == [(str(payment.id), f"auto-{payment.id}", payment.amount)]
    tx = store.records[tx_id]
    assert isinstance(tx, Transaction)
    assert (tx.status, tx.refunded_amount) == ("REFUNDED", payment.amount)
    ended = store.records[order.id]
    assert isinstance(ended, Order)
    assert ended.status == "CANCELLED"
    assert ended.failure_reason is not None
    assert "offer-expired" in ended.failure_reason
    assert [r.status for r in store.of(Refund)] == ["SUCCEEDED"]


async def test_a_transient_issue_failure_raises_to_be_retried(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    order, _tx_id, payment = await ordered_and_charged(money)
    await money.handle_payment_event(uuid.uuid4(), "payment.status_changed", event(payment, "paid"))
    bookings.issue_error = UpstreamProblem(503, "supplier-unavailable")
    with pytest.raises(UpstreamProblem):
        await money.run_job("booking.issue", {"order_id": str(order.id)})
    assert store.records[order.id].status == "PAID"  # type: ignore[union-attr]


async def test_cancel_stops_the_charge_unless_it_is_paid(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    payments.charges[str(payment.id)] = "paid"
    with pytest.raises(ChargePaid):
        await money.cancel_transaction(tx_id, BUYER, None)
    payments.charges[str(payment.id)] = "pending"
    cancelled = await money.cancel_transaction(tx_id, BUYER, None)
    assert cancelled.status == "CANCELLED"
    assert store.records[payment.id].status == "CANCELLED"  # type: ignore[union-attr]
    assert store.records[order.id].status == "CANCELLED"  # type: ignore[union-attr]
    assert ("booking.release", {"order_id": str(order.id)}) in store.jobs
    with pytest.raises(InvalidTransition):
        await money.cancel_transaction(tx_id, BUYER, None)


async def test_the_sweeper_ends_expired_holds(money: MoneyPath, store: Store) -> None:
    order, tx_id = await money.create_order(BUYER, "key-1", "flight", "offer-1", PASSENGERS, CONTACT)
    later = MoneyPath(
        lambda: MemoryUnitOfWork(store), MemoryBookings(), MemoryPayments(), lambda: NOW.replace(hour=3)
    )
    assert await later.expire_holds() == 1
    assert store.records[tx_id].status == "FAILED"  # type: ignore[union-attr]
    ended = store.records[order.id]
    assert isinstance(ended, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "hold expired")
    assert await later.expire_holds() == 0
