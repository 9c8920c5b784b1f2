"""How every product's bookings table keeps the contract's parts: quote lines and documents read
back exactly, the status check names the statuses the product allows, and rows are added, read
(locked or not) and saved by reference on a real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa

from shared.booking_lifecycle import BookingStatus, Document, LineItem
from shared.booking_table import (
    BookingRows,
    Row,
    documents_from_json,
    documents_to_json,
    line_items_from_json,
    line_items_to_json,
    money_or_none,
)
from shared.db import Parameters, Statement
from shared.schema import NAMING_CONVENTION, status_check
from shared.settings import to_asyncpg_url
from testkit.postgres import asyncpg_pool, sessions_with_tables

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("reference", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("quote", sa.JSON, nullable=False),
    sa.Column("refund_amount", sa.Numeric(14, 2), nullable=True),
    status_check((BookingStatus.HELD, BookingStatus.ISSUED, BookingStatus.CANCELLED)),
)


@dataclass(frozen=True)
class Trip:
    reference: str
    status: BookingStatus
    quote: tuple[LineItem, ...]
    refund_amount: Decimal | None = None


def to_row(t: Trip) -> dict[str, Any]:
    return {
        "reference": t.reference,
        "status": t.status.value,
        "quote": line_items_to_json(t.quote),
        "refund_amount": t.refund_amount,
    }


def from_row(row: Row) -> Trip:
    return Trip(
        row["reference"],
        BookingStatus(row["status"]),
        line_items_from_json(row["quote"]),
        money_or_none(row["refund_amount"]),
    )


def test_quote_lines_and_documents_read_back_exactly() -> None:
    lines = (LineItem("Adult fare MRK-BKH", 2, Decimal("22700")), LineItem("Promo", 1, Decimal("-500.50")))
    stored = line_items_to_json(lines)
    assert [line["unit_price"] for line in stored] == ["22700.00", "-500.50"]
    assert line_items_from_json(stored) == lines
    documents = (Document("e-ticket", "TKT-1", "E-ticket Siti Rahayu", {"boarding_code": "BC1"}),)
    assert documents_from_json(documents_to_json(documents)) == documents
    assert money_or_none(None) is None
    assert money_or_none("0.00") == Decimal("0")


def test_the_status_check_names_the_products_statuses() -> None:
    check = status_check((BookingStatus.HELD, BookingStatus.ISSUED))
    assert (check.name, str(check.sqltext)) == ("status_known", "status IN ('held', 'issued')")
    assert str(status_check().sqltext).count("'") == 2 * len(BookingStatus)


@pytest.fixture(scope="module")
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("booking_table"))


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The product's pool, as its unit of work holds a connection of it (the tables made first)."""
    async with sessions_with_tables(database_url, metadata), asyncpg_pool(database_url) as made:
        yield made


async def test_rows_are_added_read_and_saved_by_reference(pool: asyncpg.Pool) -> None:
    trip = Trip("B1", BookingStatus.HELD, (LineItem("Adult fare", 1, Decimal("44200.00")),))
    async with pool.acquire() as connection, connection.transaction():
        rows = BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"])
        await rows.add(trip)
        await rows.add(replace(trip, reference="B2"))
    async with pool.acquire() as connection, connection.transaction():
        rows = BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"])
        locked = await rows.get("B1", for_update=True)
        assert locked == trip
        await rows.save(replace(trip, status=BookingStatus.CANCELLED, refund_amount=Decimal("33150.00")))
    async with pool.acquire() as connection:
        rows = BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"])
        assert await rows.get("B1") == replace(
            trip, status=BookingStatus.CANCELLED, refund_amount=Decimal("33150.00")
        )
        assert (await rows.get("B2")) == replace(trip, reference="B2")
        assert await rows.get("B3") is None
        # The JSON column holds JSON (an array), not a string of it.
        assert (
            await connection.fetchval("SELECT json_typeof(quote) FROM bookings WHERE reference = 'B1'")
            == "array"
        )


async def test_a_lookup_of_the_products_own_finds_its_booking(pool: asyncpg.Pool) -> None:
    trip = Trip("B9", BookingStatus.ISSUED, (LineItem("Adult fare", 1, Decimal("44200.00")),))
    by_status = Statement("SELECT * FROM bookings WHERE status = :status")
    async with pool.acquire() as connection:
        rows = BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"])
        await rows.add(trip)
        assert await rows.first(by_status.sql, *by_status.args(status="issued")) == trip
        params = Parameters()
        assert (
            await rows.first(f"SELECT * FROM bookings WHERE reference = {params.add('none')}", *params)
            is None
        )


async def test_a_row_read_for_update_waits_for_the_transaction_that_locked_it(pool: asyncpg.Pool) -> None:
    trip = Trip("B7", BookingStatus.HELD, (LineItem("Adult fare", 1, Decimal("44200.00")),))
    async with pool.acquire() as connection:
        await BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"]).add(trip)

    async def lock_it() -> Trip | None:
        async with pool.acquire() as connection, connection.transaction():
            return await BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"]).get(
                "B7", for_update=True
            )

    async with pool.acquire() as connection, connection.transaction():
        assert (
            await BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"]).get(
                "B7", for_update=True
            )
            == trip
        )
        waiting = asyncio.create_task(lock_it())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # issue and cancel of one booking are serialised
    assert await asyncio.wait_for(waiting, timeout=5) == trip


async def test_a_status_the_product_does_not_allow_is_refused_by_the_table(pool: asyncpg.Pool) -> None:
    trip = Trip("B1", BookingStatus.PENDING, (LineItem("Adult fare", 1, Decimal("44200.00")),))
    with pytest.raises(asyncpg.CheckViolationError, match="ck_bookings_status_known"):
        async with pool.acquire() as connection, connection.transaction():
            await BookingRows(connection, "bookings", to_row, from_row, json_columns=["quote"]).add(trip)
