"""The unit of work's reads (adapters/repository.py), built from adapters/tables.py and compiled
once for asyncpg (adapters/pg_sql.py): the keyed reads at import, a list's statement once per
set of filters given. Each keyed read has a plain and a `FOR UPDATE` form, indexed by `lock`."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.elements import BindParameter

from adapters import tables as t
from adapters.pg_sql import Sql, compiled
from domain.models import OPEN_PAYMENT, OrderStatus, RefundStatus
from shared.db import any_of

KEY: BindParameter[Any] = bindparam("key")


def _keyed(statement: Any) -> tuple[Sql, Sql]:
    return compiled(statement), compiled(statement.with_for_update())


def _one_of(name: str, values: list[str] | None = None) -> Any:
    """A list of statuses as one array parameter (`= ANY($n)`): one statement for any length,
    sent as text[] (shared.db.any_of says why)."""
    return any_of(name, values=values)


ORDER = _keyed(select(t.orders).where(t.orders.c.id == KEY))
TRANSACTION = _keyed(select(t.transactions).where(t.transactions.c.id == KEY))
TRANSACTION_OF_ORDER = _keyed(select(t.transactions).where(t.transactions.c.order_id == KEY))
PAYMENT = _keyed(select(t.payments).where(t.payments.c.id == KEY))
REFUND = _keyed(select(t.refunds).where(t.refunds.c.id == KEY))
REFUND_BY_KEY = _keyed(select(t.refunds).where(t.refunds.c.refund_key == KEY))
ORDER_WITH_TRANSACTION_ID = compiled(
    select(t.orders, t.transactions.c.id.label("transaction_id"))
    .select_from(t.orders.outerjoin(t.transactions))
    .where(t.orders.c.id == KEY)
)


def _order_of(order_id: Any) -> tuple[Sql, Sql]:
    """The order whose id `order_id` (a one-column select) finds, found and locked in one
    statement: `FOR UPDATE OF orders` locks no row the subquery reads, so the locks are still
    taken orders first, as everywhere."""
    statement = select(t.orders).where(t.orders.c.id == order_id.scalar_subquery())
    return compiled(statement), compiled(statement.with_for_update(of=t.orders))


ORDER_OF_TRANSACTION = _order_of(select(t.transactions.c.order_id).where(t.transactions.c.id == KEY))
ORDER_OF_PAYMENT = _order_of(
    select(t.transactions.c.order_id)
    .select_from(t.payments.join(t.transactions))
    .where(t.payments.c.id == KEY)
)
_ALL_PAYMENTS_OF = (
    select(t.payments)
    .where(t.payments.c.transaction_id == KEY)
    .order_by(t.payments.c.created_at, t.payments.c.id)
)
PAYMENTS_OF = (
    _keyed(_ALL_PAYMENTS_OF),
    _keyed(_ALL_PAYMENTS_OF.where(t.payments.c.status == _one_of("statuses"))),
)  # [statuses given][lock]
PENDING_REFUNDS_TOTAL = compiled(
    select(func.coalesce(func.sum(t.refunds.c.amount), 0)).where(
        t.refunds.c.payment_id == KEY, t.refunds.c.status == str(RefundStatus.PENDING)
    )
)
EXPIRED_HOLDS = compiled(
    select(t.orders.c.id)
    .where(t.orders.c.status == str(OrderStatus.CONFIRMED), t.orders.c.hold_expires_at <= bindparam("now"))
    .order_by(t.orders.c.hold_expires_at)
    .limit(bindparam("limit"))
)
OVERDUE_PAYMENTS = compiled(
    select(t.payments.c.id)
    .where(
        t.payments.c.status == _one_of("open", [str(p) for p in OPEN_PAYMENT]),
        t.payments.c.expires_at < bindparam("before"),
    )
    .order_by(t.payments.c.expires_at)
    .limit(bindparam("limit"))
)
# A transaction-scoped advisory lock per account: released at commit or rollback.
LOCK_ACCOUNT = compiled(select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("lock_name"), 0))))
UNPAID_ORDERS = compiled(
    select(func.count())
    .select_from(t.orders)
    .where(
        t.orders.c.user_id == KEY,
        t.orders.c.status == _one_of("unpaid", [str(OrderStatus.DRAFT), str(OrderStatus.CONFIRMED)]),
        or_(t.orders.c.hold_expires_at.is_(None), t.orders.c.hold_expires_at > bindparam("now")),
    )
)
RECORD_EVENT = compiled(
    pg_insert(t.processed_events)
    .values(event_id=bindparam("new_event_id"), topic=bindparam("new_topic"))
    .on_conflict_do_nothing(index_elements=[t.processed_events.c.event_id])
    .returning(t.processed_events.c.event_id)
)
_a = t.audit_log.c
AUDIT_TRAIL = compiled(
    select(t.audit_log)
    .where(
        or_(
            and_(_a.entity_type == "transaction", _a.entity_id == KEY),
            and_(_a.entity_type == "order", _a.entity_id == bindparam("order_id")),
            and_(
                _a.entity_type == "payment",
                _a.entity_id.in_(select(t.payments.c.id).where(t.payments.c.transaction_id == KEY)),
            ),
            and_(
                _a.entity_type == "refund",
                _a.entity_id.in_(select(t.refunds.c.id).where(t.refunds.c.transaction_id == KEY)),
            ),
        )
    )
    .order_by(_a.id)
)


@functools.lru_cache(maxsize=64)
def list_orders(filters: tuple[str, ...]) -> tuple[Sql, Sql]:
    """The count and the page of orders matching the named filters (user_id, status,
    service_type), each bound to the parameter of its name; `limit` and `offset` too."""
    c = t.orders.c
    where = and_(True, *(c[name] == bindparam(name) for name in filters))
    page = (
        select(t.orders, t.transactions.c.id.label("transaction_id"))
        .select_from(t.orders.outerjoin(t.transactions))
        .where(where)
        .order_by(c.created_at.desc(), c.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return compiled(select(func.count()).select_from(t.orders).where(where)), compiled(page)


@functools.lru_cache(maxsize=64)
def list_transactions(filters: tuple[str, ...]) -> tuple[Sql, Sql]:
    """As list_orders, for transactions: user_id, status, transaction_type, and created_from /
    created_to (the bounds of created_at: from inclusive, to exclusive)."""
    c = t.transactions.c
    conditions = []
    for name in filters:
        if name == "created_from":
            conditions.append(c.created_at >= bindparam(name))
        elif name == "created_to":
            conditions.append(c.created_at < bindparam(name))
        else:
            conditions.append(c[name] == bindparam(name))
    where = and_(True, *conditions)
    page = (
        select(t.transactions)
        .where(where)
        .order_by(c.created_at.desc(), c.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return compiled(select(func.count()).select_from(t.transactions).where(where)), compiled(page)
