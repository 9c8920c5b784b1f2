"""/reports (admin): transactions, revenue and refunds over a range of Asia/Jakarta days, grouped
by day, month, service type, status, payment method (or reason, for refunds), as JSON or CSV.

What each report counts is documented in domain/reports.py; the sums are computed by PostgreSQL
(adapters/reports.py, built by app.py and read here as the `Reports` dependency).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from domain.models import SERVICE_TYPES, ServiceType
from domain.reports import (
    CURRENCY,
    DEFAULT_DAYS,
    MAX_DAYS,
    REFUND_STATUSES,
    TIMEZONE_NAME,
    TRANSACTION_STATUSES,
    InvalidReportQuery,
    Report,
    ReportKind,
    ReportRow,
    ReportSource,
    csv_filename,
    csv_rows,
    make_query,
)
from routes.deps import Reports
from shared.errors import ProblemError, problem_responses
from shared.money import money_string
from shared.security import AdminPrincipal

router = APIRouter(prefix="/reports", tags=["reports"])


# --- dependencies -------------------------------------------------------------------------------


async def report_now() -> datetime:
    """The current instant; tests override this dependency to pin "today"."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(report_now)]
Source = Reports

DateFrom = Annotated[
    date | None,
    Query(
        description=(
            f"First Asia/Jakarta calendar day, inclusive (YYYY-MM-DD). Default: {DEFAULT_DAYS - 1} days"
            " before date_to."
        )
    ),
]
DateTo = Annotated[
    date | None,
    Query(
        description=(
            f"Last Asia/Jakarta calendar day, inclusive (YYYY-MM-DD). Default: today in Jakarta."
            f" At most {MAX_DAYS} days in all."
        )
    ),
]
ServiceTypeFilter = Annotated[
    ServiceType | None,
    Query(description=f"Only this service type ({', '.join(SERVICE_TYPES)})."),
]
Format = Annotated[
    Literal["json", "csv"],
    Query(description="`csv` answers text/csv (an attachment) with a header row and a totals line."),
]
TxGroupBy = Annotated[
    Literal["day", "month", "service_type", "status", "payment_method", "gateway"],
    Query(
        description="Group key; day and month are Jakarta-local; gateway is midtrans or xendit. A missing"
        " payment method or gateway (never paid) is `unknown`."
    ),
]
RefundGroupBy = Annotated[
    Literal["day", "month", "service_type", "status", "reason"],
    Query(description="Group key; day and month are Jakarta-local. A missing reason is `unknown`."),
]


# --- bodies -------------------------------------------------------------------------------------

MoneyStr = Annotated[str, Field(description="Decimal string, 2 places", examples=["1500000.00"])]


class _ReportBase(BaseModel):
    date_from: date
    date_to: date
    timezone: str = Field(examples=[TIMEZONE_NAME])
    group_by: str
    currency: str = Field(examples=[CURRENCY])
    filters: dict[str, str | None] = Field(description="The status and service_type filters applied.")


class TransactionsRow(BaseModel):
    group: str = Field(examples=["2026-11-01"])
    count: int
    total_amount: MoneyStr


class TransactionsTotals(BaseModel):
    count: int
    total_amount: MoneyStr


class TransactionsReport(_ReportBase):
    rows: list[TransactionsRow]
    totals: TransactionsTotals


class RevenueRow(BaseModel):
    group: str = Field(examples=["2026-11"])
    count: int
    gross_amount: MoneyStr
    refunded_amount: MoneyStr
    net_amount: MoneyStr


class RevenueTotals(BaseModel):
    count: int
    gross_amount: MoneyStr
    refunded_amount: MoneyStr
    net_amount: MoneyStr


class RevenueReport(_ReportBase):
    rows: list[RevenueRow]
    totals: RevenueTotals


class RefundsRow(BaseModel):
    group: str = Field(examples=["flight"])
    count: int
    amount: MoneyStr


class RefundsTotals(BaseModel):
    count: int
    amount: MoneyStr


class RefundsReport(_ReportBase):
    rows: list[RefundsRow]
    totals: RefundsTotals


def _row_dict(report: Report, row: ReportRow) -> dict[str, object]:
    return {
        "group": row.group,
        "count": row.count,
        **dict(zip(report.columns, map(money_string, row.amounts), strict=True)),
    }


