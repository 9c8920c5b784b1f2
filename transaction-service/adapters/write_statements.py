"""The one statement a unit of work's kept writes are sent as, its SQL written once per shape.

A shape is which tables get rows (with which columns, how many rows) and which rows are updated
(which columns): a booking's steps have a handful of shapes, repeated for every booking, so each
shape's SQL is built once and kept (and asyncpg prepares it once per connection).

Several writes go as data-modifying CTEs of one statement: each runs once and to completion
whether or not it is read, and foreign keys are checked at the end of the statement, so a
transaction may name its new order. No parameter is cast: each stands where the server infers
its type from the column it goes to (an INSERT target, a SET, `id =`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.json_columns import encoded

# Rows kept for insert, per table name; updates keyed by (table name, the row's id).
Inserts = Mapping[str, Sequence[Mapping[str, Any]]]
Updates = Mapping[tuple[str, Any], Mapping[str, Any]]

# (table, the rows' columns, how many rows) per insert; (table, the columns set) per update.
_Shape = tuple[tuple[tuple[str, tuple[str, ...], int], ...], tuple[tuple[str, tuple[str, ...]], ...]]


def write_statement(inserts: Inserts, updates: Updates) -> tuple[str, list[Any]]:
    """The SQL writing every kept row, and its arguments: each inserted row's values in its
    columns' order, then each update's values followed by the row's id."""
    insert_shapes = []
    args: list[Any] = []
    for table, rows in inserts.items():
        columns = tuple(rows[0])
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"rows for {table} with different columns: {columns} and {tuple(row)}")
            args.extend(encoded(column, row[column]) for column in columns)
        insert_shapes.append((table, columns, len(rows)))
    update_shapes = []
    for (table, key), values in updates.items():
        update_shapes.append((table, tuple(values)))
        args.extend(encoded(column, value) for column, value in values.items())
        args.append(key)
    return _sql((tuple(insert_shapes), tuple(update_shapes))), args


@functools.lru_cache(maxsize=256)
def _sql(shape: _Shape) -> str:
    insert_shapes, update_shapes = shape
    n = 0  # the last $n used

    def placeholders(count: int) -> list[str]:
        nonlocal n
        n += count
        return [f"${i}" for i in range(n - count + 1, n + 1)]

    statements: list[str] = []
    for table, columns, row_count in insert_shapes:
        rows = ",\n    ".join(f"({', '.join(placeholders(len(columns)))})" for _ in range(row_count))
        statements.append(f"INSERT INTO {table} ({', '.join(columns)})\nVALUES\n    {rows}")
    for table, columns in update_shapes:
        assignments = ", ".join(
            f"{c} = {p}" for c, p in zip(columns, placeholders(len(columns)), strict=True)
        )
        (key,) = placeholders(1)
        statements.append(f"UPDATE {table} SET {assignments}\nWHERE id = {key}")  # noqa: S608 (names and $n only)
    if len(statements) == 1:
        return statements[0]
    ctes = ",\n".join(f"written_{i} AS (\n{s}\n)" for i, s in enumerate(statements))
    return f"WITH {ctes}\nSELECT 1"
