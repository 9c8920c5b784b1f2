"""The bookings' unit of work straight on the app's one asyncpg pool (adapters/db.py, app.py): a
change is kept only once its unit of work commits, and the booking comes back as it was saved; a
row read for update waits for the unit of work that locked it; and the pool is twice
DATABASE_POOL_SIZE."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from adapters.db import SqlBookingUnitOfWork
from shared.booking_lifecycle import BookingStatus
from testkit.booking_contract import held
from tests.conftest import HotelProduct, make_settings
from tests.fakes import MovableClock


async def test_a_change_is_kept_only_once_its_unit_of_work_commits(
    app: FastAPI, booking_api: httpx.AsyncClient, product: HotelProduct, clock: MovableClock
) -> None:
    reference = (await held(booking_api, product))["booking_reference"]
    async with SqlBookingUnitOfWork(app.state.pool) as uow:
        booking = await uow.bookings.get(reference, for_update=True)
        assert booking is not None
        await uow.bookings.save(booking.moved_to(BookingStatus.CANCELLED, clock()))
    async with SqlBookingUnitOfWork(app.state.pool) as uow:
        unchanged = await uow.bookings.get(reference)
        assert unchanged == booking
        cancelled = booking.moved_to(BookingStatus.CANCELLED, clock(), refund_amount=booking.total)
        await uow.bookings.save(cancelled)
        await uow.commit()
    async with SqlBookingUnitOfWork(app.state.pool) as uow:
        assert await uow.bookings.get(reference) == cancelled


async def test_a_row_read_for_update_waits_for_the_unit_of_work_that_locked_it(
    app: FastAPI, booking_api: httpx.AsyncClient, product: HotelProduct
) -> None:
    reference = (await held(booking_api, product))["booking_reference"]

    async def lock_it() -> str | None:
        async with SqlBookingUnitOfWork(app.state.pool) as second:
            booking = await second.bookings.get(reference, for_update=True)
            return None if booking is None else booking.reference

    async with SqlBookingUnitOfWork(app.state.pool) as first:
        assert await first.bookings.get(reference, for_update=True) is not None
        waiting = asyncio.create_task(lock_it())
        await asyncio.sleep(0.3)
        assert not waiting.done()
    assert await asyncio.wait_for(waiting, timeout=5) == reference


async def test_the_one_pool_holds_up_to_twice_database_pool_size(
    app: FastAPI, booking_api: httpx.AsyncClient
) -> None:
    pool_size = make_settings("postgresql://unused/unused").database.pool_size
    assert app.state.pool.get_max_size() == 2 * pool_size
