"""The repositories' statements (plain SQL, adapters/db.py) name every column of their table, in
its order, as adapters/tables.py declares it for the migrations: a column added to one and not
the other fails here, not on a request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Table

from adapters import db
from adapters.tables import processed_events, profiles
from shared.db import Statement


def named_columns(statement: Statement) -> list[str]:
    """The select list of a SELECT, or the column list of an INSERT."""
    found = re.search(r"SELECT\s+(.*?)\s+FROM|INSERT INTO \w+\s*\((.*?)\)", statement.sql, re.S)
    assert found is not None, statement.sql
    return [name.strip() for name in (found.group(1) or found.group(2)).split(",")]


@pytest.mark.parametrize("statement", [db.GET, db.GET_LOCKED, db.ADD])
def test_a_whole_profile_statement_names_every_column_of_the_table(statement: Statement) -> None:
    assert named_columns(statement) == list(profiles.c.keys())


def test_a_save_rewrites_every_column_but_the_key_and_the_creation_time() -> None:
    set_list = re.search(r"SET\s+(.*?)\s+WHERE", db.SAVE.sql, re.S)
    assert set_list is not None
    assigned = [part.split("=")[0].strip() for part in set_list.group(1).split(",")]
    assert assigned == [c.name for c in profiles.c if c.name not in ("user_id", "created_at")]


def test_the_row_codec_covers_every_column_of_the_table() -> None:
    assert set(db._PLAIN_COLUMNS) | set(db._SEALED_COLUMNS) == set(profiles.c.keys())


@pytest.mark.parametrize(
    ("statement", "table"),
    [(db.MESSAGE_PREFERENCES, profiles), (db.RECORD_EVENT, processed_events)],
)
def test_a_partial_statement_names_only_columns_of_its_table(statement: Statement, table: Table) -> None:
    assert set(named_columns(statement)) <= set(table.c.keys())
