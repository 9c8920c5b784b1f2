"""The cap on unpaid orders per account: refused before the product is asked to hold anything,
lifted when one is paid, cancelled or its hold runs out, and counted per account."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.errors import TooManyUnpaidOrders
from domain.ledger import Caller
from domain.money_path import build_money_path
from tests.unit.conftest import BUYER, DETAILS, Clock
from tests.unit.memory import MemoryBookings, MemoryPayments, MemoryUnitOfWork, Store


async def test_an_account_at_its_cap_is_refused_before_anything_is_held_and_freed_by_a_cancel(
    store: Store, bookings: MemoryBookings, payments: MemoryPayments, clock: Clock
) -> None:
    money = build_money_path(lambda: MemoryUnitOfWork(store), bookings, payments, clock, max_unpaid_orders=2)
    first, first_tx = await money.create_order(BUYER, "k1", "flight", "offer-1", DETAILS)
    await money.create_order(BUYER, "k2", "flight", "offer-1", DETAILS)
    with pytest.raises(TooManyUnpaidOrders) as refused:
        await money.create_order(BUYER, "k3", "flight", "offer-1", DETAILS)
    assert (refused.value.limit, refused.value.unpaid) == (2, 2)
    assert len(bookings.forwarded) == 2  # the third was never sent to the product
    # Someone else is not held back by this account's orders.
    await money.create_order(Caller("buyer-2"), "k1", "flight", "offer-1", DETAILS)
    # Cancelling one of them makes room again.
    await money.cancel(first_tx, BUYER, "changed my mind")
    order, _ = await money.create_order(BUYER, "k4", "flight", "offer-1", DETAILS)
    assert order.status == "CONFIRMED"
    assert first.id != order.id


async def test_an_order_whose_hold_ran_out_no_longer_counts(
    store: Store, bookings: MemoryBookings, payments: MemoryPayments, clock: Clock
) -> None:
    money = build_money_path(lambda: MemoryUnitOfWork(store), bookings, payments, clock, max_unpaid_orders=1)
    await money.create_order(BUYER, "k1", "flight", "offer-1", DETAILS)
    with pytest.raises(TooManyUnpaidOrders):
        await money.create_order(BUYER, "k2", "flight", "offer-1", DETAILS)
    # The sweeper has not ended it yet, but its hold is over: it keeps nothing from anyone.
    clock.now += timedelta(minutes=21)
    order, _ = await money.create_order(BUYER, "k3", "flight", "offer-1", DETAILS)
    assert order.status == "CONFIRMED"


async def test_a_paid_order_does_not_count(
    store: Store, bookings: MemoryBookings, payments: MemoryPayments, clock: Clock
) -> None:
    money = build_money_path(lambda: MemoryUnitOfWork(store), bookings, payments, clock, max_unpaid_orders=1)
    order, tx_id = await money.create_order(BUYER, "k1", "flight", "offer-1", DETAILS)
    payment = await money.payments.create(BUYER, tx_id)
    data = {"order_id": str(payment.id), "status": "paid", "gross_amount": "1500000.00"}
    assert await money.payment_events.handle(uuid.uuid4(), "payment.status_changed", data) == "applied"
    second, _ = await money.create_order(BUYER, "k2", "flight", "offer-1", DETAILS)
    assert second.id != order.id
