"""Admin reports: what a report asks for, the rules a request must meet, and the shape
of the answer. Pure Python; the sums themselves are computed by the database (adapters/reports.py).

Dates are Asia/Jakarta calendar days, both ends inclusive. A report over [date_from, date_to]
covers the UTC instants [date_from 00:00 WIB, date_to + 1 day 00:00 WIB), so 23:30 WIB on the
1st (16:30 UTC on the 1st) belongs to the 1st and 00:30 WIB on the 2nd (17:30 UTC on the 1st)
belongs to the 2nd.

What each report counts:
- transactions: every transaction created in the range (`transactions.created_at`), any
  status unless filtered; `total_amount` is the sum of `amount`.
- revenue: transactions that were paid — status COMPLETED or REFUNDED — by the moment the
  payment was confirmed (`transactions.completed_at`); `gross_amount` = sum of `amount`,
  `refunded_amount` = sum of `refunded_amount` (refunds are attributed to the sale they undo,
  whenever they happened), `net_amount` = gross - refunded.
- refunds: refund records created in the range (`refunds.created_at`), any status unless
  filtered; `amount` is the sum of the refund amounts; service_type comes from the refunded
  transaction.
Only IDR amounts are summed (the platform sells in IDR; a sum over two currencies means nothing).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.models import SERVICE_TYPES
from shared.money import money_string

TIMEZONE_NAME = "Asia/Jakarta"
TIMEZONE = ZoneInfo(TIMEZONE_NAME)
CURRENCY = "IDR"
DEFAULT_DAYS = 30
MAX_DAYS = 366
UNKNOWN_GROUP = "unknown"


class ReportKind(enum.StrEnum):
    TRANSACTIONS = "transactions"
    REVENUE = "revenue"
    REFUNDS = "refunds"


class GroupBy(enum.StrEnum):
    DAY = "day"
    MONTH = "month"
    SERVICE_TYPE = "service_type"
    STATUS = "status"
    PAYMENT_METHOD = "payment_method"
    GATEWAY = "gateway"  # midtrans | xendit: which payment gateway took the money
    REASON = "reason"


TRANSACTION_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED")
PAID_TRANSACTION_STATUSES = ("COMPLETED", "REFUNDED")
REFUND_STATUSES = ("PENDING", "SUCCEEDED", "FAILED")


@dataclass(frozen=True)
class ReportSpec:
    """What one report may be grouped and filtered by, and the money columns of its rows."""

    kind: ReportKind
    group_by: tuple[GroupBy, ...]
    statuses: tuple[str, ...]
    money_columns: tuple[str, ...]


TRANSACTION_GROUPS = (
    GroupBy.DAY,
    GroupBy.MONTH,
    GroupBy.SERVICE_TYPE,
    GroupBy.STATUS,
    GroupBy.PAYMENT_METHOD,
    GroupBy.GATEWAY,
)

SPECS: dict[ReportKind, ReportSpec] = {
    ReportKind.TRANSACTIONS: ReportSpec(
        ReportKind.TRANSACTIONS,
        TRANSACTION_GROUPS,
        TRANSACTION_STATUSES,
        ("total_amount",),
    ),
    ReportKind.REVENUE: ReportSpec(
        ReportKind.REVENUE,
        TRANSACTION_GROUPS,
        PAID_TRANSACTION_STATUSES,
        ("gross_amount", "refunded_amount", "net_amount"),
    ),
    ReportKind.REFUNDS: ReportSpec(
        ReportKind.REFUNDS,
        (GroupBy.DAY, GroupBy.MONTH, GroupBy.SERVICE_TYPE, GroupBy.STATUS, GroupBy.REASON),
        REFUND_STATUSES,
        ("amount",),
    ),
}


class InvalidReportQuery(ValueError):
    """The request cannot be answered as asked; the message says why, for the caller."""


@dataclass(frozen=True)
class ReportQuery:
    kind: ReportKind
    date_from: date
    date_to: date
    group_by: GroupBy
    status: str | None = None
    service_type: str | None = None

    @property
    def spec(self) -> ReportSpec:
        return SPECS[self.kind]

    @property
    def starts_at(self) -> datetime:
        """The first UTC instant of date_from in Jakarta (inclusive)."""
        return jakarta_midnight_utc(self.date_from)

    @property
    def ends_before(self) -> datetime:
        """The first UTC instant after date_to in Jakarta (exclusive)."""
        return jakarta_midnight_utc(self.date_to + timedelta(days=1))


def jakarta_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TIMEZONE).astimezone(UTC)


def jakarta_today(now: datetime) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(TIMEZONE).date()


def make_query(
    kind: ReportKind,
    *,
    now: datetime,
    date_from: date | None = None,
    date_to: date | None = None,
    group_by: str | None = None,
    status: str | None = None,
    service_type: str | None = None,
) -> ReportQuery:
    """Validates a request and fills the defaults: date_to is today in Jakarta, date_from is 29
    days before date_to (30 days in all), group_by is day. Raises InvalidReportQuery with a
    message fit for the caller."""
    spec = SPECS[kind]
    if date_to is None:
        date_to = jakarta_today(now)
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_DAYS - 1)
    if date_from > date_to:
        raise InvalidReportQuery(
            f"date_from ({date_from.isoformat()}) must not be after date_to ({date_to.isoformat()})."
        )
    days = (date_to - date_from).days + 1
    if days > MAX_DAYS:
        raise InvalidReportQuery(
            f"The range {date_from.isoformat()}..{date_to.isoformat()} covers {days} days;"
            f" a report covers at most {MAX_DAYS} days."
        )
    try:
        grouping = GroupBy(group_by or GroupBy.DAY)
    except ValueError:
        grouping = None
    if grouping is None or grouping not in spec.group_by:
        allowed = ", ".join(g.value for g in spec.group_by)
        raise InvalidReportQuery(f"The {kind.value} report groups by one of: {allowed}; not {group_by!r}.")
    if status is not None:
        status = status.upper()
        if status not in spec.statuses:
            allowed = ", ".join(spec.statuses)
            raise InvalidReportQuery(f"The {kind.value} report filters status by one of: {allowed}.")
    if service_type is not None:
        service_type = service_type.lower()
        if service_type not in SERVICE_TYPES:
            raise InvalidReportQuery(f"service_type is one of: {', '.join(SERVICE_TYPES)}.")
    return ReportQuery(kind, date_from, date_to, grouping, status, service_type)


@dataclass(frozen=True)
class ReportRow:
    """One group: how many records, and the sum of each money column (in spec.money_columns
    order)."""

    group: str
    count: int
    amounts: tuple[Decimal, ...]

    def as_dict(self, columns: Sequence[str]) -> dict[str, object]:
        return {"group": self.group, "count": self.count, **dict(zip(columns, self.amounts, strict=True))}


@dataclass(frozen=True)
class Report:
    query: ReportQuery
    rows: tuple[ReportRow, ...]
    totals: ReportRow

    @property
    def columns(self) -> tuple[str, ...]:
        return self.query.spec.money_columns


class ReportSource(Protocol):
    """Runs a report's aggregation where the records live (the database)."""

    async def run(self, query: ReportQuery) -> Report: ...


def csv_safe(cell: str) -> str:
    """A cell a spreadsheet will not evaluate: a leading = + - @ (or tab/CR, which some
    spreadsheets strip before looking) gets a leading apostrophe (OWASP CSV injection)."""
    if cell and cell[0] in "=+-@\t\r":
        return "'" + cell
    return cell


def csv_rows(report: Report) -> list[list[str]]:
    """The CSV form: a header, one line per group, then the totals line."""
    columns = report.columns
    out = [["group", "count", *columns]]
    for row in (*report.rows, report.totals):
        out.append([csv_safe(row.group), str(row.count), *(money_string(a) for a in row.amounts)])
    return out


def csv_filename(report: Report) -> str:
    q = report.query
    return f"tiketq-{q.kind.value}-{q.date_from.isoformat()}-{q.date_to.isoformat()}.csv"
