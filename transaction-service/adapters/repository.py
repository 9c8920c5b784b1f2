"""The money path's unit of work on PostgreSQL, straight on asyncpg (shared.db.AsyncpgUnitOfWork).

One unit of work = one pooled connection = one database transaction; `lock=True` is `SELECT …
FOR UPDATE`. Records map to rows field by field (the dataclass field names are the column
names). The statements are plain SQL on the tables the migrations create (adapters/tables.py):
the reads in adapters/ledger_statements.py, the kept writes in adapters/write_statements.py.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Self

import asyncpg

from adapters import ledger_statements as q
from adapters.json_columns import decoded
from adapters.write_statements import write_statement
from domain.models import OrderStatus, PaymentStatus, RefundStatus, TransactionStatus
from domain.records import (
    AuditEntry,
    BookingState,
    Ending,
    LineItem,
    Order,
    Payment,
    Record,
    Refund,
    Transaction,
)
from domain.reports import TIMEZONE as JAKARTA
from domain.repository import OrderFilter, TransactionFilter
from shared.db import AsyncpgUnitOfWork, Statement
from shared.logging import request_id_var
from shared.money import money_string
from shared.outbox import NO_DISPATCH, Dispatcher, OutboxEvent, event_row

_TABLES: dict[type[Any], str] = {
    Order: "orders",
    Transaction: "transactions",
    Payment: "payments",
    Refund: "refunds",
}
_STATUS: dict[type[Any], type[Any]] = {
    Order: OrderStatus,
    Transaction: TransactionStatus,
    Payment: PaymentStatus,
    Refund: RefundStatus,
}


def _line_items(value: Any) -> list[LineItem]:
    return [
        LineItem(str(i["description"]), int(i["quantity"]), Decimal(str(i["unit_price"])))
        for i in value or []
    ]


def _booking(value: Any) -> BookingState:
    data = dict(value or {})
    refund = data.get("refund_amount")
    return BookingState(
        status=str(data.get("status") or "held"),
        supplier=str(data.get("supplier") or ""),
        supplier_reference=str(data.get("supplier_reference") or ""),
        holds_inventory=bool(data.get("holds_inventory", True)),
        documents=list(data.get("documents") or []),
        refund_amount=None if refund is None else Decimal(str(refund)),
        failure_reason=data.get("failure_reason"),
        customer={str(k): str(v) for k, v in (data.get("customer") or {}).items()},
    )


def _booking_json(booking: BookingState) -> dict[str, Any]:
    values = dataclasses.asdict(booking)
    values["refund_amount"] = None if booking.refund_amount is None else money_string(booking.refund_amount)
    return values


def _ending(value: Any) -> Ending | None:
    if not value:
        return None
    return Ending(TransactionStatus(value["status"]), str(value["reason"]), str(value["actor"]))


def _ending_json(ending: Ending | None) -> dict[str, str] | None:
    if ending is None:
        return None
    return {"status": str(ending.status), "reason": ending.reason, "actor": ending.actor}


def record_of(kind: type[Any], row: Mapping[str, Any]) -> Any:
    """A row (every column of the record's table, by name) as the record."""
    values = {f.name: row[f.name] for f in dataclasses.fields(kind)}
    values["status"] = _STATUS[kind](values["status"])
    if kind is Order:
        values["booking_details"] = dict(values["booking_details"] or {})
        values["line_items"] = _line_items(values["line_items"])
        values["booking"] = _booking(values["booking"])
        values["ending"] = _ending(values["ending"])
    if kind is Transaction:
        values["metadata"] = dict(values["metadata"] or {})
    return kind(**values)


def _values(record: Record) -> dict[str, Any]:
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    values["status"] = str(values["status"])
    if isinstance(record, Order):
        values["line_items"] = [
            {"description": i.description, "quantity": i.quantity, "unit_price": money_string(i.unit_price)}
            for i in record.line_items
        ]
        values["booking"] = _booking_json(record.booking)
        values["ending"] = _ending_json(record.ending)
    return values


def _record(kind: type[Any], record: asyncpg.Record) -> Any:
    return record_of(kind, decoded(record))


def _part(kind: type[Any], row: asyncpg.Record, prefix: str) -> Any:
    """One table's record out of a row of several (its columns named `<prefix><column>`)."""
    return record_of(kind, decoded({f.name: row[prefix + f.name] for f in dataclasses.fields(kind)}))


class PgLedgerUnitOfWork(AsyncpgUnitOfWork):
    """Writes wait: new rows (orders, transactions, payments, refunds, audit rows, outbox events,
    jobs) and saved records are kept and sent as one statement (data-modifying CTEs) just before
    the unit of work's next read, or at `commit()`: one round trip however many rows a step
    writes. A record saved twice is written once, with its last values (and a record saved after
    it was added is inserted with them): a statement may change a row only once. After the
    commit, the events and jobs it wrote are handed to their relay (`events`, `jobs`: delivered
    and run at once, shared/outbox.py), and requests waiting for a change of an order it wrote
    are told (`orders_changed`)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        events: Dispatcher = NO_DISPATCH,
        jobs: Dispatcher = NO_DISPATCH,
        orders_changed: Callable[[Iterable[uuid.UUID]], None] = lambda _: None,
    ) -> None:
        super().__init__(pool)
        self._relays = {"outbox": events, "work_queue": jobs}
        self._orders_changed = orders_changed
        self._inserts: dict[str, list[dict[str, Any]]] = {}
        self._updates: dict[tuple[str, Any], dict[str, Any]] = {}
        self._dispatched: dict[str, list[OutboxEvent]] = {}
        self._changed_orders: set[uuid.UUID] = set()

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._inserts, self._updates, self._dispatched, self._changed_orders = {}, {}, {}, set()
        return self

    async def commit(self) -> None:
        await self._flush()
        await super().commit()
        dispatched, self._dispatched = self._dispatched, {}
        changed, self._changed_orders = self._changed_orders, set()
        if changed:  # first: a buyer waiting for the order is answered before the events go
            self._orders_changed(changed)
        for table, events in dispatched.items():
            self._relays[table].dispatch(events)

    # Every statement of the unit of work goes through these two: the writes kept so far first.
    async def _fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        await self._flush()
        return await self._connection.fetchrow(sql, *args)

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        await self._flush()
        return list(await self._connection.fetch(sql, *args))

    async def _flush(self) -> None:
        if not self._inserts and not self._updates:
            return
        sql, args = write_statement(self._inserts, self._updates)
        self._changed_orders.update(key for table, key in self._updates if table == "orders")
        self._inserts, self._updates = {}, {}
        await self._connection.execute(sql, *args)

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        self._inserts.setdefault(table, []).append(row)

    async def _by_key(
        self, kind: type[Any], statements: tuple[Statement, Statement], key: Any, lock: bool
    ) -> Any:
        statement = statements[lock]
        row = await self._fetchrow(statement.sql, *statement.args(key=key))
        return None if row is None else _record(kind, row)

    async def _scalar(self, statement: Statement, **params: Any) -> Any:
        row = await self._fetchrow(statement.sql, *statement.args(**params))
        return None if row is None else row[0]

    async def _rows(self, statement: Statement, **params: Any) -> list[asyncpg.Record]:
        return await self._fetch(statement.sql, *statement.args(**params))

    # --- reads ---
    async def order(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
        result: Order | None = await self._by_key(Order, q.ORDER, order_id, lock)
        return result

    async def transaction(self, transaction_id: uuid.UUID, *, lock: bool = False) -> Transaction | None:
        result: Transaction | None = await self._by_key(Transaction, q.TRANSACTION, transaction_id, lock)
        return result

    async def transaction_of_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Transaction | None:
        result: Transaction | None = await self._by_key(Transaction, q.TRANSACTION_OF_ORDER, order_id, lock)
        return result

    async def order_with_transaction_id(self, order_id: uuid.UUID) -> tuple[Order, uuid.UUID | None] | None:
        statement = q.ORDER_WITH_TRANSACTION_ID
        row = await self._fetchrow(statement.sql, *statement.args(key=order_id))
        return None if row is None else (_record(Order, row), row["transaction_id"])

    async def order_chain(self, order_id: uuid.UUID) -> tuple[Order, Transaction] | None:
        row = await self._fetchrow(q.ORDER_CHAIN.sql, *q.ORDER_CHAIN.args(key=order_id))
        return None if row is None else (_part(Order, row, "o."), _part(Transaction, row, "t."))

    async def transaction_chain(self, transaction_id: uuid.UUID) -> tuple[Order, Transaction] | None:
        row = await self._fetchrow(q.TRANSACTION_CHAIN.sql, *q.TRANSACTION_CHAIN.args(key=transaction_id))
        return None if row is None else (_part(Order, row, "o."), _part(Transaction, row, "t."))

    async def payment_chain(self, payment_id: uuid.UUID) -> tuple[Order, Transaction, Payment] | None:
        row = await self._fetchrow(q.PAYMENT_CHAIN.sql, *q.PAYMENT_CHAIN.args(key=payment_id))
        if row is None:
            return None
        return _part(Order, row, "o."), _part(Transaction, row, "t."), _part(Payment, row, "p.")

    async def payment(self, payment_id: uuid.UUID, *, lock: bool = False) -> Payment | None:
        result: Payment | None = await self._by_key(Payment, q.PAYMENT, payment_id, lock)
        return result

    async def payments_of(
        self, transaction_id: uuid.UUID, statuses: Sequence[str] | None = None, *, lock: bool = False
    ) -> list[Payment]:
        params: dict[str, Any] = {"key": transaction_id}
        if statuses is not None:
            params["statuses"] = [str(s) for s in statuses]
        rows = await self._rows(q.PAYMENTS_OF[statuses is not None][lock], **params)
        return [_record(Payment, row) for row in rows]

    async def refund_by_key(self, refund_key: str, *, lock: bool = False) -> Refund | None:
        result: Refund | None = await self._by_key(Refund, q.REFUND_BY_KEY, refund_key, lock)
        return result

    async def refund(self, refund_id: uuid.UUID, *, lock: bool = False) -> Refund | None:
        result: Refund | None = await self._by_key(Refund, q.REFUND, refund_id, lock)
        return result

    async def pending_refunds_total(self, payment_id: uuid.UUID) -> Decimal:
        return Decimal(await self._scalar(q.PENDING_REFUNDS_TOTAL, key=payment_id))

    async def expired_holds(self, now: datetime, limit: int) -> list[uuid.UUID]:
        return [row[0] for row in await self._rows(q.EXPIRED_HOLDS, now=now, limit=limit)]

    async def unpaid_orders(self, user_id: str, now: datetime, *, lock: bool = False) -> int:
        if lock:
            await self._scalar(q.LOCK_ACCOUNT, lock_name=f"unpaid-orders:{user_id}")
        return int(await self._scalar(q.UNPAID_ORDERS, key=user_id, now=now))

    async def overdue_payments(self, before: datetime, limit: int) -> list[uuid.UUID]:
        return [row[0] for row in await self._rows(q.OVERDUE_PAYMENTS, before=before, limit=limit)]

    async def list_orders(
        self, where: OrderFilter, limit: int, offset: int
    ) -> tuple[list[tuple[Order, uuid.UUID | None]], int]:
        filters = {
            "user_id": where.user_id,
            "status": where.status or None,
            "service_type": where.service_type or None,
        }
        count, page = q.list_orders({k: v for k, v in filters.items() if v is not None}, limit, offset)
        total = await self._count(*count)
        rows = await self._fetch(page[0], *page[1])
        return [(_record(Order, row), row["transaction_id"]) for row in rows], total

    async def list_transactions(
        self, where: TransactionFilter, limit: int, offset: int
    ) -> tuple[list[Transaction], int]:
        filters = {
            "user_id": where.user_id,
            "status": where.status or None,
            "transaction_type": where.transaction_type or None,
            # Asia/Jakarta days, inclusive: from the first day's midnight to the next day's after the last.
            "created_from": where.created_from
            and datetime.combine(where.created_from, time(0), tzinfo=JAKARTA),
            "created_to": where.created_to
            and datetime.combine(where.created_to + timedelta(days=1), time(0), tzinfo=JAKARTA),
        }
        count, page = q.list_transactions({k: v for k, v in filters.items() if v is not None}, limit, offset)
        total = await self._count(*count)
        rows = await self._fetch(page[0], *page[1])
        return [_record(Transaction, row) for row in rows], total

    async def _count(self, sql: str, args: list[Any]) -> int:
        row = await self._fetchrow(sql, *args)
        return 0 if row is None else int(row[0])

    async def audit_trail(self, transaction: Transaction) -> list[AuditEntry]:
        rows = await self._rows(q.AUDIT_TRAIL, transaction_id=transaction.id, order_id=transaction.order_id)
        return [
            AuditEntry(
                entity_type=r["entity_type"],
                entity_id=r["entity_id"],
                from_status=r["from_status"],
                to_status=r["to_status"],
                actor=r["actor"],
                request_id=r["request_id"],
                reason=r["reason"],
                at=r["at"],
            )
            for r in rows
        ]

    # --- writes ---
    async def add(self, record: Record) -> None:
        self._insert(_TABLES[type(record)], _values(record))

    async def save(self, record: Record) -> None:
        table = _TABLES[type(record)]
        values = _values(record)
        for row in self._inserts.get(table, []):
            if row["id"] == record.id:  # added in this unit of work and not yet written
                row.update(values)
                return
        del values["id"]
        self._updates[(table, record.id)] = values

    async def audit(
        self,
        entity: str,
        entity_id: uuid.UUID,
        from_status: str | None,
        to_status: str,
        actor: str,
        reason: str | None,
        at: datetime,
    ) -> None:
        self._insert(
            "audit_log",
            {
                "entity_type": entity,
                "entity_id": entity_id,
                "from_status": None if from_status is None else str(from_status),
                "to_status": str(to_status),
                "actor": actor[:100],
                "request_id": request_id_var.get(),
                "reason": reason,
                "at": at,
            },
        )

    async def add_event(self, topic: str, payload: dict[str, Any]) -> None:
        self._add_event("outbox", OutboxEvent.new(topic, payload))

    async def add_job(self, topic: str, payload: dict[str, Any]) -> None:
        self._add_event("work_queue", OutboxEvent.new(topic, payload))

    def _add_event(self, table: str, event: OutboxEvent) -> None:
        dispatched = self._relays[table].dispatches
        self._insert(table, event_row(event, dispatched=dispatched))
        if dispatched:
            self._dispatched.setdefault(table, []).append(event)

    async def record_event(self, event_id: uuid.UUID, topic: str) -> bool:
        recorded = await self._scalar(q.RECORD_EVENT, event_id=event_id, topic=topic)
        return recorded is not None
