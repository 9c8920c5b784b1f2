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
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import JSON

from shared.db import AsyncpgStatement


@dataclass(frozen=True)
class Sql:
    """One compiled statement (shared.db.AsyncpgStatement), its JSON parameters sent as JSON text."""

    statement: AsyncpgStatement

    @property
    def text(self) -> str:
        return self.statement.sql

    def args(self, params: Mapping[str, Any] | None = None) -> list[Any]:
        values = self.statement.args(**(params or {}))
        json_names = self.statement.json_names
        return [
            json.dumps(v) if n in json_names else v for n, v in zip(self.statement.names, values, strict=True)
        ]


def compiled(statement: ClauseElement) -> Sql:
    """`statement` as SQLAlchemy's asyncpg dialect renders it. A list compared with `IN` would be
    rendered anew for each length: compare with `= ANY(<array parameter>)` instead."""
    return Sql(AsyncpgStatement(statement))


def json_columns(tables: Iterable[Table]) -> frozenset[str]:
    return frozenset(c.name for table in tables for c in table.c if isinstance(c.type, JSON))


def decoded(record: asyncpg.Record, json_names: frozenset[str]) -> dict[str, Any]:
    """A row by column name, its JSONB columns decoded."""
    row = dict(record.items())
    for name in json_names.intersection(row):
        if isinstance(row[name], str):
            row[name] = json.loads(row[name])
    return row
