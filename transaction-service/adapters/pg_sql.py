"""Statements of adapters/tables.py compiled once to the SQL SQLAlchemy sends through asyncpg
(`$n` parameters with their casts), to run on a bare asyncpg connection.

asyncpg hands JSONB over as text both ways (its own codec): a JSONB parameter goes as JSON
text, as SQLAlchemy's JSON type would send it (None as the JSON `null`), and a JSONB column
comes back as text, decoded here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import JSON

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Sql:
    """One compiled statement: its text, its parameters' names in `$n` order, the values of
    those the statement itself carries (a status it compares with), and which go as JSON."""

    text: str
    names: tuple[str, ...]
    fixed: Mapping[str, Any]
    json_names: frozenset[str]

    def args(self, params: Mapping[str, Any] | None = None) -> list[Any]:
        given = params or {}
        values = [given[n] if n in given else self.fixed[n] for n in self.names]
        return [json.dumps(v) if n in self.json_names else v for n, v in zip(self.names, values, strict=True)]


def compiled(statement: ClauseElement) -> Sql:
    """`statement` as SQLAlchemy's asyncpg dialect renders it. A list compared with `IN` would be
    rendered anew for each length: compare with `= ANY(<array parameter>)` instead."""
    c = cast(SQLCompiler, statement.compile(dialect=_DIALECT))
    names = tuple(c.positiontup or ())
    binds = c.binds
    return Sql(
        text=str(c),
        names=names,
        fixed={n: binds[n].value for n in names if binds[n].value is not None},
        json_names=frozenset(n for n in names if isinstance(binds[n].type, JSON)),
    )


def json_columns(tables: Iterable[Table]) -> frozenset[str]:
    return frozenset(c.name for table in tables for c in table.c if isinstance(c.type, JSON))


def decoded(record: asyncpg.Record, json_names: frozenset[str]) -> dict[str, Any]:
    """A row by column name, its JSONB columns decoded."""
    row = dict(record.items())
    for name in json_names.intersection(row):
        if isinstance(row[name], str):
            row[name] = json.loads(row[name])
    return row
