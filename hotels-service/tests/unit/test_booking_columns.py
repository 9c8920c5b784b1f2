"""The repository's SQL names the bookings table's JSONB columns by hand (adapters/db.py): they
must be the ones the migrations create (adapters/tables.py), or a document would go as text."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import JSONB

from adapters.db import BOOKING_JSON_COLUMNS, BOOKINGS, IDEMPOTENCY_KEYS
from adapters.tables import bookings, idempotency_keys


def test_the_json_columns_are_the_tables_jsonb_columns() -> None:
    jsonb = {c.name for c in bookings.c if isinstance(c.type, JSONB)}
    assert set(BOOKING_JSON_COLUMNS) == jsonb


def test_the_table_names_are_the_migrated_ones() -> None:
    assert (bookings.name, idempotency_keys.name) == (BOOKINGS, IDEMPOTENCY_KEYS)
