"""The service's SQL names the JSONB columns by hand (adapters/json_columns.py): they must be the
ones the migrations create (adapters/tables.py), or a document would go as a Python object, and
no other column of the tables the unit of work writes may share one of their names."""

from __future__ import annotations

from sqlalchemy.types import JSON

from adapters import tables
from adapters.json_columns import JSON_COLUMNS

# The tables the unit of work reads and writes (adapters/repository.py).
WRITTEN = (
    tables.orders,
    tables.transactions,
    tables.payments,
    tables.refunds,
    tables.audit_log,
    tables.outbox,
    tables.work_queue,
)


def test_the_json_columns_are_the_tables_json_columns() -> None:
    json_columns = {c.name for table in WRITTEN for c in table.c if isinstance(c.type, JSON)}
    assert json_columns == JSON_COLUMNS


def test_no_other_column_has_the_name_of_a_json_column() -> None:
    others = {c.name for table in WRITTEN for c in table.c if not isinstance(c.type, JSON)}
    assert others.isdisjoint(JSON_COLUMNS), others & JSON_COLUMNS
