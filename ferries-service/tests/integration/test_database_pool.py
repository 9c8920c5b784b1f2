"""The app's one asyncpg pool (app.py) holds up to twice DATABASE_POOL_SIZE: an issue or a
cancel holds its unit of work's connection (and the booking's row lock) across the supplier's
call. What the unit of work and the bookings' rows do on it is shared.booking_table's, tested in
shared/tests/test_booking_table.py, and the booking contract suite runs through them."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.conftest import make_settings


async def test_the_one_pool_holds_up_to_twice_database_pool_size(
    app: FastAPI, booking_api: httpx.AsyncClient
) -> None:
    pool_size = make_settings("postgresql://unused/unused").database.pool_size
    assert app.state.pool.get_max_size() == 2 * pool_size