def _body(report: Report) -> dict[str, object]:
    q = report.query
    totals = _row_dict(report, report.totals)
    del totals["group"]
    return {
        "date_from": q.date_from,
        "date_to": q.date_to,
        "timezone": TIMEZONE_NAME,
        "group_by": q.group_by.value,
        "currency": CURRENCY,
        "filters": {"status": q.status, "service_type": q.service_type},
        "rows": [_row_dict(report, row) for row in report.rows],
        "totals": totals,
    }


def _csv(report: Report) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(report))
    return Response(
        buffer.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(report)}"'},
    )


async def _run(
    kind: ReportKind,
    source: ReportSource,
    now: datetime,
    date_from: date | None,
    date_to: date | None,
    group_by: str,
    status: str | None,
    service_type: str | None,
) -> Report:
    try:
        query = make_query(
            kind,
            now=now,
            date_from=date_from,
            date_to=date_to,
            group_by=group_by,
            status=status,
            service_type=service_type,
        )
    except InvalidReportQuery as exc:
        raise ProblemError(422, "invalid-report-query", str(exc)) from exc
    return await source.run(query)


_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "The report; text/csv with `?format=csv`.",
    }
}


# --- routes -------------------------------------------------------------------------------------


@router.get(
    "/transactions",
    summary="Transactions created in a date range, counted and summed per group (admin)",
    description=(
        "Every transaction created (`created_at`) in the Jakarta date range, any status unless"
        " `status` is given; `total_amount` is the sum of the transactions' amounts (IDR)."
    ),
    response_model=TransactionsReport,
    responses={**_CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def transactions_report(
    _admin: AdminPrincipal,
    source: Source,
    now: Now,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group_by: TxGroupBy = "day",
    status: Annotated[
        str | None, Query(description=f"Only this transaction status ({', '.join(TRANSACTION_STATUSES)}).")
    ] = None,
    service_type: ServiceTypeFilter = None,
    format: Format = "json",
) -> Response | dict[str, object]:
    report = await _run(
        ReportKind.TRANSACTIONS, source, now, date_from, date_to, group_by, status, service_type
    )
    return _csv(report) if format == "csv" else _body(report)


@router.get(
    "/revenue",
    summary="Revenue from paid transactions in a date range, per group (admin)",
    description=(
        "Transactions that were paid (status COMPLETED or REFUNDED), by the moment the payment was"
        " confirmed (`completed_at`) in the Jakarta date range. `gross_amount` sums their amounts,"
        " `refunded_amount` what has been refunded on them (attributed to the sale, whenever the"
        " refund happened; /reports/refunds dates refunds themselves), `net_amount` = gross −"
        " refunded. `status` may narrow to COMPLETED or REFUNDED."
    ),
    response_model=RevenueReport,
    responses={**_CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def revenue_report(
    _admin: AdminPrincipal,
    source: Source,
    now: Now,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group_by: TxGroupBy = "day",
    status: Annotated[str | None, Query(description="Only COMPLETED or only REFUNDED transactions.")] = None,
    service_type: ServiceTypeFilter = None,
    format: Format = "json",
) -> Response | dict[str, object]:
    report = await _run(ReportKind.REVENUE, source, now, date_from, date_to, group_by, status, service_type)
    return _csv(report) if format == "csv" else _body(report)


@router.get(
    "/refunds",
    summary="Refunds recorded in a date range, counted and summed per group (admin)",
    description=(
        "Refund records created (`created_at`) in the Jakarta date range, any status unless"
        " `status` is given; `amount` sums the refund amounts; service_type is the refunded"
        " transaction's."
    ),
    response_model=RefundsReport,
    responses={**_CSV_RESPONSE, **problem_responses(401, 403, 422)},
)
async def refunds_report(
    _admin: AdminPrincipal,
    source: Source,
    now: Now,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    group_by: RefundGroupBy = "day",
    status: Annotated[
        str | None, Query(description=f"Only this refund status ({', '.join(REFUND_STATUSES)}).")
    ] = None,
    service_type: ServiceTypeFilter = None,
    format: Format = "json",
) -> Response | dict[str, object]:
    report = await _run(ReportKind.REFUNDS, source, now, date_from, date_to, group_by, status, service_type)
    return _csv(report) if format == "csv" else _body(report)
