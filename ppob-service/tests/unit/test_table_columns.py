"""The repository's SQL names the tables and their JSONB columns by hand (adapters/db.py): they
must be the ones the migrations create (adapters/tables.py), or a JSON value would go as text."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import JSONB

from adapters.db import BOOKING_JSON_COLUMNS, BOOKINGS, IDEMPOTENCY_KEYS, OFFER_JSON_COLUMNS
from adapters.tables import bookings, idempotency_keys, offers


def _jsonb(table: Table) -> set[str]:
    return {c.name for c in table.c if isinstance(c.type, JSONB)}


def test_the_json_columns_are_the_tables_jsonb_columns() -> None:
    assert set(BOOKING_JSON_COLUMNS) == _jsonb(bookings)
    assert set(OFFER_JSON_COLUMNS) == _jsonb(offers)


def test_the_table_names_are_the_migrated_ones() -> None:
    assert (bookings.name, idempotency_keys.name) == (BOOKINGS, IDEMPOTENCY_KEYS)
