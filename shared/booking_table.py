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

from sqlalchemy import CheckConstraint, Table, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

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
        self._to_row = to_row
        self._from_row = from_row

    async def add(self, booking: ProductBooking) -> None:
        await self._session.execute(self._table.insert().values(**self._to_row(booking)))

    async def get(self, reference: str, *, for_update: bool = False) -> ProductBooking | None:
        """The booking; `for_update` locks its row until the unit of work ends, so issue and
        cancel are serialised (a retry or a race never reaches the supplier twice)."""
        statement = select(self._table).where(self._table.c.reference == reference)
        if for_update:
            statement = statement.with_for_update()
        return await self.first(statement)

    async def first(self, statement: Any) -> ProductBooking | None:
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else self._from_row(row)

    async def save(self, booking: ProductBooking) -> None:
        row = self._to_row(booking)
        reference = row.pop("reference")
        await self._session.execute(
            update(self._table).where(self._table.c.reference == reference).values(**row)
        )
