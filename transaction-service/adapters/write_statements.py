"""The one statement a unit of work's kept writes are sent as, built and compiled once per shape.

A shape is which tables get rows (and with which columns, how many rows) and which rows are
updated (which columns): a booking's steps have a handful of shapes, repeated for every booking.
Compiling a multi-row INSERT … VALUES costs about a millisecond of CPU, more than running it, so
each shape's statement is compiled once (adapters/pg_sql.py) and kept.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, literal_column, select, update

from adapters.pg_sql import Sql, compiled
from adapters.tables import metadata

# Rows kept for insert, per table; updates keyed by (table, the row's id).
Inserts = Mapping[Table, Sequence[Mapping[str, Any]]]
Updates = Mapping[tuple[Table, Any], Mapping[str, Any]]

# (table name, the columns of each row) per insert; (table name, the columns set) per update.
_Shape = tuple[tuple[tuple[str, tuple[tuple[str, ...], ...]], ...], tuple[tuple[str, tuple[str, ...]], ...]]


def write_statement(inserts: Inserts, updates: Updates) -> tuple[Sql, list[Any]]:
    """The statement writing every kept row, and its arguments."""
    shape: _Shape = (
        tuple((table.name, tuple(tuple(row) for row in rows)) for table, rows in inserts.items()),
        tuple((table.name, tuple(values)) for (table, _), values in updates.items()),
    )
    params: dict[str, Any] = {}
    for n, rows in enumerate(inserts.values()):
        for r, row in enumerate(rows):
            params.update({f"i{n}_{r}_{column}": value for column, value in row.items()})
    for n, ((_, key), values) in enumerate(updates.items()):
        params[f"k{n}"] = key
        params.update({f"u{n}_{column}": value for column, value in values.items()})
    statement = _compiled(shape)
    return statement, statement.args(params)


@functools.lru_cache(maxsize=256)
def _compiled(shape: _Shape) -> Sql:
    insert_shapes, update_shapes = shape

    def bind(table: Table, column: str, name: str) -> Any:
        return bindparam(name, type_=table.c[column].type)

    statements: list[Any] = []
    for n, (name, rows) in enumerate(insert_shapes):
        table = metadata.tables[name]
        values = [{c: bind(table, c, f"i{n}_{r}_{c}") for c in columns} for r, columns in enumerate(rows)]
        statements.append(table.insert().values(values))
    for n, (name, columns) in enumerate(update_shapes):
        table = metadata.tables[name]
        statements.append(
            update(table)
            .where(table.c.id == bind(table, "id", f"k{n}"))
            .values({c: bind(table, c, f"u{n}_{c}") for c in columns})
        )
    if len(statements) == 1:
        return compiled(statements[0])
    # Data-modifying CTEs run once and to completion whether or not they are read; foreign keys
    # are checked at the end of the statement, so a transaction may name its new order.
    ctes = [s.cte(f"written_{i}") for i, s in enumerate(statements)]
    return compiled(select(literal_column("1")).add_cte(*ctes))
