"""domain/reports.py: the rules a report request must meet, Jakarta days, and the CSV form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.reports import (
    GroupBy,
    InvalidReportQuery,
    Report,
    ReportKind,
    ReportRow,
    csv_filename,
    csv_rows,
    csv_safe,
    jakarta_midnight_utc,
    jakarta_today,
    make_query,
)

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def test_defaults_are_30_days_ending_today_in_jakarta_grouped_by_day() -> None:
    q = make_query(ReportKind.TRANSACTIONS, now=NOW)
    assert (q.date_from, q.date_to, q.group_by) == (date(2026, 10, 29), date(2026, 11, 27), GroupBy.DAY)
    assert (q.date_to - q.date_from).days + 1 == 30
    assert q.status is None
    assert q.service_type is None


def test_today_is_the_jakarta_calendar_day() -> None:
    assert jakarta_today(datetime(2026, 11, 27, 16, 59, 59, tzinfo=UTC)) == date(2026, 11, 27)
    assert jakarta_today(datetime(2026, 11, 27, 17, 0, tzinfo=UTC)) == date(2026, 11, 28)
    new_york = timezone(timedelta(hours=-5))  # 12:30 there is 00:30 WIB the next day
    assert jakarta_today(datetime(2026, 11, 27, 12, 30, tzinfo=new_york)) == date(2026, 11, 28)
    with pytest.raises(ValueError, match="timezone-aware"):
        jakarta_today(datetime(2026, 11, 27))


def test_a_range_covers_whole_jakarta_days_in_utc() -> None:
    q = make_query(ReportKind.REVENUE, now=NOW, date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    assert q.starts_at == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert q.ends_before == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert jakarta_midnight_utc(date(2024, 2, 29)) == datetime(2024, 2, 28, 17, 0, tzinfo=UTC)


def test_one_day_and_366_days_are_allowed_367_is_not() -> None:
    one = make_query(ReportKind.REFUNDS, now=NOW, date_from=date(2026, 1, 1), date_to=date(2026, 1, 1))
    assert one.ends_before - one.starts_at == timedelta(days=1)
    make_query(ReportKind.REFUNDS, now=NOW, date_from=date(2025, 11, 27), date_to=date(2026, 11, 27))
    with pytest.raises(InvalidReportQuery, match="367 days; a report covers at most 366 days"):
        make_query(ReportKind.REFUNDS, now=NOW, date_from=date(2025, 11, 26), date_to=date(2026, 11, 27))


def test_from_after_to_is_refused() -> None:
    with pytest.raises(InvalidReportQuery, match=r"date_from \(2026-11-02\) must not be after date_to"):
        make_query(ReportKind.TRANSACTIONS, now=NOW, date_from=date(2026, 11, 2), date_to=date(2026, 11, 1))
    with pytest.raises(InvalidReportQuery, match="must not be after"):  # from in the future, to = today
        make_query(ReportKind.TRANSACTIONS, now=NOW, date_from=date(2026, 12, 1))


def test_one_end_given() -> None:
    q = make_query(ReportKind.TRANSACTIONS, now=NOW, date_to=date(2026, 3, 1))
    assert (q.date_from, q.date_to) == (date(2026, 1, 31), date(2026, 3, 1))
    q = make_query(ReportKind.TRANSACTIONS, now=NOW, date_from=date(2026, 11, 20))
    assert (q.date_from, q.date_to) == (date(2026, 11, 20), date(2026, 11, 27))


@pytest.mark.parametrize(
    ("kind", "allowed", "refused"),
    [
        (ReportKind.TRANSACTIONS, ["day", "month", "service_type", "status", "payment_method"], ["reason"]),
        (ReportKind.REVENUE, ["day", "month", "service_type", "status", "payment_method"], ["reason"]),
        (ReportKind.REFUNDS, ["day", "month", "service_type", "status", "reason"], ["payment_method"]),
    ],
)
def test_groupings_per_report(kind: ReportKind, allowed: list[str], refused: list[str]) -> None:
    for g in allowed:
        assert make_query(kind, now=NOW, group_by=g).group_by == GroupBy(g)
    for g in [*refused, "week", "DAY", ""]:
        if g == "":
            continue  # empty means the default
        with pytest.raises(InvalidReportQuery, match="groups by one of"):
            make_query(kind, now=NOW, group_by=g)


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (
            ReportKind.TRANSACTIONS,
            ["PENDING", "processing", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED"],
            ["PAID"],
        ),
        (ReportKind.REVENUE, ["COMPLETED", "refunded"], ["PENDING", "FAILED"]),
        (ReportKind.REFUNDS, ["PENDING", "SUCCEEDED", "failed"], ["COMPLETED"]),
    ],
)
def test_status_filters_per_report(kind: ReportKind, good: list[str], bad: list[str]) -> None:
    for status in good:
        assert make_query(kind, now=NOW, status=status).status == status.upper()
    for status in bad:
        with pytest.raises(InvalidReportQuery, match="filters status by one of"):
            make_query(kind, now=NOW, status=status)


def test_service_type_filter() -> None:
    assert make_query(ReportKind.TRANSACTIONS, now=NOW, service_type="Hotel").service_type == "hotel"
    with pytest.raises(InvalidReportQuery, match="flight, ferry, hotel, ppob"):
        make_query(ReportKind.TRANSACTIONS, now=NOW, service_type="train")


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+62812", "'+62812"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("customer request", "customer request"),
        ("a=b", "a=b"),
        ("", ""),
        ("1500000.00", "1500000.00"),
    ],
)
def test_csv_cells_are_defused(cell: str, safe: str) -> None:
    assert csv_safe(cell) == safe


def test_csv_rows_header_rows_and_totals() -> None:
    q = make_query(
        ReportKind.REVENUE,
        now=NOW,
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
        group_by="payment_method",
    )
    report = Report(
        q,
        (
            ReportRow("gopay", 2, (Decimal("300000.00"), Decimal("0.00"), Decimal("300000.00"))),
            ReportRow("unknown", 1, (Decimal("1500000.5"), Decimal("1500000.5"), Decimal("0"))),
        ),
        ReportRow("total", 3, (Decimal("1800000.50"), Decimal("1500000.50"), Decimal("300000.00"))),
    )
    assert csv_rows(report) == [
        ["group", "count", "gross_amount", "refunded_amount", "net_amount"],
        ["gopay", "2", "300000.00", "0.00", "300000.00"],
        ["unknown", "1", "1500000.50", "1500000.50", "0.00"],
        ["total", "3", "1800000.50", "1500000.50", "300000.00"],
    ]
    assert csv_filename(report) == "tiketq-revenue-2026-11-01-2026-11-30.csv"
    assert report.rows[0].as_dict(report.columns) == {
        "group": "gopay",
        "count": 2,
        "gross_amount": Decimal("300000.00"),
        "refunded_amount": Decimal("0.00"),
        "net_amount": Decimal("300000.00"),
    }
