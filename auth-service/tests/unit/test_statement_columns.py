"""The repositories' statements (plain SQL, adapters/repositories.py and adapters/account_states.py)
name every column of their table, in its order, as adapters/tables.py declares it for the
migrations: a column added to one and not the other fails here, not on a request."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Table

from adapters import account_states, repositories
from adapters.tables import accounts, refresh_tokens
from shared.db import Statement


def named_columns(statement: Statement) -> list[str]:
    """The select list of a SELECT, or the column list of an INSERT."""
    found = re.search(r"SELECT\s+(.*?)\s+FROM|INSERT INTO \w+\s*\((.*?)\)", statement.sql, re.S)
    assert found is not None, statement.sql
    return [name.strip() for name in (found.group(1) or found.group(2)).split(",")]


@pytest.mark.parametrize(
    ("statement", "table"),
    [
        (repositories.ADD_ACCOUNT, accounts),
        (repositories.ACCOUNT_BY_ID, accounts),
        (repositories.ACCOUNT_BY_ID_LOCKED, accounts),
        (repositories.ACCOUNT_BY_EMAIL, accounts),
        (account_states.ACCOUNTS_BY_IDS, accounts),
        (repositories.ADD_REFRESH_TOKEN, refresh_tokens),
        (repositories.REFRESH_TOKEN_BY_HASH_LOCKED, refresh_tokens),
    ],
)
def test_a_whole_row_statement_names_every_column_of_its_table(statement: Statement, table: Table) -> None:
    assert named_columns(statement) == list(table.c.keys())


def test_an_update_sets_only_columns_of_the_table() -> None:
    set_list = re.search(r"SET\s+(.*?)\s+WHERE", repositories.SAVE_ACCOUNT.sql, re.S)
    assert set_list is not None
    assigned = [part.split("=")[0].strip() for part in set_list.group(1).split(",")]
    assert set(assigned) <= set(accounts.c.keys())
    assert "id" not in assigned
    assert "created_at" not in assigned
