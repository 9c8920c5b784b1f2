"""The jobs after payment: COMPLETED only when the product says `issued`; `pending` keeps the
order PAID and reads the booking again until it is decided; a refusal for good or a `failed`
booking refunds the payer in full; a release the product refuses is audited."""

from __future__ import annotations

import pytest

from domain.errors import BookingRefused, BookingStillPending, ProductUnavailable
from domain.money_path import MoneyPath
from domain.records import Order, Refund, Transaction
from tests.unit.conftest import get, paid, run_jobs
from tests.unit.memory import E_TICKET, MemoryBookings, MemoryPayments, Store


async def test_issued_at_once_completes_the_order_with_its_documents(money: MoneyPath, store: Store) -> None:
    order, _tx_id, _payment = await paid(money)
    assert store.jobs == [("booking.issue", {"order_id": str(order.id)})]
    await run_jobs(money, store)
    done = get(store, order.id, Order)
    assert (done.status, done.booking.status, done.booking.documents) == ("COMPLETED", "issued", [E_TICKET])


async def test_pending_keeps_the_order_paid_until_the_supplier_issues(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    bookings.issue_answers = "pending"
    bookings.later = ["pending", "issued"]
    order, _tx_id, _payment = await paid(money)
    await money.jobs.run(*store.jobs[0])
    waiting = get(store, order.id, Order)
    assert (waiting.status, waiting.booking.status, waiting.booking.documents) == ("PAID", "pending", [])
    assert store.jobs[-1] == ("booking.poll", {"order_id": str(order.id)})
    # Still pending: the job raises, so the work queue reads the booking again later.
    with pytest.raises(BookingStillPending):
        await money.jobs.run(*store.jobs[-1])
    assert get(store, order.id, Order).status == "PAID"
    await money.jobs.run(*store.jobs[-1])
    done = get(store, order.id, Order)
    assert (done.status, done.booking.status, done.booking.documents) == ("COMPLETED", "issued", [E_TICKET])
    assert ("order", "PAID", "COMPLETED", "system:booking.poll") in [
        (a.entity_type, a.from_status, a.to_status, a.actor) for a in store.audit
    ]


async def test_pending_that_fails_refunds_in_full_with_the_suppliers_reason(
    money: MoneyPath, store: Store, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    bookings.issue_answers = "pending"
    bookings.later = ["failed"]
    order, tx_id, payment = await paid(money)
    await run_jobs(money, store)
    assert payments.refunds == [(str(payment.id), f"auto-{payment.id}", payment.amount)]
    tx = get(store, tx_id, Transaction)
    assert (tx.status, tx.refunded_amount) == ("REFUNDED", payment.amount)
    ended = get(store, order.id, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "biller refused the number")
    assert (ended.booking.status, ended.booking.failure_reason) == ("failed", "biller refused the number")
    # A failed booking is over at the supplier: nothing to cancel there.
    assert [topic for topic, _ in store.jobs].count("booking.release") == 0
    assert [r.status for r in store.of(Refund)] == ["SUCCEEDED"]


async def test_issue_refused_for_good_refunds_everything(
    money: MoneyPath, store: Store, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    order, tx_id, payment = await paid(money)
    bookings.issue_error = BookingRefused("hold-expired", None, answered_status=409)
    await run_jobs(money, store)
    assert payments.refunds == [(str(payment.id), f"auto-{payment.id}", payment.amount)]
    assert get(store, tx_id, Transaction).status == "REFUNDED"
    ended = get(store, order.id, Order)
    assert ended.status == "CANCELLED"
    assert ended.failure_reason == "booking could not be issued (hold-expired); refunded in full"
    # The hold is still live at the product: the full refund releases it.
    assert ("booking.release", {"order_id": str(order.id)}) in store.jobs
    assert bookings.cancelled == [order.booking_reference]


async def test_a_transient_issue_failure_raises_to_be_retried(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    order, _tx_id, _payment = await paid(money)
    bookings.issue_error = ProductUnavailable("supplier-unavailable", None, answered_status=503)
    with pytest.raises(ProductUnavailable):
        await money.jobs.run(*store.jobs[0])
    assert get(store, order.id, Order).status == "PAID"
    bookings.issue_error = None
    await money.jobs.run(*store.jobs[0])
    assert get(store, order.id, Order).status == "COMPLETED"


async def test_a_release_the_product_refuses_is_audited_and_the_booking_kept(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    order, _tx_id, _payment = await paid(money)
    await run_jobs(money, store)
    bookings.cancel_error = BookingRefused("not-cancellable", "A delivered token.", answered_status=409)
    await money.jobs.run("booking.release", {"order_id": str(order.id)})
    kept = get(store, order.id, Order)
    assert (kept.status, kept.booking.status) == ("COMPLETED", "issued")
    assert store.audit[-1].reason == "booking not cancelled at the provider (not-cancellable)"


async def test_a_release_records_the_suppliers_refund_amount(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    order, _tx_id, _payment = await paid(money)
    await run_jobs(money, store)
    await money.jobs.run("booking.release", {"order_id": str(order.id)})
    released = get(store, order.id, Order)
    assert (released.booking.status, str(released.booking.refund_amount)) == ("cancelled", "1350000.00")
    assert released.booking.documents == [E_TICKET]  # kept, void now
    assert store.audit[-1].reason == "booking issued → cancelled at the provider"


async def test_a_retried_issue_of_a_pending_booking_does_not_follow_it_twice(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    bookings.issue_answers = "pending"
    order, _tx_id, _payment = await paid(money)
    await money.jobs.run("booking.issue", {"order_id": str(order.id)})
    await money.jobs.run("booking.issue", {"order_id": str(order.id)})
    assert [topic for topic, _ in store.jobs].count("booking.poll") == 1
