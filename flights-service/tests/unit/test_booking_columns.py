"""The bookings' SQL (adapters/unit_of_work.py) and their row codec (adapters/db.py) name the
table's columns by hand: they must be the ones the migrations create (adapters/tables.py), or a
row would come back short, or a document go as text."""

from __future__ import annotations

import re

from sqlalchemy.dialects.postgresql import JSONB

from adapters.db import JSON_COLUMNS
from adapters.tables import bookings
from adapters.unit_of_work import BY_KEY, BY_REFERENCE, BY_REFERENCE_LOCKED, INSERT, UPDATE
from shared.db import Statement

COLUMNS = tuple(column.name for column in bookings.c)


def selected(statement: Statement) -> tuple[str, ...]:
    match = re.search(r"SELECT(.*?)FROM", statement.sql, re.DOTALL)
    assert match is not None
    return tuple(name.strip() for name in match.group(1).split(","))


def test_a_booking_is_read_inserted_and_saved_whole() -> None:
    assert selected(BY_REFERENCE) == selected(BY_REFERENCE_LOCKED) == selected(BY_KEY) == COLUMNS
    assert INSERT.names == COLUMNS
    assert set(UPDATE.names) == set(COLUMNS)  # the reference is its key


def test_the_json_columns_are_the_tables_jsonb_columns() -> None:
    assert set(JSON_COLUMNS) == {column.name for column in bookings.c if isinstance(column.type, JSONB)}
