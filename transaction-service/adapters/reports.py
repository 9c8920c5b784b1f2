"""The reports' aggregations, in SQL (SQLAlchemy Core over adapters/tables.py), run straight on
the service's asyncpg pool: each statement is built for its query and compiled per call (admin
reports are rare; shared.db.bound).

One statement per report: filter on the UTC bounds of the Jakarta date range (index-friendly),
group by the chosen key, and `GROUP BY ROLLUP` so the totals line comes from the same query;
rows are ordered by their key (day and month keys sort chronologically).
Day and month keys are Jakarta-local, computed by PostgreSQL (`timezone('Asia/Jakarta', ts)`).
What each report counts is documented in domain/reports.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, literal, select

from adapters.tables import refunds, transactions
from domain.reports import (
    CURRENCY,
    PAID_TRANSACTION_STATUSES,
    TIMEZONE_NAME,
    UNKNOWN_GROUP,
    GroupBy,
    Report,
    ReportKind,
    ReportQuery,
    ReportRow,
)
from shared.db import ReadPool, bound

ZERO = Decimal("0.00")


def _local_key(ts: ColumnElement[Any], group_by: GroupBy) -> ColumnElement[str]:
    pattern = "YYYY-MM-DD" if group_by is GroupBy.DAY else "YYYY-MM"
    return func.to_char(func.timezone(TIMEZONE_NAME, ts), pattern)


def _text_key(column: ColumnElement[Any]) -> ColumnElement[str]:
    """A text column as a group key; null or empty groups as "unknown"."""
    return func.coalesce(func.nullif(cast(column, String), ""), literal(UNKNOWN_GROUP))


def _group_key(query: ReportQuery, ts: ColumnElement[Any]) -> ColumnElement[str]:
    g = query.group_by
    if g in (GroupBy.DAY, GroupBy.MONTH):
        return _local_key(ts, g)
    if g is GroupBy.SERVICE_TYPE:
        return _text_key(transactions.c.transaction_type)
    if g is GroupBy.PAYMENT_METHOD:
        return _text_key(transactions.c.payment_method)
    if g is GroupBy.GATEWAY:
        return _text_key(transactions.c.payment_gateway)
    if g is GroupBy.REASON:
        return _text_key(refunds.c.reason)
    # status: of the records the report counts
    status = refunds.c.status if query.kind is ReportKind.REFUNDS else transactions.c.status
    return _text_key(status)


def _sum(column: ColumnElement[Any]) -> ColumnElement[Decimal]:
    return func.coalesce(func.sum(column), ZERO)


def _rolled_up(
    key: ColumnElement[str], measures: list[ColumnElement[Any]], source: Any, where: list[Any]
) -> Select[Any]:
    """SELECT key, grouping(key), count(*), measures… GROUP BY ROLLUP(key): one row per group
    plus the grand total (grouping = 1), which exists even when no record matches."""
    group = key.label("group")
    return (
        select(
            group,
            func.grouping(key).label("is_total"),
            func.count().label("count"),
            *measures,
        )
        .select_from(source)
        .where(and_(*where))
        .group_by(func.rollup(key))
        .order_by(func.grouping(key), key.collate("C"))  # byte order, whatever the locale
    )


def build_statement(query: ReportQuery) -> Select[Any]:
    t, r = transactions.c, refunds.c
    if query.kind is ReportKind.REFUNDS:
        ts = r.created_at
        where: list[Any] = [ts >= query.starts_at, ts < query.ends_before, t.currency == CURRENCY]
        if query.status is not None:
            where.append(r.status == query.status)
        if query.service_type is not None:
            where.append(t.transaction_type == query.service_type)
        source = refunds.join(transactions, transactions.c.id == refunds.c.transaction_id)
        measures: list[ColumnElement[Any]] = [_sum(r.amount).label("amount")]
        return _rolled_up(_group_key(query, ts), measures, source, where)

    if query.kind is ReportKind.REVENUE:
        ts = t.completed_at
        where = [
            ts >= query.starts_at,
            ts < query.ends_before,
            t.status.in_(PAID_TRANSACTION_STATUSES),
            t.currency == CURRENCY,
        ]
        measures = [
            _sum(t.amount).label("gross_amount"),
            _sum(t.refunded_amount).label("refunded_amount"),
            (_sum(t.amount) - _sum(t.refunded_amount)).label("net_amount"),
        ]
    else:
        ts = t.created_at
        where = [ts >= query.starts_at, ts < query.ends_before, t.currency == CURRENCY]
        measures = [_sum(t.amount).label("total_amount")]
    if query.status is not None:
        where.append(t.status == query.status)
    if query.service_type is not None:
        where.append(t.transaction_type == query.service_type)
    return _rolled_up(_group_key(query, ts), measures, transactions, where)


class SqlReportSource:
    """domain.reports.ReportSource over the service's database: one read on its pool."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def run(self, query: ReportQuery) -> Report:
        columns = query.spec.money_columns
        records = await self._reads.fetch(*bound(build_statement(query)))
        rows: list[ReportRow] = []
        totals = ReportRow("total", 0, tuple(ZERO for _ in columns))
        for rec in records:
            row = ReportRow(
                "total" if rec["is_total"] else str(rec["group"]),
                int(rec["count"]),
                tuple(Decimal(rec[c]) for c in columns),
            )
            if rec["is_total"]:
                totals = row
            else:
                rows.append(row)
        return Report(query, tuple(rows), totals)
