"""The SQL repository on a real PostgreSQL at the Alembic head: offers and bookings round-trip with
their money and documents, the admin list filters by status newest first, pending ones come due
in order and are claimed by one checker at a time (the earliest check tells an idle checker when
to look again), a callback delivery id is recorded once, the margin is kept."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from adapters.db import SqlUnitOfWork
from domain.models import Booking, Category, Margin, Offer
from shared.booking_lifecycle import BookingStatus, Customer, Document, LineItem
from shared.db import create_asyncpg_pool
from shared.settings import DatabaseSettings

FAR_FUTURE = datetime(2031, 1, 1, tzinfo=UTC)


@pytest.fixture
async def pool(migrated_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_asyncpg_pool(DatabaseSettings(DATABASE_URL=migrated_database_url))  # type: ignore[call-arg]
    yield pool
    await pool.close()


def booking(status: BookingStatus, next_check_at: datetime | None = None) -> Booking:
    now = datetime(2030, 12, 4, 3, 0, tzinfo=UTC)
    return Booking(
        reference=str(uuid.uuid4()),
        offer_id="ppob_x",
        status=status,
        product_code="pln",
        product_name="PLN Pascabayar",
        category=Category.POSTPAID,
        customer_no="530000000016",
        lines=(
            LineItem("bill 10/2030", 1, Decimal("198000.00")),
            LineItem("Late penalty", 1, Decimal("5000.00")),
        ),
        cost=Decimal("201000.00"),
        customer=Customer("Siti", "Rahayu", "siti@example.co.id", "+6281234567890"),
        details={"customer_name": "SITI RAHAYU"},
        hold_expires_at=now,
        created_at=now,
        updated_at=now,
        documents=(Document("receipt", "REF1", "Receipt", {"total": "Rp203.000"}),),
        next_check_at=next_check_at,
    )


async def test_a_booking_round_trips_and_pending_ones_come_due_in_order(
    pool: asyncpg.Pool,
) -> None:
    later = booking(BookingStatus.PENDING, FAR_FUTURE + timedelta(seconds=20))
    sooner = booking(BookingStatus.PENDING, FAR_FUTURE + timedelta(seconds=10))
    issued = booking(BookingStatus.ISSUED)
    async with SqlUnitOfWork(pool) as uow:
        for b in (later, sooner, issued):
            await uow.repo.add_booking(b)
        await uow.commit()
    async with SqlUnitOfWork(pool) as uow:
        assert await uow.repo.get_booking(issued.reference, for_update=True) == issued
        due = await uow.repo.due_for_check(FAR_FUTURE + timedelta(seconds=30), 100)
    assert [r for r in due if r in (later.reference, sooner.reference)] == [sooner.reference, later.reference]
    assert issued.reference not in due


async def test_an_offer_round_trips_with_its_lines_and_details(pool: asyncpg.Pool) -> None:
    now = datetime(2030, 12, 4, 3, 0, tzinfo=UTC)
    offer = Offer(
        f"ppob_{uuid.uuid4().hex[:12]}",
        "pln",
        "PLN Pascabayar",
        Category.POSTPAID,
        "PLN",
        "530000000016",
        (LineItem("bill 10/2030", 1, Decimal("198000.00")), LineItem("Admin fee", 1, Decimal("2500.00"))),
        Decimal("199000.00"),
        {"customer_name": "SITI RAHAYU", "periods": ["202510"], "penalty": None},
        now,
        now + timedelta(minutes=15),
    )
    async with SqlUnitOfWork(pool) as uow:
        await uow.repo.add_offer(offer)
        await uow.commit()
    async with SqlUnitOfWork(pool) as uow:
        assert await uow.repo.get_offer(offer.offer_id) == offer
        assert await uow.repo.get_offer("ppob_unknown") is None


async def test_the_admin_list_filters_by_status_newest_first_and_counts_them(pool: asyncpg.Pool) -> None:
    newest_first = [
        dataclasses.replace(booking(BookingStatus.CANCELLED), created_at=datetime(2040, 1, day, tzinfo=UTC))
        for day in (3, 2)
    ]
    failed = dataclasses.replace(booking(BookingStatus.FAILED), created_at=datetime(2040, 1, 4, tzinfo=UTC))
    async with SqlUnitOfWork(pool) as uow:
        _, cancelled_before = await uow.repo.list_bookings(BookingStatus.CANCELLED, 1, 0)
        for b in (*newest_first, failed):
            await uow.repo.add_booking(b)
        await uow.commit()
    async with SqlUnitOfWork(pool) as uow:
        cancelled, total = await uow.repo.list_bookings(BookingStatus.CANCELLED, 2, 0)
        assert (cancelled, total) == (newest_first, cancelled_before + 2)
        second, _ = await uow.repo.list_bookings(BookingStatus.CANCELLED, 1, 1)
        assert second == newest_first[1:]
        every, every_total = await uow.repo.list_bookings(None, 3, 0)
        assert every == [failed, *newest_first]
        assert every_total >= total + 1


async def test_a_purchase_another_replica_is_checking_is_skipped_and_one_not_due_is_not_claimed(
    pool: asyncpg.Pool,
) -> None:
    pending = booking(BookingStatus.PENDING, FAR_FUTURE + timedelta(seconds=10))
    async with SqlUnitOfWork(pool) as uow:
        await uow.repo.add_booking(pending)
        await uow.commit()
    due_time = FAR_FUTURE + timedelta(seconds=30)
    async with SqlUnitOfWork(pool) as first:
        assert await first.repo.claim_due(pending.reference, due_time) == pending
        async with SqlUnitOfWork(pool) as second:  # the other replica, while the first asks
            assert await second.repo.claim_due(pending.reference, due_time) is None
    async with SqlUnitOfWork(pool) as uow:
        assert await uow.repo.claim_due(pending.reference, due_time) == pending
        assert await uow.repo.claim_due(pending.reference, FAR_FUTURE) is None  # not due yet


async def test_the_earliest_check_of_a_pending_purchase_is_when_an_idle_checker_looks_again(
    pool: asyncpg.Pool,
) -> None:
    earliest = datetime(2000, 1, 1, tzinfo=UTC)  # before any other test's purchases
    pending = booking(BookingStatus.PENDING, earliest)
    settled = booking(BookingStatus.ISSUED, earliest - timedelta(days=1))  # not pending: ignored
    async with SqlUnitOfWork(pool) as uow:
        for b in (pending, settled):
            await uow.repo.add_booking(b)
        await uow.commit()
    try:
        async with SqlUnitOfWork(pool) as uow:
            assert await uow.repo.next_check_at() == earliest
    finally:
        async with SqlUnitOfWork(pool) as uow:  # settled: no other test checks it
            await uow.repo.save_booking(pending.move(BookingStatus.ISSUED, earliest, next_check_at=None))
            await uow.commit()


async def test_a_delivery_id_is_recorded_once_and_the_margin_is_kept(
    pool: asyncpg.Pool,
) -> None:
    delivery = str(uuid.uuid4())
    async with SqlUnitOfWork(pool) as uow:
        assert await uow.repo.first_delivery(delivery, "ref")
        assert not await uow.repo.first_delivery(delivery, "ref")
        await uow.repo.set_margin(Margin(Decimal("1500"), Decimal("1.25")))
        await uow.repo.set_margin(Margin(Decimal("2000"), Decimal("0.5")))
        await uow.commit()
    async with SqlUnitOfWork(pool) as uow:
        assert await uow.repo.get_margin() == Margin(Decimal("2000"), Decimal("0.5"))
        await uow.repo.set_margin(Margin())  # the session's other tests price with the default
        await uow.commit()
