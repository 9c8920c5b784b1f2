"""The money path under load.

1. A notification storm: 500 orders paid on the sandbox's Midtrans with its own notifications
   switched off; then each order's Midtrans notification (the status body, signed) posted twice,
   1,000 in all, shuffled, 32 at a time, through the gateway's public `/webhooks/midtrans`.
   Targets: 0 errors, exactly 500 completed orders; reported: notifications/s, webhook p99.
2. End-to-end bookings (order → pay → COMPLETED) by 1 buyer (what the path costs with the cores to
   spare), then by 16 concurrent buyers (the targets: paid → COMPLETED p50 ≤ 150 ms, twice 15.4
   bookings/s), with the time of each step and of each hop after payment, and the CPU every process
   spends per booking, so that it is clear where the time goes and what bounds the rate.

Each part starts on an idle stack (`_settle`): the storm's after-work (500 orders' emails and PDF
tickets, relays) would otherwise be billed to the 16 buyers. Each bookings part then warms up with
one booking per buyer, not counted, so that its window measures the path and not the connections
its idle pools open again. `BENCH_MONEY_STORM=0` skips the storm
(to iterate on the bookings alone); `BENCH_EACH=N` gives each buyer N bookings instead of 10 (a
longer run to profile the services under). At 5 each, the 16 buyers' window lasted ~2 s and the
same code's paid → COMPLETED p50 ranged from 133 to 189 ms over seven runs.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

import asyncpg

from bench.http_client import BenchClient
from bench.load import collector_paused, cpu_jiffies, machine_busy, percentile
from bench.memory import postmaster_pids
from devstack.stack import Stack

STORM_ORDERS = 500
STORM_CONCURRENCY = 32
BUYERS = 16
BOOKINGS_PER_BUYER = int(os.environ.get("BENCH_EACH", "10"))
# Bookings each buyer makes, all at once, right before the measured ones (not counted).
WARM_UP_BOOKINGS = 1
# Each part starts on an idle stack (see _settle); BENCH_MONEY_STORM=0 skips the storm while iterating.
IDLE_CPU_SHARE = 0.05
IDLE_WINDOW_SECONDS = 1.0
SETTLE_TIMEOUT_SECONDS = 120.0
# Targets: paid → COMPLETED within 150 ms (p50) at 16 buyers, events and work picked up when they
# are written; twice the 15.4 bookings/s measured before the product services joined.
PAID_TO_COMPLETED_P50_MS = 150
BOOKINGS_PER_SECOND = 2 * 15.4
ROUTES = [("CGK", "DPS"), ("CGK", "SUB"), ("CGK", "KNO"), ("CGK", "UPG"), ("CGK", "YIA"), ("SUB", "DPS")]
CONTACT = {"email": "bench@example.co.id", "phone": "081234567890"}
WHERE_THE_TIME_GOES = (
    "Where the time goes: the hold is two supplier calls (re-price, then order) plus our own rows; the"
    " Snap charge is payment-service's insert-first row, the Snap call and transaction-service's own"
    " bookkeeping; paid → COMPLETED is the hops above. The unit of work that commits an event or a job"
    " hands it to its process's relay, which sends or runs it at once (up to 8 at a time, one order's"
    " in order) without a pass's BEGIN, claim and COMMIT (shared/outbox.py, dispatch), so no hop waits"
    " for a poll (nor does the buyer: its status request is answered when the order changes); what is"
    " left is CPU. Bookings per second cannot pass cores ÷ CPU per"
    " booking (the table above), and each hop is mostly round trips to PostgreSQL and HTTP calls"
    " waiting for a turn on the cores that every process, PostgreSQL and the buyers' client share."
    " transaction-service keeps its round trips per step few (held by"
    " transaction-service/tests/api/test_round_trips_api.py: the status poll 1, the hold 8, paying 12,"
    " the paid event 5, the issue job 9 as a pass runs it and 6 when handed over at its commit;"
    " payment-service's test holds a charge to 7 and"
    " a repeated notification to 2): a chain of locks (order, transaction, payment) is one statement."
    " Counted from PostgreSQL's statement log over 176 bookings by 16 buyers, a booking runs about"
    " 70 statements besides notification-service's (transaction 40, payment 17, flights 10, auth and"
    " user 2; 79 before events and jobs left at their commit and the chains became one statement:"
    " transaction 48, payment 18.5), about a quarter of them BEGIN and COMMIT; notification-service"
    " adds one or two per event it receives and four per message it sends; the relays' and the"
    " delivery worker's claims read"
    " through indexes in their own order (the delivery claim had sorted every due message: 0.60 ms"
    " of PostgreSQL's time each under this load, now 0.06). What transaction-service spends besides"
    " is mostly its HTTP requests and"
    " calls (three requests, two product calls, the charge, three events posted to"
    " notification-service per booking) and the buyers' status requests through the gateway (the"
    " requests per booking above);"
    " notification-service renders two emails and a PDF ticket per order (built with the classic"
    " MIME classes, the ticket's lines as cells, sent over one kept SMTP connection) and asks"
    " user-service for the profile at most every 30 s per account. Every service's statements run"
    " straight on asyncpg as plain SQL (no service imports SQLAlchemy, whose Core declares the"
    " tables for the migrations): through SQLAlchemy's session a statement cost"
    " several times the CPU, and under 16 buyers transaction-service's CPU per booking fell by about a"
    " third when its units of work, relays and keys left it. Profiled under 16 buyers since (py-spy,"
    " samples while the process ran, not while it waited), transaction-service spends about 60 % of"
    " its CPU in FastAPI's request path (its endpoints included), 23 % in its outbound HTTP calls"
    " (httpx's client about half of that, aiohttp's connector under it the rest) and about 10 % in"
    " asyncpg."
)
# (label, start, end) over the per-booking instants read from the two services' rows.
HOPS = (
    ("the payer presses pay → Midtrans's notification reaches payment-service", "paying", "notified"),
    ("notification checked with Midtrans's status, recorded, outbox row", "notified", "event_row"),
    (
        "outbox row → sent at its commit → transaction-service starts applying it",
        "event_row",
        "event_received",
    ),
    ("event applied: payment, transaction, order PAID; issue job queued", "event_received", "order_paid"),
    (
        "PAID → the issue job, run at its commit: flights-service and its supplier → COMPLETED",
        "order_paid",
        "completed",
    ),
    ("COMPLETED → the buyer's held status request answers", "completed", "seen"),
)


def _passenger() -> dict[str, str]:
    return {
        "type": "adult",
        "title": "ms",
        "first_name": "Sari",
        "last_name": "Wulandari",
        "date_of_birth": "1990-06-01",
    }


@dataclass
class Buyer:
    headers: dict[str, str]


@dataclass
class Steps:
    """Seconds per step of each booking."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, step: str, seconds: float) -> None:
        self.times[step].append(seconds)


