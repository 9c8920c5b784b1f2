"""The reports' aggregations, in SQL on the tables of adapters/tables.py, run straight on the
service's asyncpg pool: each statement is built for its query (admin reports are rare), its
filters' values as parameters (shared.db.Parameters), the code's own constants as literals.

One statement per report: filter on the UTC bounds of the Jakarta date range (index-friendly),
group by the chosen key, and `GROUP BY ROLLUP` so the totals line comes from the same query;
rows are ordered by their key (day and month keys sort chronologically).
Day and month keys are Jakarta-local, computed by PostgreSQL (`timezone('Asia/Jakarta', ts)`).
What each report counts is documented in domain/reports.py.
"""

from __future__ import annotations

from decimal import Decimal

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
from shared.db import Parameters, ReadPool

ZERO = Decimal("0.00")

_LOCAL_PATTERNS = {GroupBy.DAY: "YYYY-MM-DD", GroupBy.MONTH: "YYYY-MM"}
# The text column each other grouping reads.
_TEXT_COLUMNS = {
    GroupBy.SERVICE_TYPE: "transactions.transaction_type",
    GroupBy.PAYMENT_METHOD: "transactions.payment_method",
    GroupBy.GATEWAY: "transactions.payment_gateway",
    GroupBy.REASON: "refunds.reason",
}


def _group_key(group_by: GroupBy, ts: str, status: str) -> str:
    """The group of a row: a Jakarta day or month of `ts`, or a text column (`status`: the counted
    records' own) whose null or empty value groups as "unknown"."""
    pattern = _LOCAL_PATTERNS.get(group_by)
    if pattern is not None:
        return f"to_char(timezone('{TIMEZONE_NAME}', {ts}), '{pattern}')"
    column = _TEXT_COLUMNS.get(group_by, status)
    return f"coalesce(nullif({column}, ''), '{UNKNOWN_GROUP}')"


def _sum(column: str) -> str:
    return f"coalesce(sum({column}), {ZERO})"


def build_statement(query: ReportQuery) -> tuple[str, Parameters]:
    """SELECT key, grouping(key), count(*), measures… GROUP BY ROLLUP(key): one row per group
    plus the grand total (is_total), which exists even when no record matches."""
    params = Parameters()
    if query.kind is ReportKind.REFUNDS:
        ts = "refunds.created_at"
        source = "refunds JOIN transactions ON transactions.id = refunds.transaction_id"
        measures = [f"{_sum('refunds.amount')} AS amount"]
        status = "refunds.status"
    else:
        ts = "transactions.completed_at" if query.kind is ReportKind.REVENUE else "transactions.created_at"
        source = "transactions"
        status = "transactions.status"
        if query.kind is ReportKind.REVENUE:
            gross, refunded = _sum("transactions.amount"), _sum("transactions.refunded_amount")
            measures = [
                f"{gross} AS gross_amount",
                f"{refunded} AS refunded_amount",
                f"{gross} - {refunded} AS net_amount",
            ]
        else:
            measures = [f"{_sum('transactions.amount')} AS total_amount"]
    where = [f"{ts} >= {params.add(query.starts_at)}", f"{ts} < {params.add(query.ends_before)}"]
    if query.kind is ReportKind.REVENUE:
        paid = ", ".join(f"'{s}'" for s in PAID_TRANSACTION_STATUSES)
        where.append(f"transactions.status IN ({paid})")
    where.append(f"transactions.currency = '{CURRENCY}'")
    if query.status is not None:
        where.append(f"{status} = {params.add(query.status)}")
    if query.service_type is not None:
        where.append(f"transactions.transaction_type = {params.add(query.service_type)}")
    key = _group_key(query.group_by, ts, status)
    # The groups in byte order (COLLATE "C"), whatever the database's locale; the total last.
    sql = f"""
    SELECT {key} AS "group", grouping({key}) AS is_total, count(*) AS count,
        {", ".join(measures)}
    FROM {source}
    WHERE {" AND ".join(where)}
    GROUP BY ROLLUP({key})
    ORDER BY grouping({key}), {key} COLLATE "C"
    """  # noqa: S608 (columns, the code's constants and $n only)
    return sql, params


class SqlReportSource:
    """domain.reports.ReportSource over the service's database: one read on its pool."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def run(self, query: ReportQuery) -> Report:
        columns = query.spec.money_columns
        sql, params = build_statement(query)
        records = await self._reads.fetch(sql, *params)
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
