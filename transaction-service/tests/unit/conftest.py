"""The use cases over in-memory ports (tests/unit/memory.py): what each decides and writes,
without PostgreSQL or HTTP. The API tests cover the same flows on a real database."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest

from domain.ledger import Caller
from domain.money_path import MoneyPath, build_money_path
from domain.records import Order, Payment, Record
from tests.unit.memory import NOW, MemoryBookings, MemoryPayments, MemoryUnitOfWork, Store

BUYER = Caller("buyer-1")
DETAILS: dict[str, Any] = {
    "passengers": [
        {"type": "adult", "first_name": "Budi", "last_name": "Santoso", "date_of_birth": "1985-02-03"}
    ],
    "contact": {"email": "budi@example.co.id", "phone": "0812-3456-7890"},
}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


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
def clock() -> Clock:
    return Clock()


@pytest.fixture
def money(store: Store, bookings: MemoryBookings, payments: MemoryPayments, clock: Clock) -> MoneyPath:
    return build_money_path(lambda: MemoryUnitOfWork(store), bookings, payments, clock)


def get(store: Store, record_id: uuid.UUID, kind: type[Any]) -> Any:
    record: Record | None = store.records.get(record_id)
    assert isinstance(record, kind)
    return record


async def ordered(money: MoneyPath, service_type: str = "flight") -> tuple[Order, uuid.UUID]:
    return await money.create_order(BUYER, "key-1", service_type, "offer-1", DETAILS)


async def ordered_and_charged(money: MoneyPath) -> tuple[Order, uuid.UUID, Payment]:
    order, tx_id = await ordered(money)
    payment = await money.payments.create(BUYER, tx_id)
    return order, tx_id, payment


def event(payment: Payment, status: str, **data: Any) -> dict[str, Any]:
    return {"order_id": str(payment.id), "status": status, "gross_amount": "1500000.00", **data}


async def paid(money: MoneyPath) -> tuple[Order, uuid.UUID, Payment]:
    """Ordered, charged and paid: the order PAID with its booking.issue job queued."""
    order, tx_id, payment = await ordered_and_charged(money)
    outcome = await money.payment_events.handle(
        uuid.uuid4(), "payment.status_changed", event(payment, "paid")
    )
    assert outcome == "applied"
    return order, tx_id, payment


async def run_jobs(money: MoneyPath, store: Store, start: int = 0) -> int:
    """Runs the queued jobs from `start` in order (jobs may queue more); returns where it ended."""
    done = start
    while done < len(store.jobs):
        await money.jobs.run(*store.jobs[done])
        done += 1
    return done
