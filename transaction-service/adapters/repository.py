"""The money path's unit of work on PostgreSQL (SQLAlchemy Core over adapters/tables.py).

One unit of work = one session = one database transaction; `lock=True` is `SELECT … FOR UPDATE`.
Records map to rows field by field (the dataclass field names are the column names).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import Table, and_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import BindParameter

from adapters import tables as t
from adapters.write_statements import write_statement
from domain.models import OPEN_PAYMENT, OrderStatus, PaymentStatus, RefundStatus, TransactionStatus
from domain.records import AuditEntry, BookingState, LineItem, Order, Payment, Record, Refund, Transaction
from domain.reports import TIMEZONE as JAKARTA
from domain.repository import OrderFilter, TransactionFilter
from shared.db import SqlAlchemyUnitOfWork
from shared.logging import request_id_var
from shared.money import money_string

_TABLES: dict[type[Any], Table] = {
    Order: t.orders,
    Transaction: t.transactions,
    Payment: t.payments,
    Refund: t.refunds,
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


def record_of(kind: type[Any], row: Mapping[str, Any]) -> Any:
    """A row (every column of the record's table, by name) as the record."""
    values = {f.name: row[f.name] for f in dataclasses.fields(kind)}
    values["status"] = _STATUS[kind](values["status"])
    if kind is Order:
        values["booking_details"] = dict(values["booking_details"] or {})
        values["line_items"] = _line_items(values["line_items"])
        values["booking"] = _booking(values["booking"])
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
    return values


def _keyed(statement: Any) -> tuple[Any, Any]:
    """A read by one key, built once (with and without FOR UPDATE), indexed by `lock`."""
    return statement, statement.with_for_update()


# The hot reads, built once: building a statement and its cache key costs more than running it
# through SQLAlchemy's compiled cache (tens of microseconds each, a status poll every 50 ms).
_KEY: BindParameter[Any] = bindparam("key")
_ORDER = _keyed(select(t.orders).where(t.orders.c.id == _KEY))
_TRANSACTION = _keyed(select(t.transactions).where(t.transactions.c.id == _KEY))
_TRANSACTION_OF_ORDER = _keyed(select(t.transactions).where(t.transactions.c.order_id == _KEY))
_PAYMENT = _keyed(select(t.payments).where(t.payments.c.id == _KEY))
_ORDER_WITH_TRANSACTION_ID = (
    select(t.orders, t.transactions.c.id.label("transaction_id"))
    .select_from(t.orders.outerjoin(t.transactions))
    .where(t.orders.c.id == _KEY)
)
_ORDER_ID_OF_PAYMENT = (
    select(t.transactions.c.order_id)
    .select_from(t.payments.join(t.transactions))
    .where(t.payments.c.id == _KEY)
)
_ALL_PAYMENTS_OF = (
    select(t.payments)
    .where(t.payments.c.transaction_id == _KEY)
    .order_by(t.payments.c.created_at, t.payments.c.id)
)
_PAYMENTS_OF = (
    _keyed(_ALL_PAYMENTS_OF),
    _keyed(_ALL_PAYMENTS_OF.where(t.payments.c.status.in_(bindparam("statuses", expanding=True)))),
)  # [statuses given][lock]
_PENDING_REFUNDS_TOTAL = select(func.coalesce(func.sum(t.refunds.c.amount), 0)).where(
    t.refunds.c.payment_id == _KEY, t.refunds.c.status == RefundStatus.PENDING
)
# A transaction-scoped advisory lock per account: released at commit or rollback.
_LOCK_ACCOUNT = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("lock_name"), 0)))
_UNPAID_ORDERS = (
    select(func.count())
    .select_from(t.orders)
    .where(
        t.orders.c.user_id == _KEY,
        t.orders.c.status.in_([OrderStatus.DRAFT, OrderStatus.CONFIRMED]),
        or_(t.orders.c.hold_expires_at.is_(None), t.orders.c.hold_expires_at > bindparam("now")),
    )
)
_RECORD_EVENT = (
    pg_insert(t.processed_events)
    .values(event_id=bindparam("new_event_id"), topic=bindparam("new_topic"))
    .on_conflict_do_nothing(index_elements=[t.processed_events.c.event_id])
    .returning(t.processed_events.c.event_id)
)


