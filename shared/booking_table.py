"""The bookings table's side of the booking contract, for every product's adapters/db.py: the
JSON a quote's lines and the documents are kept as, and the rows of bookings keyed by our
reference (add, read with or without a row lock, save). The status check the contract's statuses
allow is part of the table's shape (shared/schema.py's status_check), which the migrations use.

Each product keeps its own table (its product columns, its migrations); what is here is how every
one of them stores the contract's parts. Repositories never commit: the unit of work does.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar

import asyncpg

from shared.booking_lifecycle import Document, LineItem
from shared.db import Statement
from shared.money import money_string

Row = Mapping[str, Any]
ProductBooking = TypeVar("ProductBooking")


def line_items_to_json(items: Iterable[LineItem]) -> list[dict[str, Any]]:
    return [
        {"description": i.description, "quantity": i.quantity, "unit_price": money_string(i.unit_price)}
        for i in items
    ]


def line_items_from_json(raw: Iterable[dict[str, Any]]) -> tuple[LineItem, ...]:
    return tuple(LineItem(i["description"], int(i["quantity"]), Decimal(i["unit_price"])) for i in raw)


def documents_to_json(documents: Iterable[Document]) -> list[dict[str, Any]]:
    return [
        {"kind": d.kind, "reference": d.reference, "title": d.title, "fields": dict(d.fields)}
        for d in documents
    ]


def documents_from_json(raw: Iterable[dict[str, Any]]) -> tuple[Document, ...]:
    return tuple(Document(d["kind"], d["reference"], d["title"], d["fields"]) for d in raw)


def money_or_none(value: Any) -> Decimal | None:
    """A nullable NUMERIC(14,2) column (refund_amount) as the domain reads it."""
    return Decimal(value) if value is not None else None


@functools.cache
def _insert(table: str, columns: tuple[str, ...]) -> Statement:
    names, values = ", ".join(columns), ", ".join(f":{c}" for c in columns)
    return Statement(f"INSERT INTO {table} ({names}) VALUES ({values})")  # noqa: S608


@functools.cache
def _update(table: str, columns: tuple[str, ...]) -> Statement:
    """The row's other columns are what the UPDATE sets; its reference is the key."""
    assignments = ", ".join(f"{c} = :{c}" for c in columns if c not in ("reference", "key_reference"))
    return Statement(f"UPDATE {table} SET {assignments} WHERE reference = :key_reference")  # noqa: S608


@functools.cache
def _by_reference(table: str, for_update: bool) -> str:
    return f"SELECT * FROM {table} WHERE reference = $1" + (" FOR UPDATE" if for_update else "")  # noqa: S608


class BookingRows(Generic[ProductBooking]):
    """A product's bookings table, keyed by `reference`, through the product's own row codec,
    straight on the unit of work's asyncpg connection (shared.db.AsyncpgUnitOfWork). Statements
    are written once per table and set of columns; `json_columns` (the table's JSON and JSONB
    columns) go as JSON text and come back as text (asyncpg's own codec), encoded and decoded
    here, so the codecs see what they always saw."""

    def __init__(
        self,
        connection: asyncpg.Connection,
        table: str,
        to_row: Callable[[ProductBooking], dict[str, Any]],
        from_row: Callable[[Row], ProductBooking],
        *,
        json_columns: Iterable[str],
    ) -> None:
        self._connection = connection
        self._table = table
        self._json = frozenset(json_columns)
        self._to_row = to_row
        self._from_row = from_row

    def _values(self, row: dict[str, Any]) -> dict[str, Any]:
        # None too, as JSON `null`, not SQL NULL (as the rows were always written).
        return {name: json.dumps(v) if name in self._json else v for name, v in row.items()}

    def _booking(self, record: asyncpg.Record | None) -> ProductBooking | None:
        if record is None:
            return None
        row = dict(record.items())
        for name in self._json:
            if row.get(name) is not None:
                row[name] = json.loads(row[name])
        return self._from_row(row)

    async def add(self, booking: ProductBooking) -> None:
        values = self._values(self._to_row(booking))
        statement = _insert(self._table, tuple(values))
        await self._connection.execute(statement.sql, *statement.args(**values))

    async def get(self, reference: str, *, for_update: bool = False) -> ProductBooking | None:
        """The booking; `for_update` locks its row until the unit of work ends, so issue and
        cancel are serialised (a retry or a race never reaches the supplier twice)."""
        sql = _by_reference(self._table, for_update)
        return self._booking(await self._connection.fetchrow(sql, reference))

    async def first(self, sql: str, *args: Any) -> ProductBooking | None:
        """The booking of the first row `sql` finds (a statement over the table's columns, from
        a shared.db.Statement's, or built with shared.db.Parameters)."""
        return self._booking(await self._connection.fetchrow(sql, *args))

    async def save(self, booking: ProductBooking) -> None:
        values = self._values(self._to_row(booking))
        values["key_reference"] = values.pop("reference")
        statement = _update(self._table, tuple(values))
        await self._connection.execute(statement.sql, *statement.args(**values))
