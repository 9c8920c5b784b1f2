"""Paying: one Snap charge for the order's line items and the product's customer, as long as
the hold lives; a still-open charge is reused; a refused charge ends the payment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import HoldExpired, NotFound, PaymentRefused
from domain.ledger import Caller
from domain.money_path import MoneyPath
from domain.ports import ChargeRequest, QuoteItem
from domain.records import Payment, Transaction
from tests.unit.conftest import BUYER, Clock, ordered, ordered_and_charged
from tests.unit.memory import MemoryBookings, MemoryPayments, Store


async def test_paying_charges_for_the_hold_and_reuses_an_open_charge(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    _order, tx_id, payment = await ordered_and_charged(money)
    assert payment.token
    (request,) = payments.requests
    assert request.order_id == str(payment.id)
    assert request.expiry_minutes == 20
    assert (await money.payments.create(BUYER, tx_id)).id == payment.id
    assert len(payments.requests) == 1
    assert store.of(Transaction)[0].status == "PROCESSING"
    with pytest.raises(NotFound):
        await money.payments.create(Caller("someone-else"), tx_id)


async def test_the_charge_lists_the_line_items_and_the_products_customer(
    money: MoneyPath, bookings: MemoryBookings, payments: MemoryPayments
) -> None:
    bookings.total = Decimal("2351139.00")
    bookings.items = (
        QuoteItem("Adult fare CGK-DPS GA 410 2026-12-20", 2, Decimal("1119590.00")),
        QuoteItem("Infant fare CGK-DPS GA 410 2026-12-20", 1, Decimal("111959.00")),
    )
    await ordered_and_charged(money)
    request: ChargeRequest = payments.requests[0]
    assert request.gross_amount == Decimal("2351139.00")
    assert [(i.name, i.price, i.quantity) for i in request.items] == [
        ("Adult fare CGK-DPS GA 410 2026-12-20", Decimal("1119590.00"), 2),
        ("Infant fare CGK-DPS GA 410 2026-12-20", Decimal("111959.00"), 1),
    ]
    assert request.customer == {
        "first_name": "Budi",
        "last_name": "Santoso",
        "email": "budi@example.co.id",
        "phone": "+6281234567890",
    }


async def test_an_expired_hold_or_quote_cannot_be_paid(money: MoneyPath, clock: Clock) -> None:
    _order, tx_id = await ordered(money)
    clock.now = clock.now.replace(hour=3)
    with pytest.raises(HoldExpired):
        await money.payments.create(BUYER, tx_id)


async def test_a_refused_charge_fails_the_payment(
    money: MoneyPath, store: Store, payments: MemoryPayments
) -> None:
    _order, tx_id = await ordered(money)
    payments.create_error = PaymentRefused("invalid-charge", "no", answered_status=422)
    with pytest.raises(PaymentRefused):
        await money.payments.create(BUYER, tx_id)
    assert [p.status for p in store.of(Payment)] == ["FAILED"]
    assert store.of(Transaction)[0].status == "PENDING"
