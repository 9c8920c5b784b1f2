"""The unit of work's reads (adapters/repository.py) on the tables of adapters/tables.py: fixed
statements with named parameters (shared.db.Statement), and the lists' count and page, built per
call from the filters given (shared.db.Parameters). Each keyed read has a plain and a `FOR
UPDATE` form, indexed by `lock`. Statuses the code fixes are literals in the SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from domain.models import OPEN_PAYMENT, OrderStatus, RefundStatus
from domain.records import Order, Payment, Transaction
from shared.db import Parameters, Statement

# A page's statement and its arguments, or the count's.
Query = tuple[str, list[Any]]


def _keyed(sql: str, lock: str = "FOR UPDATE") -> tuple[Statement, Statement]:
    return Statement(sql), Statement(f"{sql}\n{lock}")


def _listed(values: Iterable[str]) -> str:
    """Fixed statuses as an SQL list: `('CHALLENGE', 'PENDING')`."""
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


ORDER = _keyed("SELECT orders.* FROM orders WHERE id = :key")
TRANSACTION = _keyed("SELECT transactions.* FROM transactions WHERE id = :key")
TRANSACTION_OF_ORDER = _keyed("SELECT transactions.* FROM transactions WHERE order_id = :key")
PAYMENT = _keyed("SELECT payments.* FROM payments WHERE id = :key")
REFUND = _keyed("SELECT refunds.* FROM refunds WHERE id = :key")
REFUND_BY_KEY = _keyed("SELECT refunds.* FROM refunds WHERE refund_key = :key")
ORDER_WITH_TRANSACTION_ID = Statement(
    """
    SELECT orders.*, transactions.id AS transaction_id
    FROM orders LEFT OUTER JOIN transactions ON orders.id = transactions.order_id
    WHERE orders.id = :key"""
)


def _prefixed(kind: type[Any], table: str, prefix: str) -> str:
    """A record's columns (its fields' names), each named `<prefix><column>` in the result."""
    return ", ".join(f'{table}.{f.name} AS "{prefix}{f.name}"' for f in dataclasses.fields(kind))


# A chain's rows read and locked in one statement (the prefixes tell each table's columns apart).
# `FOR UPDATE OF` locks in the order it names them, whatever order the join reads them in: orders,
# then transactions, then payments, the one order every flow locks them in (the tests hold it).
_ORDER_AND_TRANSACTION = f"""
    SELECT {_prefixed(Order, "orders", "o.")}, {_prefixed(Transaction, "transactions", "t.")}
    FROM orders JOIN transactions ON transactions.order_id = orders.id"""  # noqa: S608 (field names only)
ORDER_CHAIN = Statement(
    f"{_ORDER_AND_TRANSACTION}\n    WHERE orders.id = :key\n    FOR UPDATE OF orders, transactions"
)
TRANSACTION_CHAIN = Statement(
    f"{_ORDER_AND_TRANSACTION}\n    WHERE transactions.id = :key\n    FOR UPDATE OF orders, transactions"
)
PAYMENT_CHAIN = Statement(
    f"""
    SELECT {_prefixed(Order, "orders", "o.")}, {_prefixed(Transaction, "transactions", "t.")},
        {_prefixed(Payment, "payments", "p.")}
    FROM payments
    JOIN transactions ON transactions.id = payments.transaction_id
    JOIN orders ON orders.id = transactions.order_id
    WHERE payments.id = :key
    FOR UPDATE OF orders, transactions, payments"""  # noqa: S608 (field names only)
)
# [statuses given][lock]; the statuses are one text[] parameter (shared.db.Statement says why).
PAYMENTS_OF = (
    _keyed("SELECT payments.* FROM payments WHERE transaction_id = :key ORDER BY created_at, id"),
    _keyed(
        """
        SELECT payments.* FROM payments
        WHERE transaction_id = :key AND status = ANY(:statuses::text[])
        ORDER BY created_at, id"""
    ),
)
PENDING_REFUNDS_TOTAL = Statement(
    f"""
    SELECT coalesce(sum(amount), 0) FROM refunds
    WHERE payment_id = :key AND status = '{RefundStatus.PENDING}'"""  # noqa: S608 (a status only)
)
EXPIRED_HOLDS = Statement(
    f"""
    SELECT id FROM orders
    WHERE status = '{OrderStatus.CONFIRMED}' AND hold_expires_at <= :now
    ORDER BY hold_expires_at
    LIMIT :limit"""  # noqa: S608 (a status only)
)
OVERDUE_PAYMENTS = Statement(
    f"""
    SELECT id FROM payments
    WHERE status IN {_listed(OPEN_PAYMENT)} AND expires_at < :before
    ORDER BY expires_at
    LIMIT :limit"""  # noqa: S608 (statuses only)
)
# A transaction-scoped advisory lock per account: released at commit or rollback.
LOCK_ACCOUNT = Statement("SELECT pg_advisory_xact_lock(hashtextextended(:lock_name, 0))")
UNPAID_ORDERS = Statement(
    f"""
    SELECT count(*) FROM orders
    WHERE user_id = :key
        AND status IN {_listed((OrderStatus.DRAFT, OrderStatus.CONFIRMED))}
        AND (hold_expires_at IS NULL OR hold_expires_at > :now)"""  # noqa: S608 (statuses only)
)
RECORD_EVENT = Statement(
    """
    INSERT INTO processed_events (event_id, topic) VALUES (:event_id, :topic)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id"""
)
AUDIT_TRAIL = Statement(
    """
    SELECT audit_log.* FROM audit_log
    WHERE entity_type = 'transaction' AND entity_id = :transaction_id
        OR entity_type = 'order' AND entity_id = :order_id
        OR entity_type = 'payment'
            AND entity_id IN (SELECT id FROM payments WHERE transaction_id = :transaction_id)
        OR entity_type = 'refund'
            AND entity_id IN (SELECT id FROM refunds WHERE transaction_id = :transaction_id)
    ORDER BY id"""
)


def _where(conditions: list[str]) -> str:
    return " AND ".join(conditions) or "true"


def list_orders(filters: Mapping[str, Any], limit: int, offset: int) -> tuple[Query, Query]:
    """The count and the page of orders whose columns equal `filters` (user_id, status,
    service_type), newest first, each with its transaction's id."""
    params = Parameters()
    where = _where([f"orders.{column} = {params.add(value)}" for column, value in filters.items()])
    count = (f"SELECT count(*) FROM orders WHERE {where}", list(params))  # noqa: S608 (columns and $n only)
    page = f"""
    SELECT orders.*, transactions.id AS transaction_id
    FROM orders LEFT OUTER JOIN transactions ON orders.id = transactions.order_id
    WHERE {where}
    ORDER BY orders.created_at DESC, orders.id
    LIMIT {params.add(limit)} OFFSET {params.add(offset)}"""  # noqa: S608 (columns and $n only)
    return count, (page, list(params))


def list_transactions(filters: Mapping[str, Any], limit: int, offset: int) -> tuple[Query, Query]:
    """As list_orders, for transactions: user_id, status, transaction_type equal, and
    created_from / created_to the bounds of created_at (from inclusive, to exclusive)."""
    params = Parameters()
    conditions = []
    for name, value in filters.items():
        if name == "created_from":
            conditions.append(f"created_at >= {params.add(value)}")
        elif name == "created_to":
            conditions.append(f"created_at < {params.add(value)}")
        else:
            conditions.append(f"{name} = {params.add(value)}")
    where = _where(conditions)
    count = (f"SELECT count(*) FROM transactions WHERE {where}", list(params))  # noqa: S608 (columns and $n only)
    page = f"""
    SELECT transactions.* FROM transactions
    WHERE {where}
    ORDER BY created_at DESC, id
    LIMIT {params.add(limit)} OFFSET {params.add(offset)}"""  # noqa: S608 (columns and $n only)
    return count, (page, list(params))