class SqlLedgerUnitOfWork(SqlAlchemyUnitOfWork):
    """Writes wait: new rows (orders, transactions, payments, refunds, audit rows, outbox events,
    jobs) and saved records are kept and sent as one statement (data-modifying CTEs) just before
    the unit of work's next read, or at `commit()`: one round trip however many rows a step
    writes. A record saved twice is written once, with its last values (and a record saved after
    it was added is inserted with them): a statement may change a row only once. After the
    commit, the relay whose table got rows is woken (`wake_events`, `wake_jobs`), and requests
    waiting for a change of an order it wrote are told (`orders_changed`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        wake_events: Callable[[], None] = lambda: None,
        wake_jobs: Callable[[], None] = lambda: None,
        orders_changed: Callable[[Iterable[uuid.UUID]], None] = lambda _: None,
    ) -> None:
        super().__init__(sessions)
        self._wake_events = wake_events
        self._wake_jobs = wake_jobs
        self._orders_changed = orders_changed
        self._inserts: dict[Table, list[dict[str, Any]]] = {}
        self._updates: dict[tuple[Table, Any], dict[str, Any]] = {}
        self._woken: set[Table] = set()
        self._changed_orders: set[uuid.UUID] = set()

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._inserts, self._updates, self._woken, self._changed_orders = {}, {}, set(), set()
        return self

    async def commit(self) -> None:
        await self._flush()
        await super().commit()
        woken, self._woken = self._woken, set()
        changed, self._changed_orders = self._changed_orders, set()
        if t.outbox in woken:
            self._wake_events()
        if t.work_queue in woken:
            self._wake_jobs()
        if changed:
            self._orders_changed(changed)

    async def _execute(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        """Every statement of the unit of work goes through here: the writes kept so far first."""
        await self._flush()
        return await self.session.execute(statement, parameters)

    async def _flush(self) -> None:
        if not self._inserts and not self._updates:
            return
        statement, parameters = write_statement(self._inserts, self._updates)
        self._woken.update(self._inserts)
        self._changed_orders.update(key for table, key in self._updates if table is t.orders)
        self._inserts, self._updates = {}, {}
        await self.session.execute(statement, parameters)

    def _insert(self, table: Table, row: dict[str, Any]) -> None:
        self._inserts.setdefault(table, []).append(row)

    async def _one(self, kind: type[Any], stmt: Any, lock: bool) -> Any:
        if lock:
            stmt = stmt.with_for_update()
        row = (await self._execute(stmt)).mappings().first()
        return None if row is None else record_of(kind, row)

    async def _by_key(self, kind: type[Any], statements: tuple[Any, Any], key: Any, lock: bool) -> Any:
        row = (await self._execute(statements[lock], {"key": key})).mappings().first()
        return None if row is None else record_of(kind, row)

    async def _many(self, kind: type[Any], stmt: Any, lock: bool = False) -> list[Any]:
        if lock:
            stmt = stmt.with_for_update()
        return [record_of(kind, row) for row in (await self._execute(stmt)).mappings().all()]

    # --- reads ---
    async def order(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
        result: Order | None = await self._by_key(Order, _ORDER, order_id, lock)
        return result

    async def transaction(self, transaction_id: uuid.UUID, *, lock: bool = False) -> Transaction | None:
        result: Transaction | None = await self._by_key(Transaction, _TRANSACTION, transaction_id, lock)
        return result

    async def transaction_of_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Transaction | None:
        result: Transaction | None = await self._by_key(Transaction, _TRANSACTION_OF_ORDER, order_id, lock)
        return result

    async def order_with_transaction_id(self, order_id: uuid.UUID) -> tuple[Order, uuid.UUID | None] | None:
        row = (await self._execute(_ORDER_WITH_TRANSACTION_ID, {"key": order_id})).mappings().first()
        return None if row is None else (record_of(Order, row), row["transaction_id"])

    async def order_id_of_payment(self, payment_id: uuid.UUID) -> uuid.UUID | None:
        result = await self._execute(_ORDER_ID_OF_PAYMENT, {"key": payment_id})
        order_id: uuid.UUID | None = result.scalar_one_or_none()
        return order_id

    async def payment(self, payment_id: uuid.UUID, *, lock: bool = False) -> Payment | None:
        result: Payment | None = await self._by_key(Payment, _PAYMENT, payment_id, lock)
        return result

    async def payments_of(
        self, transaction_id: uuid.UUID, statuses: Sequence[str] | None = None, *, lock: bool = False
    ) -> list[Payment]:
        parameters: dict[str, Any] = {"key": transaction_id}
        if statuses is not None:
            parameters["statuses"] = [str(s) for s in statuses]
        result = await self._execute(_PAYMENTS_OF[statuses is not None][lock], parameters)
        return [record_of(Payment, row) for row in result.mappings().all()]

    async def refund_by_key(self, refund_key: str, *, lock: bool = False) -> Refund | None:
        stmt = select(t.refunds).where(t.refunds.c.refund_key == refund_key)
        result: Refund | None = await self._one(Refund, stmt, lock)
        return result

    async def refund(self, refund_id: uuid.UUID, *, lock: bool = False) -> Refund | None:
        result: Refund | None = await self._one(
            Refund, select(t.refunds).where(t.refunds.c.id == refund_id), lock
        )
        return result

    async def pending_refunds_total(self, payment_id: uuid.UUID) -> Decimal:
        total = (await self._execute(_PENDING_REFUNDS_TOTAL, {"key": payment_id})).scalar_one()
        return Decimal(total)

    async def expired_holds(self, now: datetime, limit: int) -> list[uuid.UUID]:
        c = t.orders.c
        stmt = (
            select(c.id)
            .where(c.status == OrderStatus.CONFIRMED, c.hold_expires_at <= now)
            .order_by(c.hold_expires_at)
            .limit(limit)
        )
        return list((await self._execute(stmt)).scalars().all())

    async def unpaid_orders(self, user_id: str, now: datetime, *, lock: bool = False) -> int:
        if lock:
            await self._execute(_LOCK_ACCOUNT, {"lock_name": f"unpaid-orders:{user_id}"})
        return int((await self._execute(_UNPAID_ORDERS, {"key": user_id, "now": now})).scalar_one())

    async def overdue_payments(self, before: datetime, limit: int) -> list[uuid.UUID]:
        c = t.payments.c
        stmt = (
            select(c.id)
            .where(c.status.in_([str(p) for p in OPEN_PAYMENT]), c.expires_at < before)
            .order_by(c.expires_at)
            .limit(limit)
        )
        return list((await self._execute(stmt)).scalars().all())

    async def list_orders(
        self, where: OrderFilter, limit: int, offset: int
    ) -> tuple[list[tuple[Order, uuid.UUID | None]], int]:
        c = t.orders.c
        conds = []
        if where.user_id is not None:
            conds.append(c.user_id == where.user_id)
        if where.status:
            conds.append(c.status == where.status)
        if where.service_type:
            conds.append(c.service_type == where.service_type)
        cond = and_(True, *conds)
        total = (await self._execute(select(func.count()).select_from(t.orders).where(cond))).scalar_one()
        stmt = (
            select(t.orders, t.transactions.c.id.label("transaction_id"))
            .select_from(t.orders.outerjoin(t.transactions))
            .where(cond)
            .order_by(c.created_at.desc(), c.id)
            .limit(limit)
            .offset(offset)
        )
        rows = (await self._execute(stmt)).mappings().all()
        return [(record_of(Order, row), row["transaction_id"]) for row in rows], total

    async def list_transactions(
        self, where: TransactionFilter, limit: int, offset: int
    ) -> tuple[list[Transaction], int]:
        c = t.transactions.c
        conds = []
        if where.user_id is not None:
            conds.append(c.user_id == where.user_id)
        if where.status:
            conds.append(c.status == where.status)
        if where.transaction_type:
            conds.append(c.transaction_type == where.transaction_type)
        if where.created_from:
            conds.append(c.created_at >= datetime.combine(where.created_from, time(0), tzinfo=JAKARTA))
        if where.created_to:
            conds.append(
                c.created_at < datetime.combine(where.created_to + timedelta(days=1), time(0), tzinfo=JAKARTA)
            )
        cond = and_(True, *conds)
        total = (
            await self._execute(select(func.count()).select_from(t.transactions).where(cond))
        ).scalar_one()
        stmt = (
            select(t.transactions).where(cond).order_by(c.created_at.desc(), c.id).limit(limit).offset(offset)
        )
        return await self._many(Transaction, stmt), total

    async def audit_trail(self, transaction: Transaction) -> list[AuditEntry]:
        a = t.audit_log.c
        payment_ids = select(t.payments.c.id).where(t.payments.c.transaction_id == transaction.id)
        refund_ids = select(t.refunds.c.id).where(t.refunds.c.transaction_id == transaction.id)
        stmt = (
            select(t.audit_log)
            .where(
                or_(
                    and_(a.entity_type == "transaction", a.entity_id == transaction.id),
                    and_(a.entity_type == "order", a.entity_id == transaction.order_id),
                    and_(a.entity_type == "payment", a.entity_id.in_(payment_ids)),
                    and_(a.entity_type == "refund", a.entity_id.in_(refund_ids)),
                )
            )
            .order_by(a.id)
        )
        rows = (await self._execute(stmt)).mappings().all()
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
            t.audit_log,
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
        self._insert(t.outbox, {"id": uuid.uuid4(), "topic": topic, "payload": payload})

    async def add_job(self, topic: str, payload: dict[str, Any]) -> None:
        self._insert(t.work_queue, {"id": uuid.uuid4(), "topic": topic, "payload": payload})

    async def record_event(self, event_id: uuid.UUID, topic: str) -> bool:
        parameters = {"new_event_id": event_id, "new_topic": topic}
        recorded = (await self._execute(_RECORD_EVENT, parameters)).scalar_one_or_none()
        return recorded is not None
