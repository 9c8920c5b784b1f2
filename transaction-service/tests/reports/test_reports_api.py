"""GET /reports/transactions, /reports/revenue and /reports/refunds on real PostgreSQL.

A varied set of orders, transactions, payments and refunds is inserted straight into the tables
(days around Jakarta midnight, two years' months, every type, status and method, a foreign
currency); every report must equal the sums computed here, in Python, from the inserted rows.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.tables import orders, payments, refunds, transactions
from routes import reports
from shared.settings import DatabaseSettings
from testkit.fixtures import run_sync

WIB = ZoneInfo("Asia/Jakarta")
TYPES = ("flight", "ferry", "hotel", "ppob")
TX_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED")
METHODS = (None, "bank_transfer", "gopay", "qris", "credit_card")
REASONS = ("customer request", "issuance failed", None, '=HYPERLINK("http://evil.test")', "-2+3", "@sum")
REFUND_STATUSES = ("PENDING", "SUCCEEDED", "FAILED")
# UTC times of day: 16:30 UTC is 23:30 WIB the same day, 17:00 UTC is 00:00 WIB the next day.
TIMES = ((16, 30, 0), (16, 59, 59), (17, 0, 0), (17, 30, 0), (0, 15, 0), (8, 0, 0), (23, 59, 59))
FIRST_DAY = date(2025, 12, 1)
LAST_DAY = date(2026, 11, 30)  # 365 days: the whole seeded span in one report
NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 10:00 WIB, 27 Nov 2026


@dataclass(frozen=True)
class Tx:
    id: uuid.UUID
    type: str
    status: str
    method: str | None
    amount: Decimal
    refunded: Decimal
    currency: str
    created_at: datetime
    completed_at: datetime | None

    @property
    def gateway(self) -> str | None:
        """Which gateway took the money: QRIS through Xendit here, the rest through Midtrans."""
        if self.method is None:
            return None
        return "xendit" if self.method == "qris" else "midtrans"


@dataclass(frozen=True)
class Rf:
    tx: Tx
    amount: Decimal
    reason: str | None
    status: str
    created_at: datetime


@dataclass(frozen=True)
class Seeded:
    txs: list[Tx]
    refunds: list[Rf]


def _days() -> list[date]:
    # Dense around the end of November (month edge), sparse through the year before.
    dense = [date(2026, 10, 25) + timedelta(days=i) for i in range(40)]
    sparse = [FIRST_DAY + timedelta(days=i) for i in range(0, 330, 9)]
    return dense + sparse


def make_rows(seed: int = 20261127) -> Seeded:
    rnd = random.Random(seed)
    days = _days()
    txs: list[Tx] = []
    rfs: list[Rf] = []
    for i in range(220):
        day = rnd.choice(days)
        h, m, s = rnd.choice(TIMES)
        created = datetime(day.year, day.month, day.day, h, m, s, tzinfo=UTC)
        status = TX_STATUSES[i % len(TX_STATUSES)] if i < 200 else "COMPLETED"
        amount = Decimal(rnd.randrange(150_000, 9_000_000)) + rnd.choice((Decimal("0.00"), Decimal("0.50")))
        completed = None
        refunded = Decimal("0.00")
        if status in ("COMPLETED", "REFUNDED"):
            completed = created + timedelta(minutes=rnd.choice((1, 20, 45, 400)))
            if status == "REFUNDED":
                refunded = amount
            elif rnd.random() < 0.3:
                refunded = (amount / 4).quantize(Decimal("0.01"))
        # A few rows in another currency: never summed into IDR reports.
        currency = "USD" if i % 37 == 5 else "IDR"
        tx = Tx(
            uuid.uuid4(),
            rnd.choice(TYPES),
            status,
            rnd.choice(METHODS) if status != "PENDING" else None,
            amount,
            refunded,
            currency,
            created,
            completed,
        )
        txs.append(tx)
        if completed is not None and refunded > 0:
            rfs.append(
                Rf(
                    tx,
                    refunded,
                    rnd.choice(REASONS),
                    "SUCCEEDED",
                    completed + timedelta(hours=rnd.choice((1, 7, 30))),
                )
            )
        if completed is not None and rnd.random() < 0.2:
            rfs.append(
                Rf(
                    tx,
                    Decimal("10000.00"),
                    rnd.choice(REASONS),
                    rnd.choice(("PENDING", "FAILED")),
                    completed + timedelta(minutes=rnd.choice((5, 500))),
                )
            )
    return Seeded(txs, rfs)


async def _insert(database_url: str, data: Seeded) -> None:
    # Many rows of many columns at once: the test's own SQLAlchemy engine (the service has none).
    engine = create_async_engine(DatabaseSettings(DATABASE_URL=database_url).async_url)  # type: ignore[call-arg]
    try:
        async with engine.begin() as conn:
            for table in (refunds, payments, transactions, orders):
                await conn.execute(delete(table))
            order_rows, tx_rows, payment_rows, refund_rows = [], [], [], []
            payment_of: dict[uuid.UUID, uuid.UUID] = {}
            for n, tx in enumerate(data.txs):
                order_id = uuid.uuid4()
                order_rows.append(
                    {
                        "id": order_id,
                        "user_id": f"user-{n % 7}",
                        "order_number": f"TQ-251201-{n:08d}",
                        "service_type": tx.type,
                        "service_id": f"offer-{n}",
                        "quantity": 1,
                        "unit_price": tx.amount,
                        "total_amount": tx.amount,
                        "currency": tx.currency,
                        "status": "PAID" if tx.completed_at else "CONFIRMED",
                        "booking_details": {},
                        "created_at": tx.created_at,
                        "updated_at": tx.created_at,
                    }
                )
                tx_rows.append(
                    {
                        "id": tx.id,
                        "user_id": f"user-{n % 7}",
                        "order_id": order_id,
                        "transaction_type": tx.type,
                        "amount": tx.amount,
                        "currency": tx.currency,
                        "status": tx.status,
                        "payment_method": tx.method,
                        "payment_gateway": tx.gateway,
                        "refunded_amount": tx.refunded,
                        "metadata": {},
                        "completed_at": tx.completed_at,
                        "created_at": tx.created_at,
                        "updated_at": tx.completed_at or tx.created_at,
                    }
                )
                if tx.completed_at is not None:
                    payment_of[tx.id] = uuid.uuid4()
                    payment_rows.append(
                        {
                            "id": payment_of[tx.id],
                            "transaction_id": tx.id,
                            "payment_method": tx.method,
                            "amount": tx.amount,
                            "currency": tx.currency,
                            "status": "PAID",
                            "gateway": "midtrans",
                            "paid_at": tx.completed_at,
                            "created_at": tx.created_at,
                            "updated_at": tx.completed_at,
                        }
                    )
            for rf in data.refunds:
                refund_rows.append(
                    {
                        "id": uuid.uuid4(),
                        "transaction_id": rf.tx.id,
                        "payment_id": payment_of[rf.tx.id],
                        "amount": rf.amount,
                        "reason": rf.reason,
                        "status": rf.status,
                        "refund_key": uuid.uuid4().hex,
                        "processed_by": "admin-1",
                        "processed_at": rf.created_at if rf.status != "PENDING" else None,
                        "created_at": rf.created_at,
                    }
                )
            await conn.execute(insert(orders), order_rows)
            await conn.execute(insert(transactions), tx_rows)
            await conn.execute(insert(payments), payment_rows)
            await conn.execute(insert(refunds), refund_rows)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def seeded(reports_database_url: str) -> Seeded:
    data = make_rows()
    run_sync(_insert(reports_database_url, data))
    return data


@pytest.fixture
def pinned_app(reports_app: FastAPI) -> FastAPI:
    async def now() -> datetime:
        return NOW

    reports_app.dependency_overrides[reports.report_now] = now
    return reports_app


@pytest.fixture
def admin(token_for: Callable[[str, str], dict[str, Any]]) -> dict[str, Any]:
    return token_for("admin-1", "admin")


# --- the independent computation --------------------------------------------------------------


def local_day(ts: datetime) -> date:
    return ts.astimezone(WIB).date()


def expected(
    data: Seeded,
    report: str,
    date_from: date,
    date_to: date,
    group_by: str,
    status: str | None = None,
    service_type: str | None = None,
) -> dict[str, Any]:
    """Rows and totals as the API must answer them, computed from the inserted records alone."""
    groups: dict[str, list[Any]] = {}
    records: list[tuple[datetime, dict[str, str], list[Decimal], str]] = []
    if report == "refunds":
        for rf in data.refunds:
            keys = {"service_type": rf.tx.type, "status": rf.status, "reason": rf.reason or "unknown"}
            records.append((rf.created_at, keys, [rf.amount], rf.tx.currency))
    else:
        for tx in data.txs:
            keys = {
                "service_type": tx.type,
                "status": tx.status,
                "payment_method": tx.method or "unknown",
                "gateway": tx.gateway or "unknown",
            }
            if report == "revenue":
                if tx.status in ("COMPLETED", "REFUNDED"):
                    assert tx.completed_at is not None
                    records.append((tx.completed_at, keys, [tx.amount, tx.refunded], tx.currency))
            else:
                records.append((tx.created_at, keys, [tx.amount], tx.currency))
    for ts, keys, amounts, currency in records:
        if currency != "IDR" or not (date_from <= local_day(ts) <= date_to):
            continue
        if status is not None and keys["status"] != status:
            continue
        if service_type is not None and keys["service_type"] != service_type:
            continue
        if group_by == "day":
            key = local_day(ts).isoformat()
        elif group_by == "month":
            key = local_day(ts).strftime("%Y-%m")
        else:
            key = keys[group_by]
        acc = groups.setdefault(key, [0, *(Decimal("0.00") for _ in amounts)])
        acc[0] += 1
        for i, a in enumerate(amounts):
            acc[i + 1] += a

    def fmt(key: str | None, acc: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {} if key is None else {"group": key}
        out["count"] = acc[0]
        if report == "transactions":
            out["total_amount"] = f"{acc[1]:.2f}"
        elif report == "revenue":
            out.update(
                gross_amount=f"{acc[1]:.2f}",
                refunded_amount=f"{acc[2]:.2f}",
                net_amount=f"{acc[1] - acc[2]:.2f}",
            )
        else:
            out["amount"] = f"{acc[1]:.2f}"
        return out

    width = 3 if report == "revenue" else 2
    total: list[Any] = [0, *(Decimal("0.00") for _ in range(width - 1))]
    for acc in groups.values():
        for i, v in enumerate(acc):
            total[i] += v
    return {
        "rows": [fmt(k, groups[k]) for k in sorted(groups)],
        "totals": fmt(None, total),
    }


async def get_report(
    client: httpx.AsyncClient, headers: dict[str, Any], report: str, **params: Any
) -> httpx.Response:
    return await client.get(f"/reports/{report}", params=params, headers=headers)


# --- the reports equal the independent sums ------------------------------------------------------

GROUPINGS = {
    "transactions": ("day", "month", "service_type", "status", "payment_method", "gateway"),
    "revenue": ("day", "month", "service_type", "status", "payment_method", "gateway"),
    "refunds": ("day", "month", "service_type", "status", "reason"),
}
CASES = [(report, g) for report, gs in GROUPINGS.items() for g in gs]
RANGES = [
    (FIRST_DAY, LAST_DAY),  # everything
    (date(2026, 11, 1), date(2026, 11, 30)),  # one month
    (date(2026, 10, 31), date(2026, 11, 1)),  # across a month edge
    (date(2026, 11, 10), date(2026, 11, 10)),  # a single day
]


@pytest.mark.parametrize(("report", "group_by"), CASES)
async def test_reports_equal_sums_computed_from_the_rows(
    seeded: Seeded,
    pinned_app: FastAPI,
    reports_client: httpx.AsyncClient,
    admin: dict[str, Any],
    report: str,
    group_by: str,
) -> None:
    for date_from, date_to in RANGES:
        response = await get_report(
            reports_client,
            admin,
            report,
            date_from=date_from.isoformat(),
            date_to=date_to.isoformat(),
            group_by=group_by,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        want = expected(seeded, report, date_from, date_to, group_by)
        assert body["rows"] == want["rows"], (date_from, date_to)
        assert body["totals"] == want["totals"], (date_from, date_to)
        assert body["date_from"] == date_from.isoformat()
        assert body["date_to"] == date_to.isoformat()
        assert body["timezone"] == "Asia/Jakarta"
        assert body["currency"] == "IDR"
        assert body["group_by"] == group_by


async def test_the_seed_is_varied_enough_to_mean_something(seeded: Seeded) -> None:
    whole = expected(seeded, "transactions", FIRST_DAY, LAST_DAY, "status")
    assert {r["group"] for r in whole["rows"]} == set(TX_STATUSES)
    methods = expected(seeded, "transactions", FIRST_DAY, LAST_DAY, "payment_method")
    assert "unknown" in {r["group"] for r in methods["rows"]}
    months = expected(seeded, "revenue", FIRST_DAY, LAST_DAY, "month")
    assert len(months["rows"]) >= 10
    reasons = expected(seeded, "refunds", FIRST_DAY, LAST_DAY, "reason")
    assert len(reasons["rows"]) >= 5
    statuses = expected(seeded, "refunds", FIRST_DAY, LAST_DAY, "status")
    assert {r["group"] for r in statuses["rows"]} == set(REFUND_STATUSES)
    # Revenue by completion day differs from transactions by creation day for some rows.
    assert any(
        tx.completed_at and local_day(tx.completed_at) != local_day(tx.created_at) for tx in seeded.txs
    )
    assert any(tx.currency != "IDR" for tx in seeded.txs)


@pytest.mark.parametrize(
    ("report", "status", "service_type"),
    [
        ("transactions", "COMPLETED", None),
        ("transactions", "failed", "flight"),
        ("transactions", None, "hotel"),
        ("revenue", "REFUNDED", None),
        ("revenue", "COMPLETED", "ppob"),
        ("refunds", "SUCCEEDED", None),
        ("refunds", None, "ferry"),
    ],
)
async def test_filters(
    seeded: Seeded,
    pinned_app: FastAPI,
    reports_client: httpx.AsyncClient,
    admin: dict[str, Any],
    report: str,
    status: str | None,
    service_type: str | None,
) -> None:
    params: dict[str, Any] = {"date_from": FIRST_DAY.isoformat(), "date_to": LAST_DAY.isoformat()}
    for group_by in ("month", "service_type", "status"):
        if status is not None:
            params["status"] = status
        if service_type is not None:
            params["service_type"] = service_type
        response = await get_report(reports_client, admin, report, group_by=group_by, **params)
        assert response.status_code == 200, response.text
        want = expected(
            seeded, report, FIRST_DAY, LAST_DAY, group_by, status.upper() if status else None, service_type
        )
        assert response.json()["rows"] == want["rows"]
        assert response.json()["totals"] == want["totals"]
        assert response.json()["filters"] == {
            "status": status.upper() if status else None,
            "service_type": service_type,
        }


async def test_days_are_jakarta_days(
    seeded: Seeded, pinned_app: FastAPI, reports_client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    """23:30 WIB on the 9th is 16:30 UTC on the 9th; 00:00 WIB on the 10th is 17:00 UTC on the 9th."""
    day = date(2026, 11, 10)
    response = await get_report(
        reports_client,
        admin,
        "transactions",
        date_from=day.isoformat(),
        date_to=day.isoformat(),
        group_by="day",
    )
    body = response.json()
    idr = [t for t in seeded.txs if t.currency == "IDR"]
    inside = [
        t
        for t in idr
        if datetime(2026, 11, 9, 17, tzinfo=UTC) <= t.created_at < datetime(2026, 11, 10, 17, tzinfo=UTC)
    ]
    assert [r["group"] for r in body["rows"]] == (["2026-11-10"] if inside else [])
    assert body["totals"]["count"] == len(inside)
    # The inserted rows lie on both sides of both Jakarta midnights of that day.
    utc_9th = [t.created_at for t in idr if t.created_at.date() == date(2026, 11, 9)]
    assert any(ts.hour == 16 for ts in utc_9th) or any(ts.hour == 17 for ts in utc_9th)


async def test_jakarta_midnight_edges_exactly(
    reports_pool: asyncpg.Pool, reports_client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    """Three records a second apart around midnight WIB, through a fake source-free SQL query on a
    date with nothing else in it (2024 is outside every other test's data)."""
    stamps = [
        datetime(2024, 2, 28, 16, 30, tzinfo=UTC),  # 23:30 WIB 28 Feb
        datetime(2024, 2, 28, 16, 59, 59, tzinfo=UTC),  # 23:59:59 WIB 28 Feb
        datetime(2024, 2, 28, 17, 0, 0, tzinfo=UTC),  # 00:00 WIB 29 Feb (leap day)
        datetime(2024, 2, 29, 16, 59, 59, tzinfo=UTC),  # 23:59:59 WIB 29 Feb
        datetime(2024, 2, 29, 17, 0, 0, tzinfo=UTC),  # 00:00 WIB 1 Mar
    ]
    ids = []
    async with reports_pool.acquire() as connection, connection.transaction():
        for n, ts in enumerate(stamps):
            order_id, tx_id = uuid.uuid4(), uuid.uuid4()
            ids.append((order_id, tx_id))
            await connection.execute(
                """
                INSERT INTO orders (
                    id, user_id, order_number, service_type, service_id, quantity, unit_price,
                    total_amount, status, booking_details, created_at
                )
                VALUES ($1, 'edge', $2, 'flight', 'offer', 1, 1000.00, 1000.00, 'CONFIRMED', '{}', $3)
                """,
                order_id,
                f"TQ-240228-EDGE{n:04d}",
                ts,
            )
            await connection.execute(
                """
                INSERT INTO transactions (
                    id, user_id, order_id, transaction_type, amount, status, metadata, created_at
                )
                VALUES ($1, 'edge', $2, 'flight', $3, 'PENDING', '{}', $4)
                """,
                tx_id,
                order_id,
                Decimal(1000 * (n + 1)),
                ts,
            )
    try:
        response = await get_report(
            reports_client,
            admin,
            "transactions",
            date_from="2024-02-28",
            date_to="2024-03-01",
            group_by="day",
        )
        assert response.json()["rows"] == [
            {"group": "2024-02-28", "count": 2, "total_amount": "3000.00"},
            {"group": "2024-02-29", "count": 2, "total_amount": "7000.00"},
            {"group": "2024-03-01", "count": 1, "total_amount": "5000.00"},
        ]
        only_leap_day = await get_report(
            reports_client,
            admin,
            "transactions",
            date_from="2024-02-29",
            date_to="2024-02-29",
            group_by="month",
        )
        assert only_leap_day.json()["rows"] == [{"group": "2024-02", "count": 2, "total_amount": "7000.00"}]
        assert only_leap_day.json()["totals"] == {"count": 2, "total_amount": "7000.00"}
    finally:
        async with reports_pool.acquire() as connection, connection.transaction():
            await connection.execute("DELETE FROM transactions WHERE user_id = 'edge'")
            await connection.execute("DELETE FROM orders WHERE user_id = 'edge'")


async def test_an_empty_range_has_no_rows_and_zero_totals(
    seeded: Seeded, pinned_app: FastAPI, reports_client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    for report, zero in (
        ("transactions", {"count": 0, "total_amount": "0.00"}),
        ("revenue", {"count": 0, "gross_amount": "0.00", "refunded_amount": "0.00", "net_amount": "0.00"}),
        ("refunds", {"count": 0, "amount": "0.00"}),
    ):
        response = await get_report(
            reports_client, admin, report, date_from="2020-01-01", date_to="2020-12-31"
        )
        assert response.status_code == 200
        assert response.json()["rows"] == []
        assert response.json()["totals"] == zero


async def test_defaults_are_the_last_30_jakarta_days_by_day(
    seeded: Seeded, pinned_app: FastAPI, reports_client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    response = await get_report(reports_client, admin, "revenue")
    body = response.json()
    assert (body["date_from"], body["date_to"], body["group_by"]) == ("2026-10-29", "2026-11-27", "day")
    want = expected(seeded, "revenue", date(2026, 10, 29), date(2026, 11, 27), "day")
    assert body["rows"] == want["rows"]
    assert body["totals"] == want["totals"]
    # date_to alone: the 30 days ending there; date_from alone: through today.
    body = (await get_report(reports_client, admin, "refunds", date_to="2026-11-05")).json()
    assert (body["date_from"], body["date_to"]) == ("2026-10-07", "2026-11-05")
    body = (await get_report(reports_client, admin, "refunds", date_from="2026-01-01")).json()
    assert (body["date_from"], body["date_to"]) == ("2026-01-01", "2026-11-27")


async def test_today_is_the_jakarta_date(
    reports_app: FastAPI, reports_client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    async def late_evening_utc() -> datetime:
        return datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # 01:00 WIB on the 28th

    reports_app.dependency_overrides[reports.report_now] = late_evening_utc
    body = (await get_report(reports_client, admin, "transactions")).json()
    assert body["date_to"] == "2026-11-28"


# --- CSV --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("report", "group_by"), CASES)
async def test_csv_matches_json(
    seeded: Seeded,
    pinned_app: FastAPI,
    reports_client: httpx.AsyncClient,
    admin: dict[str, Any],
    report: str,
    group_by: str,
) -> None:
    params = {"date_from": "2026-10-01", "date_to": "2026-11-30", "group_by": group_by}
    body = (await get_report(reports_client, admin, report, **params)).json()
    response = await get_report(reports_client, admin, report, format="csv", **params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="tiketq-{report}-2026-10-01-2026-11-30.csv"'
    )
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    columns = list(body["totals"])
    assert lines[0] == ["group", *columns]
    unguard = {"'=": "=", "'-": "-", "'+": "+", "'@": "@"}
    parsed = []
    for line in lines[1:-1]:
        group = line[0]
        for guarded, raw in unguard.items():
            if group.startswith(guarded):
                group = raw + group[2:]
        parsed.append(
            {"group": group, "count": int(line[1]), **dict(zip(columns[1:], line[2:], strict=True))}
        )
    assert parsed == body["rows"]
    assert lines[-1] == ["total", *(str(body["totals"][c]) for c in columns)]
    assert response.content.endswith(b"\r\n")


async def test_csv_cells_never_start_a_formula(
    seeded: Seeded, pinned_app: FastAPI, reports_client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    response = await get_report(
        reports_client,
        admin,
        "refunds",
        date_from=FIRST_DAY.isoformat(),
        date_to=LAST_DAY.isoformat(),
        group_by="reason",
        format="csv",
    )
    cells = [cell for line in csv.reader(io.StringIO(response.text)) for cell in line]
    assert """'=HYPERLINK("http://evil.test")""" in cells
    assert "'-2+3" in cells
    assert "'@sum" in cells
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "params", "needle"),
    [
        ("transactions", {"date_from": "2026-11-10", "date_to": "2026-11-09"}, "must not be after"),
        ("revenue", {"date_from": "2025-01-01", "date_to": "2026-01-02"}, "at most 366 days"),
        ("revenue", {"date_to": "2026-01-02", "date_from": "2025-01-01"}, "367 days"),
        ("refunds", {"status": "COMPLETED"}, "PENDING, SUCCEEDED, FAILED"),
        ("revenue", {"status": "PENDING"}, "COMPLETED, REFUNDED"),
        ("transactions", {"status": "SHIPPED"}, "PROCESSING"),
    ],
)
async def test_invalid_queries_are_422_with_a_clear_message(
    pinned_app: FastAPI,
    reports_client: httpx.AsyncClient,
    admin: dict[str, Any],
    report: str,
    params: dict[str, str],
    needle: str,
) -> None:
    response = await get_report(reports_client, admin, report, **params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-report-query")
    assert needle in problem["detail"]


@pytest.mark.parametrize(
    ("report", "params"),
    [
        ("refunds", {"group_by": "payment_method"}),
        ("transactions", {"group_by": "reason"}),
        ("transactions", {"group_by": "week"}),
        ("revenue", {"date_from": "2026-02-30"}),
        ("revenue", {"date_to": "yesterday"}),
        ("transactions", {"format": "xlsx"}),
        ("refunds", {"service_type": "train"}),
    ],
)
async def test_malformed_parameters_are_422(
    pinned_app: FastAPI,
    reports_client: httpx.AsyncClient,
    admin: dict[str, Any],
    report: str,
    params: dict[str, str],
) -> None:
    response = await get_report(reports_client, admin, report, **params)
    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation-error")
    assert response.json()["errors"]


async def test_exactly_366_days_is_allowed(
    seeded: Seeded, pinned_app: FastAPI, reports_client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    response = await get_report(
        reports_client, admin, "revenue", date_from="2025-11-27", date_to="2026-11-27"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("report", ["transactions", "revenue", "refunds"])
async def test_admins_only(
    pinned_app: FastAPI,
    reports_client: httpx.AsyncClient,
    token_for: Callable[[str, str], dict[str, Any]],
    report: str,
) -> None:
    anonymous = await reports_client.get(f"/reports/{report}")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    forged = await reports_client.get(f"/reports/{report}", headers={"Authorization": "Bearer not-a-jwt"})
    assert forged.status_code == 401
    user = await reports_client.get(f"/reports/{report}", headers=token_for("user-1", "user"))
    assert user.status_code == 403
    assert user.json()["type"].endswith("/forbidden")
    csv_user = await reports_client.get(f"/reports/{report}?format=csv", headers=token_for("user-1", "user"))
    assert csv_user.status_code == 403


def test_openapi_documents_the_reports(reports_app: FastAPI) -> None:
    schema = reports_app.openapi()
    for report, grouping in (
        ("transactions", "payment_method"),
        ("revenue", "payment_method"),
        ("refunds", "reason"),
    ):
        op = schema["paths"][f"/reports/{report}"]["get"]
        assert op["tags"] == ["reports"]
        assert op["security"]
        assert "text/csv" in op["responses"]["200"]["content"]
        assert "application/json" in op["responses"]["200"]["content"]
        assert {"401", "403", "422"} <= set(op["responses"])
        params = {p["name"]: p for p in op["parameters"]}
        assert set(params) == {"date_from", "date_to", "group_by", "status", "service_type", "format"}
        assert grouping in params["group_by"]["schema"]["enum"]
