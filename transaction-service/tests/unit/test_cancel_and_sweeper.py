"""Ending an unpaid order: cancel (by the buyer or an admin's status change) stops the charge
first; the sweeper ends orders whose hold or quote lapsed, for every product."""

from __future__ import annotations

import uuid

import pytest

from domain.errors import (
    ChargeNotFound,
    ChargePaid,
    InvalidTransition,
    PaymentServiceUnavailable,
    RefundRequired,
    SetByPayment,
)
from domain.ledger import Caller
from domain.money_path import MoneyPath
from domain.records import Order, Payment, Transaction
from tests.unit.conftest import BUYER, Clock, event, get, ordered, ordered_and_charged, paid
from tests.unit.memory import MemoryBookings, MemoryPayments, Store

ADMIN = Caller("admin-1", is_admin=True)


async def test_cancel_stops_the_charge_unless_it_is_paid(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    payments.charges[str(payment.id)] = "paid"
    with pytest.raises(ChargePaid):
        await money.cancel(tx_id, BUYER, None)
    payments.charges[str(payment.id)] = "pending"
    cancelled = await money.cancel(tx_id, BUYER, None)
    assert cancelled.status == "CANCELLED"
    assert get(store, payment.id, Payment).status == "CANCELLED"
    ended = get(store, order.id, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "cancelled by the customer")
    assert ("booking.release", {"order_id": str(order.id)}) in store.jobs
    with pytest.raises(InvalidTransition):
        await money.cancel(tx_id, BUYER, None)


async def test_a_charge_that_never_reached_the_gateway_is_simply_cancelled(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    _order, tx_id, payment = await ordered_and_charged(money)
    payments.cancel_error = ChargeNotFound("charge-not-found", None, answered_status=404)
    await money.cancel(tx_id, BUYER, "changed my mind")
    assert get(store, payment.id, Payment).status == "CANCELLED"


async def test_admin_status_changes(money: MoneyPath, store: Store) -> None:
    order, tx_id = await ordered(money)
    with pytest.raises(SetByPayment):
        await money.set_order_status(order.id, "PAID", "cash", ADMIN)
    ended, _ = await money.set_order_status(order.id, "CANCELLED", "duplicate", ADMIN)
    assert ended.status == "CANCELLED"
    assert get(store, tx_id, Transaction).status == "CANCELLED"
    paid_order, _tx, _payment = await paid(money)
    with pytest.raises(RefundRequired):
        await money.set_order_status(paid_order.id, "CANCELLED", "x", ADMIN)


@pytest.mark.parametrize("holds_inventory", [True, False])
async def test_the_sweeper_ends_orders_whose_hold_or_quote_lapsed(
    money: MoneyPath, store: Store, bookings: MemoryBookings, clock: Clock, holds_inventory: bool
) -> None:
    bookings.holds_inventory = holds_inventory
    order, tx_id = await ordered(money)
    assert await money.sweeper.expire_holds() == 0
    clock.now = clock.now.replace(hour=3)
    assert await money.sweeper.expire_holds() == 1
    assert get(store, tx_id, Transaction).status == "FAILED"
    ended = get(store, order.id, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "hold expired")
    assert await money.sweeper.expire_holds() == 0


def _stopped_charge_reports_first(money: MoneyPath, payments: MemoryPayments, status: str) -> None:
    """payment-service relays a stopped charge's event quickly: it is applied before the ender's
    last step, as happens when the relay wins the race with the cancel's answer."""

    async def relay(payment_id: str) -> None:
        data = {"order_id": payment_id, "status": status, "gross_amount": "1500000.00"}
        assert await money.payment_events.handle(uuid.uuid4(), "payment.status_changed", data) == "applied"

    payments.on_cancelled = relay


async def test_the_sweeper_ends_an_order_as_hold_expired_when_the_charge_event_comes_back_first(
    money: MoneyPath, store: Store, payments: MemoryPayments, clock: Clock
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    _stopped_charge_reports_first(money, payments, "expired")
    clock.now = clock.now.replace(hour=3)
    assert await money.sweeper.expire_holds() == 1
    ended = get(store, order.id, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "hold expired")
    assert get(store, tx_id, Transaction).status == "FAILED"
    assert get(store, payment.id, Payment).status == "EXPIRED"
    # Ended once: one release, one announcement, the order's move audited as the sweeper's.
    assert store.jobs.count(("booking.release", {"order_id": str(order.id)})) == 1
    assert [topic for topic, _ in store.events].count("transaction.failed") == 1
    moves = [a for a in store.audit if a.entity_type == "order" and a.to_status == "CANCELLED"]
    assert [a.actor for a in moves] == ["system:hold-expiry"]


async def test_a_cancel_whose_charge_event_comes_back_first_still_ends_as_the_buyers_cancel(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, _payment = await ordered_and_charged(money)
    _stopped_charge_reports_first(money, payments, "expired")
    cancelled = await money.cancel(tx_id, BUYER, "plans changed")
    assert cancelled.status == "CANCELLED"
    ended = get(store, order.id, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "plans changed")
    assert [topic for topic, _ in store.events].count("transaction.failed") == 1


async def test_a_cancel_that_could_not_stop_the_charge_leaves_no_ending_behind(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    payments.cancel_error = PaymentServiceUnavailable("payment-unavailable", None, answered_status=503)
    with pytest.raises(PaymentServiceUnavailable):
        await money.cancel(tx_id, BUYER, None)
    assert get(store, order.id, Order).ending is None
    # The charge expires on its own later: the order says so, not "cancelled by the customer".
    outcome = await money.payment_events.handle(
        uuid.uuid4(), "payment.status_changed", event(payment, "expired")
    )
    assert outcome == "applied"
    ended = get(store, order.id, Order)
    assert (ended.status, ended.failure_reason) == ("CANCELLED", "payment expired")
    assert get(store, tx_id, Transaction).status == "FAILED"
