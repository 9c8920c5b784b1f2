"""A customer cancels an order: unpaid, it ends like a cancelled transaction; paid, the product
cancels the booking first and the payer gets back what its cancellation policy allows (the
booking's refund_amount, never more than is left; null = everything; "0.00" = nothing); a refusal
or an outage of the product changes nothing; the refund is made once, however often it is asked."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domain.errors import BookingRefused, InvalidTransition, NotFound, ProductTimeout, ProductUnavailable
from domain.ledger import Caller
from domain.money_path import MoneyPath
from domain.records import Order, Payment, Refund, Transaction
from tests.unit.conftest import BUYER, get, ordered_and_charged, paid, run_jobs
from tests.unit.memory import MemoryBookings, MemoryPayments, Store

ADMIN = Caller("admin-1", is_admin=True)
STRANGER = Caller("someone-else")


async def completed(money: MoneyPath, store: Store) -> tuple[Order, uuid.UUID, Payment, int]:
    """Paid and issued; returns where the job list ended."""
    order, tx_id, payment = await paid(money)
    done = await run_jobs(money, store)
    assert get(store, order.id, Order).status == "COMPLETED"
    return order, tx_id, payment, done


def refund_jobs(store: Store, start: int) -> list[dict[str, object]]:
    return [payload for topic, payload in store.jobs[start:] if topic == "payment.refund"]


async def test_an_unpaid_order_is_cancelled_like_its_transaction(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    ended, transaction_id = await money.cancel_order(order.id, BUYER, None)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "cancelled by the customer")
    assert transaction_id == tx_id
    assert payments.charges[str(payment.id)] == "cancelled"
    assert get(store, tx_id, Transaction).status == "CANCELLED"
    assert ("booking.release", {"order_id": str(order.id)}) in store.jobs
    assert refund_jobs(store, 0) == []


async def test_a_completed_order_is_refunded_what_the_supplier_gives_back(
    money: MoneyPath, store: Store, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    order, tx_id, payment, done = await completed(money, store)
    ended, _ = await money.cancel_order(order.id, BUYER, None)
    reason = "cancelled by the customer; refund Rp1.350.000 per the supplier's cancellation policy"
    assert (ended.status, ended.failure_reason) == ("CANCELLED", reason)
    assert (ended.booking.status, ended.booking.refund_amount) == ("cancelled", Decimal("1350000.00"))
    assert bookings.cancelled == [order.booking_reference]
    assert refund_jobs(store, done) == [
        {
            "payment_id": str(payment.id),
            "amount": "1350000.00",
            "reason": reason,
            "refund_key": f"cancel-{payment.id}",
        }
    ]
    await run_jobs(money, store, done)
    assert payments.refunds == [(str(payment.id), f"cancel-{payment.id}", Decimal("1350000.00"))]
    # A fee was kept: the transaction stays COMPLETED with what was refunded; the order is over.
    tx = get(store, tx_id, Transaction)
    assert (tx.status, tx.refunded_amount) == ("COMPLETED", Decimal("1350000.00"))
    assert get(store, payment.id, Payment).status == "PARTIALLY_REFUNDED"
    assert get(store, order.id, Order).status == "CANCELLED"
    assert [r.status for r in store.of(Refund)] == ["SUCCEEDED"]
    assert [topic for topic, _ in store.events].count("refund.processed") == 1
    # The booking is already cancelled at the product: nothing is released again.
    assert [topic for topic, _ in store.jobs[done:]].count("booking.release") == 0
    trail = [(a.entity_type, a.from_status, a.to_status, a.actor) for a in store.audit]
    assert ("order", "COMPLETED", "COMPLETED", BUYER.account_id) in trail  # booking issued → cancelled
    assert ("order", "COMPLETED", "CANCELLED", BUYER.account_id) in trail
    assert ("refund", None, "PENDING", "system:payment.refund") in trail
    assert ("refund", "PENDING", "SUCCEEDED", "system:payment.refund") in trail


async def test_a_paid_booking_never_issued_is_refunded_in_full(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    """The issue job has not run yet: the hold is released (no refund_amount) and the payer gets
    everything back; the issue job then finds the order ended."""
    order, tx_id, payment = await paid(money)
    ended, _ = await money.cancel_order(order.id, BUYER, "wrong date")
    assert ended.failure_reason == "wrong date; refund Rp1.500.000 per the supplier's cancellation policy"
    await run_jobs(money, store)
    assert payments.refunds == [(str(payment.id), f"cancel-{payment.id}", Decimal("1500000.00"))]
    tx = get(store, tx_id, Transaction)
    assert (tx.status, tx.refunded_amount) == ("REFUNDED", Decimal("1500000.00"))
    assert get(store, order.id, Order).status == "CANCELLED"


async def test_a_supplier_that_names_no_amount_refunds_everything(
    money: MoneyPath, store: Store, bookings: MemoryBookings
) -> None:
    bookings.cancel_refund = None
    order, tx_id, _payment, done = await completed(money, store)
    await money.cancel_order(order.id, BUYER, None)
    await run_jobs(money, store, done)
    assert get(store, tx_id, Transaction).status == "REFUNDED"


async def test_a_non_refundable_booking_is_cancelled_with_no_refund(
    money: MoneyPath, store: Store, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    bookings.cancel_refund = Decimal("0.00")
    order, tx_id, _payment, done = await completed(money, store)
    ended, _ = await money.cancel_order(order.id, BUYER, None)
    reason = "cancelled by the customer; no refund under the supplier's cancellation policy"
    assert (ended.status, ended.failure_reason) == ("CANCELLED", reason)
    assert refund_jobs(store, done) == []
    assert payments.refunds == []
    tx = get(store, tx_id, Transaction)
    assert (tx.status, tx.refunded_amount) == ("COMPLETED", Decimal("0.00"))


async def test_never_more_than_is_left_after_an_earlier_partial_refund(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, payment, done = await completed(money, store)
    await money.refunds.of_transaction(tx_id, Decimal("500000"), "goodwill", "k1", ADMIN)
    ended, _ = await money.cancel_order(order.id, ADMIN, None)
    assert ended.failure_reason == (
        "cancelled by an admin; refund Rp1.000.000 per the supplier's cancellation policy"
    )
    await run_jobs(money, store, done)
    assert [amount for _, _, amount in payments.refunds] == [Decimal("500000.00"), Decimal("1000000.00")]
    tx = get(store, tx_id, Transaction)
    assert (tx.status, tx.refunded_amount) == ("REFUNDED", Decimal("1500000.00"))
    assert get(store, payment.id, Payment).status == "REFUNDED"


@pytest.mark.parametrize(
    "refusal",
    [
        BookingRefused("not-cancellable", "The sailing has left.", answered_status=409),
        ProductUnavailable("supplier-unavailable", None, answered_status=503),
        ProductTimeout("supplier-timeout", None, answered_status=504),
    ],
)
async def test_a_refusal_or_an_outage_of_the_product_changes_nothing(
    money: MoneyPath, store: Store, bookings: MemoryBookings, refusal: Exception
) -> None:
    order, tx_id, _payment, done = await completed(money, store)
    audited = len(store.audit)
    bookings.cancel_error = refusal
    with pytest.raises(type(refusal)):
        await money.cancel_order(order.id, BUYER, None)
    same = get(store, order.id, Order)
    assert (same.status, same.booking.status, same.failure_reason) == ("COMPLETED", "issued", None)
    assert get(store, tx_id, Transaction).status == "COMPLETED"
    assert (len(store.jobs), len(store.audit)) == (done, audited)
    # Asked again once the product answers: it goes through.
    bookings.cancel_error = None
    ended, _ = await money.cancel_order(order.id, BUYER, None)
    assert ended.status == "CANCELLED"


async def test_someone_elses_order_is_not_found_and_a_cancelled_one_cannot_be_cancelled_again(
    money: MoneyPath, store: Store, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    order, _tx_id, _payment, done = await completed(money, store)
    with pytest.raises(NotFound):
        await money.cancel_order(order.id, STRANGER, None)
    with pytest.raises(NotFound):
        await money.cancel_order(uuid.uuid4(), BUYER, None)
    assert bookings.cancelled == []
    await money.cancel_order(order.id, BUYER, None)
    with pytest.raises(InvalidTransition):
        await money.cancel_order(order.id, BUYER, None)
    assert len(refund_jobs(store, done)) == 1


async def test_the_refund_is_made_once_however_often_its_job_runs(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, _payment, done = await completed(money, store)
    await money.cancel_order(order.id, BUYER, None)
    (job,) = refund_jobs(store, done)
    for _ in range(3):
        await money.jobs.run("payment.refund", job)
    assert len(payments.refunds) == 1
    assert get(store, tx_id, Transaction).refunded_amount == Decimal("1350000.00")


async def test_a_cancel_racing_the_automatic_refund_of_a_failed_booking_refunds_once(
    money: MoneyPath, store: Store, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    """Issuing failed for good (the automatic full refund is queued, the order still PAID) when
    the customer cancels: both refunds are queued, the second finds nothing left to refund."""
    bookings.issue_error = BookingRefused("supplier-rejected", None, answered_status=502)
    order, tx_id, payment = await paid(money)
    await money.jobs.run(*store.jobs[0])  # issue → refused → automatic refund queued, not run
    ended, _ = await money.cancel_order(order.id, BUYER, None)
    assert ended.status == "CANCELLED"
    await run_jobs(money, store, 1)
    assert [key for _, key, _ in payments.refunds] == [f"auto-{payment.id}"]
    tx = get(store, tx_id, Transaction)
    assert (tx.status, tx.refunded_amount) == ("REFUNDED", Decimal("1500000.00"))