async def _buyer(client: BenchClient) -> Buyer:
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct horse battery"  # noqa: S105 - a throwaway bench account
    (await client.post("/auth/register", json={"email": email, "password": password})).raise_for_status()
    login = await client.post("/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    return Buyer({"Authorization": f"Bearer {login.json()['access_token']}"})


class OfferPool:
    """Distinct offers across routes and dates, fetched as needed (each order holds one seat)."""

    def __init__(self, client: BenchClient, first_day: int) -> None:
        self._client = client
        self._day = first_day
        self._offers: list[str] = []
        self._lock = asyncio.Lock()

    async def take(self) -> str:
        await self.warm(1)
        async with self._lock:
            return self._offers.pop()

    async def warm(self, count: int) -> None:
        async with self._lock:
            while len(self._offers) < count:
                for origin, destination in ROUTES:
                    params: dict[str, str | int] = {
                        "origin": origin,
                        "destination": destination,
                        "departure_date": (date.today() + timedelta(days=self._day)).isoformat(),
                        "adults": 1,
                    }
                    response = await self._client.get("/flights/search", params=params)
                    response.raise_for_status()
                    self._offers += [o["offer_id"] for o in response.json()["offers"]]
                self._day += 1


async def _order(client: BenchClient, buyer: Buyer, offers: OfferPool) -> dict[str, Any] | None:
    for _ in range(5):  # an offer can sell out or change price between search and hold: take another
        response = await client.post(
            "/orders/",
            json={
                "service_type": "flight",
                "offer_id": await offers.take(),
                "booking_details": {"passengers": [_passenger()], "contact": CONTACT},
            },
            headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        if response.status_code == 201:
            body: dict[str, Any] = response.json()
            return body
        if response.status_code not in (409, 410):
            response.raise_for_status()
    return None


async def _pay(client: BenchClient, buyer: Buyer, transaction_id: str) -> dict[str, Any]:
    response = await client.post(
        "/payments/",
        json={"transaction_id": transaction_id},
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def _payer_pays(page: BenchClient, redirect_url: str) -> None:
    response = await page.post(
        f"{redirect_url}/pay",
        json={"payment_type": "bank_transfer", "bank": "bca"},
        headers={"Accept": "application/json"},
    )
    response.raise_for_status()


def _client(base_url: str = "", timeout: float = 60) -> BenchClient:
    """A client of the buyers' (or the payers' browser): it shares the 2 cores with the stack it
    measures, so it is the cheapest there is (bench/http_client.py). On httpcore's pure-Python
    pool it spent ~7 ms of them per booking, on httpx's API over aiohttp's connector ~3.7 ms."""
    return BenchClient(base_url, timeout=timeout)


def _page_client() -> BenchClient:
    """The payers' browser, one for the whole run: a client per payment built an SSL context each
    time (certifi's bundle, ~15 ms of the cores the stack is measured on)."""
    return _client(timeout=30)


async def _completed(
    client: BenchClient,
    buyer: Buyer,
    order_id: str,
    timeout: float = 120,
    polls: list[int] | None = None,
) -> bool:
    """Waits for the order to be COMPLETED as the apps do: each read sends the ETag of the last
    one with `Prefer: wait=5`, and transaction-service answers when the order changes (a 304 after
    5 s unchanged). A 304 without `Preference-Applied` (too many requests already waiting) is
    asked again after 50 ms. The number of requests it took is appended to `polls`."""
    deadline = time.monotonic() + timeout
    count = 0
    headers = buyer.headers
    try:
        while time.monotonic() < deadline:
            count += 1
            response = await client.get(f"/orders/{order_id}", headers=headers)
            if response.status_code == 200:
                if response.json()["status"] == "COMPLETED":
                    return True
                headers = {**buyer.headers, "If-None-Match": response.headers["etag"], "Prefer": "wait=5"}
            elif "preference-applied" not in response.headers:  # unchanged, and not held
                await asyncio.sleep(0.05)
        return False
    finally:
        if polls is not None:
            polls.append(count)


async def _bounded(limit: int, jobs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))


async def _storm(stack: Stack) -> list[str]:
    # The sandbox's Midtrans stays silent: the storm is the only source of notifications.
    stack.config.service_env["sandbox"] = {"SANDBOX_MIDTRANS_NOTIFICATION_URL": ""}
    await stack.restart_service("sandbox")
    basic = base64.b64encode(f"{stack.midtrans_server_key}:".encode()).decode()
    async with (
        _client(base_url=stack.gateway_url, timeout=60) as client,
        _page_client() as page,
        BenchClient(
            f"{stack.url('sandbox')}/midtrans", headers={"Authorization": f"Basic {basic}"}, timeout=30
        ) as core,
    ):
        buyers = [await _buyer(client) for _ in range(BUYERS)]
        offers = OfferPool(client, first_day=60)

        async def prepare(i: int) -> tuple[Buyer, str, dict[str, Any]] | None:
            buyer = buyers[i % BUYERS]
            placed = await _order(client, buyer, offers)
            if placed is None:
                return None
            payment = await _pay(client, buyer, placed["transaction_id"])
            await _payer_pays(page, payment["redirect_url"])
            status = (await core.get(f"/v2/{payment['id']}/status")).json()
            return buyer, placed["id"], status

        jobs: list[Callable[[], Awaitable[Any]]] = [partial(prepare, i) for i in range(STORM_ORDERS + 20)]
        prepared = [p for p in await _bounded(16, jobs) if p]
        prepared = prepared[:STORM_ORDERS]
        notifications = [p[2] for p in prepared] * 2
        random.Random(7).shuffle(notifications)

        latencies: list[float] = []
        errors = 0

        async def notify(body: dict[str, Any]) -> None:
            nonlocal errors
            started = time.perf_counter()
            response = await client.post("/webhooks/midtrans", json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors += 1

        with collector_paused():
            started = time.perf_counter()
            await _bounded(STORM_CONCURRENCY, [partial(notify, b) for b in notifications])
            storm_seconds = time.perf_counter() - started
            settle_started = time.perf_counter()
            done = await asyncio.gather(
                *(_completed(client, buyer, order_id) for buyer, order_id, _ in prepared)
            )
            settle_seconds = time.perf_counter() - settle_started
    stack.config.service_env.pop("sandbox", None)
    await stack.restart_service("sandbox")

    latencies.sort()
    completed = sum(done)
    verdict = "meets" if errors == 0 and completed == len(prepared) == STORM_ORDERS else "MISSES"
    return [
        "## Money path: a storm of Midtrans notifications through the gateway",
        "",
        f"{len(prepared)} orders paid on the sandbox's Midtrans page with its notifications switched off; "
        f"then each order's notification (Midtrans's signed status body) posted twice, "
        f"{len(notifications)} in all, shuffled, {STORM_CONCURRENCY} at a time, to `/webhooks/midtrans` "
        "through the gateway. Each is verified, checked against Midtrans's status, recorded, relayed to "
        "transaction-service, which marks the order PAID and has the booking issued (e-tickets).",
        "",
        "| measurement | value | target |",
        "|---|---:|---|",
        f"| notifications answered non-200 | {errors} | 0 ({verdict}) |",
        f"| orders COMPLETED | {completed} of {len(prepared)} | exactly {STORM_ORDERS} ({verdict}) |",
        f"| notifications per second | {len(notifications) / storm_seconds:,.0f} | reported |",
        f"| webhook latency p50 / p99 | {percentile(latencies, 0.5) * 1000:.0f} ms / "
        f"{percentile(latencies, 0.99) * 1000:.0f} ms | reported |",
        f"| from the last notification to the last order COMPLETED | {settle_seconds:.1f} s | reported |",
        "",
    ]


def _cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each process of the stack and its children
    (PostgreSQL's backends under "postgres" when it is the stack's own), read from /proc."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in os.scandir("/proc"):
        if not stat.name.isdigit():
            continue
        try:
            with open(f"/proc/{stat.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.name))
        times[int(stat.name)] = (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    roots = {name: [p.process.pid] for name, p in stack.processes.items() if p.process}
    if stack.database and stack.database.embedded:
        roots["postgres"] = postmaster_pids(stack.config.workdir / "pgdata")
    used: dict[str, float] = {}
    for name, pids in roots.items():
        pending, seen = list(pids), set()
        while pending:
            pid = pending.pop()
            if pid not in seen:
                seen.add(pid)
                pending += children.get(pid, [])
        used[name] = sum(times.get(pid, 0.0) for pid in seen)
    return used


async def _hops(stack: Stack, seen: dict[str, tuple[float, float]]) -> list[list[float]]:
    """Per hop of paid → COMPLETED, its seconds for each booking: the instants from payment-service's
    and transaction-service's own rows (notification received, outbox row written, event received,
    audit rows), and the buyer's clock (same machine) for the first and last hop."""
    assert stack.database is not None
    payment_db = await asyncpg.connect(stack.database.url_for("tiketq_payment"))
    transaction_db = await asyncpg.connect(stack.database.url_for("tiketq_transaction"))
    try:
        events = await payment_db.fetch(
            "SELECT o.id, o.payload->>'order_id' AS payment_id, o.created_at,"
            " (SELECT min(n.received_at) FROM notifications n WHERE n.order_id = o.payload->>'order_id')"
            " AS notified FROM outbox o WHERE o.payload->>'status' = 'paid'"
            " AND o.payload->>'order_id' = ANY($1::text[])",
            list(seen),
        )
        hops: list[list[float]] = [[] for _ in HOPS]
        for event in events:
            row = await transaction_db.fetchrow(
                "SELECT e.received_at, t.order_id,"
                " (SELECT min(a.at) FROM audit_log a WHERE a.entity_type = 'order'"
                "  AND a.entity_id = t.order_id AND a.to_status = 'PAID') AS order_paid,"
                " (SELECT min(a.at) FROM audit_log a WHERE a.entity_type = 'order'"
                "  AND a.entity_id = t.order_id AND a.to_status = 'COMPLETED') AS completed"
                " FROM processed_events e, payments p JOIN transactions t ON t.id = p.transaction_id"
                " WHERE e.event_id = $1 AND p.id::text = $2",
                event["id"],
                event["payment_id"],
            )
            if row is None:
                continue
            stamps = {
                "notified": event["notified"],
                "event_row": event["created_at"],
                "event_received": row["received_at"],
                "order_paid": row["order_paid"],
                "completed": row["completed"],
            }
            if any(v is None for v in stamps.values()):
                continue
            paying, polled = seen[event["payment_id"]]
            at = {
                "paying": paying,
                "seen": polled,
                **{k: v.timestamp() for k, v in stamps.items()},
            }
            for i, (_, start, end) in enumerate(HOPS):
                hops[i].append(at[end] - at[start])
        return hops
    finally:
        await payment_db.close()
        await transaction_db.close()


async def _bookings(stack: Stack, buyer_count: int = BUYERS, each: int = BOOKINGS_PER_BUYER) -> list[str]:
    """The bookings section; the verdicts are those of the targets' load (BUYERS buyers)."""
    steps = Steps()
    polls: list[int] = []
    seen: dict[str, tuple[float, float]] = {}  # payment id → (payer pays, COMPLETED seen), wall clock
    async with (
        _client(base_url=stack.gateway_url, timeout=60) as client,
        _page_client() as page,
    ):
        buyers = [await _buyer(client) for _ in range(buyer_count)]
        offers = OfferPool(client, first_day=120 + buyer_count)
        # Fill the pool before the clock starts: searching is measured in the flights section.
        await offers.warm(buyer_count * (each + WARM_UP_BOOKINGS) * 2)

        async def book(buyer: Buyer, count: int, record: bool) -> int:
            completed = 0
            for _ in range(count):
                t0 = time.perf_counter()
                placed = await _order(client, buyer, offers)
                if placed is None:
                    continue
                t1 = time.perf_counter()
                payment = await _pay(client, buyer, placed["transaction_id"])
                t2, paying = time.perf_counter(), time.time()
                await _payer_pays(page, payment["redirect_url"])
                t3 = time.perf_counter()
                done = await _completed(client, buyer, placed["id"], polls=polls if record else None)
                t4 = time.perf_counter()
                if not record:
                    continue
                if done:
                    completed += 1
                    seen[payment["id"]] = (paying, time.time())
                steps.add("order (hold at the supplier)", t1 - t0)
                steps.add("payment (Snap charge)", t2 - t1)
                steps.add("payer pays on the page", t3 - t2)
                steps.add("paid → COMPLETED (notification, relay, issue)", t4 - t3)
                steps.add("whole booking", t4 - t0)
            return completed

        # The warm-up, as every section has one: the stack comes to this part idle, its pools
        # empty (an idle connection is closed after 5 s), and the first bookings would otherwise
        # be billed for connecting PostgreSQL backends and preparing their statements.
        await asyncio.gather(*(book(b, WARM_UP_BOOKINGS, record=False) for b in buyers))
        with collector_paused():  # the buyers' client must not pause mid-window (bench/load.py)
            cpu_before, client_before = _cpu_seconds(stack), time.process_time()
            jiffies = cpu_jiffies()
            started = time.perf_counter()
            results = await asyncio.gather(*(book(b, each, record=True) for b in buyers))
            elapsed = time.perf_counter() - started
            busy = machine_busy(jiffies, cpu_jiffies())
            cpu_after, client_cpu = _cpu_seconds(stack), time.process_time() - client_before
    total = sum(results)
    rate = total / elapsed
    paid_to_completed = sorted(steps.times["paid → COMPLETED (notification, relay, issue)"])
    p50_ms = percentile(paid_to_completed, 0.5) * 1000 if paid_to_completed else float("inf")
    hops = await _hops(stack, seen)
    who = f"{buyer_count} buyers" if buyer_count > 1 else "1 buyer"
    lines = [
        f"## Money path: end-to-end bookings by {who}{' at once' * (buyer_count > 1)}",
        "",
        f"{who}, {each} bookings each, one after another: order (hold) → payment "
        "(Snap) → pay on the sandbox page → wait for COMPLETED (GET /orders/{id} with the last ETag"
        " and `Prefer: wait=5`, answered when the order changes). Sandbox suppliers at 0 ms latency."
        f" Measured after a warm-up of {WARM_UP_BOOKINGS} booking per buyer, all at once (not counted):"
        " each part comes to an idle stack whose pools have closed their connections.",
        "",
        f"**{rate:.1f} bookings/s** ({total} completed in {elapsed:.1f} s).",
        "",
    ]
    if buyer_count == BUYERS:
        lines += [
            f"- Paid → COMPLETED p50: **{p50_ms:.0f} ms** (target ≤ {PAID_TO_COMPLETED_P50_MS} ms: "
            f"{'meets' if p50_ms <= PAID_TO_COMPLETED_P50_MS else 'MISSES'}).",
            f"- Bookings per second: **{rate:.1f}** (target ≥ {BOOKINGS_PER_SECOND:.1f}, twice 15.4: "
            f"{'meets' if rate >= BOOKINGS_PER_SECOND else 'MISSES'}).",
            "",
        ]
    else:
        lines += [
            f"- Paid → COMPLETED p50 with the cores to spare: **{p50_ms:.0f} ms** (the targets are "
            f"measured at {BUYERS} buyers, below; this is what the path costs before it queues for CPU).",
            "",
        ]
    lines += [
        "| step | p50 ms | p99 ms | share of a booking (mean) |",
        "|---|---:|---:|---:|",
    ]
    whole = statistics.mean(steps.times["whole booking"]) if steps.times["whole booking"] else 1.0
    for step, values in steps.times.items():
        ordered = sorted(values)
        share = statistics.mean(values) / whole
        p50, p99 = percentile(ordered, 0.5) * 1000, percentile(ordered, 0.99) * 1000
        lines.append(f"| {step} | {p50:.0f} | {p99:.0f} | {share:.0%} |")
    lines += [
        "",
        f"Paid → COMPLETED hop by hop ({len(hops[0])} bookings; instants from the services' own rows):",
        "",
        "| hop | p50 ms | p90 ms |",
        "|---|---:|---:|",
    ]
    for (label, _, _), values in zip(HOPS, hops, strict=True):
        ordered = sorted(values)
        if ordered:
            p50, p90 = percentile(ordered, 0.5) * 1000, percentile(ordered, 0.9) * 1000
            lines.append(f"| {label} | {p50:.0f} | {p90:.0f} |")
    if buyer_count != BUYERS:
        return lines  # a few bookings: too short a window to share out CPU per booking
    cpu = {name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after}
    per_booking = sum(cpu.values()) / total * 1000 if total else 0.0
    cores = os.cpu_count() or 1
    lines += [
        "",
        f"Status requests (GET /orders/{{id}} through the gateway, held until the order changes) per"
        f" booking: {statistics.mean(polls) if polls else 0:.1f} on average.",
        "",
        f"CPU per completed booking, every process of the stack (the buyers' client not counted): "
        f"**{per_booking:.0f} ms**, so {cores} cores allow at most about "
        f"**{cores * 1000 / per_booking if per_booking else 0:.1f} bookings/s** whatever the waits:",
        "",
        "| process | CPU ms per booking |",
        "|---|---:|",
        *(
            f"| {name} | {seconds / total * 1000:.1f} |"
            for name, seconds in sorted(cpu.items(), key=lambda item: -item[1])
            if total and seconds / total >= 0.0005
        ),
        "",
        "The buyers' client (this bench's own process, on the same cores) used"
        f" **{client_cpu / total * 1000:.1f} ms of CPU per booking** besides:"
        f" {client_cpu / elapsed:.0%} of a core during the run."
        + (
            ""
            if busy is None
            else f" The cores were {busy:.0%} busy during the run (every process and the kernel,"
            " from /proc/stat): at this many buyers the steps' times are mostly their turns on the cores."
        ),
    ]
    lines += ["", WHERE_THE_TIME_GOES, ""]
    return lines


async def _settle(stack: Stack) -> float:
    """Waits until the whole stack is idle: every process together under IDLE_CPU_SHARE of a core
    over IDLE_WINDOW_SECONDS, at most SETTLE_TIMEOUT_SECONDS. The work a section leaves behind
    (the storm's 500 orders' emails and PDF tickets, relays, retries) is then not billed to the next
    one's CPU and latency. Returns the seconds waited."""
    started = time.perf_counter()
    before = _cpu_seconds(stack)
    while time.perf_counter() - started < SETTLE_TIMEOUT_SECONDS:
        await asyncio.sleep(IDLE_WINDOW_SECONDS)
        after = _cpu_seconds(stack)
        used = sum(after.values()) - sum(before.get(name, 0.0) for name in after)
        if used <= IDLE_CPU_SHARE * IDLE_WINDOW_SECONDS:
            break
        before = after
    return time.perf_counter() - started


async def money_section(stack: Stack) -> str:
    waits = [await _settle(stack)]
    alone = await _bookings(stack, buyer_count=1, each=10)  # before the storm leaves work behind
    storm: list[str] = []
    if os.environ.get("BENCH_MONEY_STORM", "1") != "0":
        waits.append(await _settle(stack))
        storm = await _storm(stack)
    waits.append(await _settle(stack))
    bookings = await _bookings(stack)
    settled = (
        f"Each part starts on an idle stack: before it the bench waits until all processes together use"
        f" under {IDLE_CPU_SHARE:.0%} of a core for {IDLE_WINDOW_SECONDS:.0f} s (at most"
        f" {SETTLE_TIMEOUT_SECONDS:.0f} s; waited {', '.join(f'{w:.1f}' for w in waits)} s), so the work"
        " one leaves behind (the storm's emails and PDF tickets, relays) is not billed to the next."
    )
    return "\n".join([*storm, *alone, "", *bookings, settled, ""])
