"""The bookings table's side of the booking contract, for every product's adapters/db.py: the
status check the contract's statuses allow, the JSON a quote's lines and the documents are kept
as, and the rows of bookings keyed by our reference (add, read with or without a row lock, save).

Each product keeps its own table (its product columns, its migrations); what is here is how every
one of them stores the contract's parts. Repositories never commit: the unit of work does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import CheckConstraint, Table, bindparam, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.selectable import Select

from shared.booking_lifecycle import BookingStatus, Document, LineItem
from shared.money import money_string

Row = RowMapping | dict[str, Any]
ProductBooking = TypeVar("ProductBooking")


def status_check(statuses: Iterable[BookingStatus] = BookingStatus) -> CheckConstraint:
    """`status IN (…)` over the statuses the product's bookings can take (named status_known)."""
    values = tuple(status.value for status in statuses)
    return CheckConstraint(f"status IN {values!r}", name="status_known")


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


class _Statements:
    """A bookings table's statements, built once per table: building one per call, and having
    SQLAlchemy walk it for its cache key, cost more CPU than running it (a row of some twenty
    columns passed to `.values()` was a quarter of a millisecond each time). The row's values are
    parameters of the execution; the SQL is the same."""

    def __init__(self, table: Table) -> None:
        self.insert: Insert = table.insert()
        by_reference = select(table).where(table.c.reference == bindparam("key_reference"))
        self.get: tuple[Select[Any], Select[Any]] = (by_reference, by_reference.with_for_update())
        # Executed with the row's other columns as parameters: they are what the UPDATE sets.
        self.update: Update = update(table).where(table.c.reference == bindparam("key_reference"))


_STATEMENTS: dict[Table, _Statements] = {}


def _statements_of(table: Table) -> _Statements:
    statements = _STATEMENTS.get(table)
    if statements is None:
        statements = _STATEMENTS[table] = _Statements(table)
    return statements


class BookingRows(Generic[ProductBooking]):
    """A product's bookings table, keyed by `reference`, through the product's own row codec."""

    def __init__(
        self,
        session: AsyncSession,
        table: Table,
        to_row: Callable[[ProductBooking], dict[str, Any]],
        from_row: Callable[[Row], ProductBooking],
    ) -> None:
        self._session = session
        self._table = table
        self._statements = _statements_of(table)
        self._to_row = to_row
        self._from_row = from_row

    async def add(self, booking: ProductBooking) -> None:
        await self._session.execute(self._statements.insert, self._to_row(booking))

    async def get(self, reference: str, *, for_update: bool = False) -> ProductBooking | None:
        """The booking; `for_update` locks its row until the unit of work ends, so issue and
        cancel are serialised (a retry or a race never reaches the supplier twice)."""
        statement = self._statements.get[for_update]
        row = (await self._session.execute(statement, {"key_reference": reference})).mappings().first()
        return None if row is None else self._from_row(row)

    async def first(self, statement: Any, parameters: dict[str, Any] | None = None) -> ProductBooking | None:
        row = (await self._session.execute(statement, parameters)).mappings().first()
        return None if row is None else self._from_row(row)

    async def save(self, booking: ProductBooking) -> None:
        row = self._to_row(booking)
        row["key_reference"] = row.pop("reference")
        await self._session.execute(self._statements.update, row)
