"""Transactions by hand (one per order; notes and payment method only while PENDING) and reads
(someone else's record answers like a missing one)."""

from __future__ import annotations

import pytest

from domain.errors import NotEditable, NotFound, TransactionExists
from domain.ledger import Caller
from domain.money_path import MoneyPath
from tests.unit.conftest import BUYER, ordered, ordered_and_charged

STRANGER = Caller("someone-else")
ADMIN = Caller("admin-1", is_admin=True)


async def test_an_order_has_one_transaction(money: MoneyPath) -> None:
    order, tx_id = await ordered(money)
    with pytest.raises(TransactionExists) as caught:
        await money.transactions.create(BUYER, order.id)
    assert caught.value.transaction_id == str(tx_id)
    with pytest.raises(NotFound):
        await money.transactions.create(STRANGER, order.id)


async def test_notes_and_payment_method_only_while_pending(money: MoneyPath) -> None:
    _order, tx_id = await ordered(money)
    updated = await money.transactions.update(tx_id, BUYER, "gopay", "bayar pakai GoPay")
    assert (updated.payment_method, updated.metadata) == ("gopay", {"notes": "bayar pakai GoPay"})
    await money.payments.create(BUYER, tx_id)
    with pytest.raises(NotEditable):
        await money.transactions.update(tx_id, BUYER, "qris", None)


async def test_someone_elses_records_are_not_found_but_an_admin_sees_them(money: MoneyPath) -> None:
    order, tx_id, payment = await ordered_and_charged(money)
    for read in (
        money.reads.order(order.id, STRANGER),
        money.reads.transaction(tx_id, STRANGER),
        money.reads.payment(payment.id, STRANGER),
    ):
        with pytest.raises(NotFound):
            await read
    assert (await money.reads.order(order.id, ADMIN))[1] == tx_id
    assert (await money.reads.payment(payment.id, ADMIN)).id == payment.id
