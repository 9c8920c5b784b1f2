"""Round trips to PostgreSQL per step of a booking: each one costs this service's CPU and the
database's, and a buyer polls GET /orders/{id} until COMPLETED. Counted at the driver (asyncpg:
BEGIN, COMMIT and ROLLBACK, and statements; not the once-per-connection prepares), on open
connections; the budgets are today's counts, so a change that adds round trips to the money path
has to say so here. A request's step counts only what requests sent: the service's own background
passes can fall inside it on a busy machine (the relays' steps are run by the test itself)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from adapters import write_statements
from adapters.repository import PgLedgerUnitOfWork
from shared.outbox import OutboxEvent
from testkit.round_trips import RoundTrips, count_round_trips
from tests.api.helpers import book, deliver, get, pay, sql
from tests.conftest import People


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> RoundTrips:
    return count_round_trips(monkeypatch)


async def _one_booking(
    app: FastAPI, client: httpx.AsyncClient, people: People, trips: RoundTrips
) -> dict[str, list[str]]:
    buyer = people.make()
    steps: dict[str, list[str]] = {}
    trips.take()
    order = await book(client, buyer)
    steps["hold"] = trips.take(requests_only=True)
    await get(client, buyer, f"/orders/{order['id']}")
    steps["poll"] = trips.take(requests_only=True)
    payment = await pay(client, buyer, order["transaction_id"])
    steps["pay"] = trips.take(requests_only=True)
    await deliver(client, payment["id"], "paid", "settlement")
    steps["paid event"] = trips.take(requests_only=True)
    await app.state.work_relay.deliver_due()
    steps["issue job"] = trips.take()
    await app.state.event_relay.deliver_due()
    steps["event relay"] = trips.take()
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "COMPLETED"
    return steps


async def test_a_booking_s_round_trips_stay_within_budget(
    app: FastAPI, client: httpx.AsyncClient, people: People, round_trips: RoundTrips
) -> None:
    await _one_booking(app, client, people, round_trips)  # opens the pool's connections
    steps = await _one_booking(app, client, people, round_trips)

    # The status poll: one SELECT, no BEGIN/ROLLBACK around it.
    assert len(steps["poll"]) == 1, steps["poll"]
    # The hold: the key's claim, the cap's count, then BEGIN, the account's lock, the count
    # again, the order, its transaction, audit rows and event in one statement, COMMIT; the
    # key's answer.
    assert len(steps["hold"]) <= 8, steps["hold"]
    # The paid event: BEGIN, the event id recorded, the order, its transaction and the payment
    # found and locked in one statement, the writes, COMMIT. (The other open payments and the
    # refunds in flight are read only for the statuses whose decision weighs them.) A step's
    # writes are one statement: here three records saved, audit rows, a job, an event.
    assert sum("audit_log" in s for s in steps["paid event"]) == 1, steps["paid event"]
    assert len(steps["paid event"]) <= 5, steps["paid event"]
    # Paying: the key's claim; BEGIN, the order and the transaction found and locked in one
    # statement, its open payments locked, the payment row, COMMIT; the charge (payment-service);
    # BEGIN, the order, the transaction and the payment locked in one statement, its token and
    # the transaction PROCESSING, COMMIT; the key's answer.
    assert len(steps["pay"]) <= 12, steps["pay"]
    # The issue job, as a relay's pass runs it (here, with no relay running): the pass's BEGIN
    # and claim; an unlocked read of the order; the issue call; BEGIN, the order and its
    # transaction locked in one statement, the order COMPLETED, COMMIT; the job marked done,
    # COMMIT. Handed to a running relay at its commit (shared.outbox, dispatch), a job runs
    # without the pass's BEGIN, claim and COMMIT: 6.
    assert len(steps["issue job"]) <= 9, steps["issue job"]
    # The event relay: BEGIN, its claim, the events marked sent, COMMIT.
    assert len(steps["event relay"]) <= 4, steps["event relay"]


async def test_a_second_booking_runs_only_statements_written_before(
    app: FastAPI, client: httpx.AsyncClient, people: People, round_trips: RoundTrips
) -> None:
    # A step's writes (several tables, a varying number of rows) are one statement whose SQL is
    # built once per shape, not once per booking, and each distinct SQL text is prepared once
    # per connection. So a second booking builds no new shape and sends only SQL the first sent.
    first = _statements(await _one_booking(app, client, people, round_trips), round_trips)
    shapes = write_statements._sql.cache_info().misses
    second = _statements(await _one_booking(app, client, people, round_trips), round_trips)
    assert write_statements._sql.cache_info().misses == shapes
    assert second - first == set(), second - first


def _statements(steps: dict[str, list[str]], trips: RoundTrips) -> set[str]:
    """Every statement a booking sent (its steps', and its last poll's)."""
    return {s for sent in steps.values() for s in sent} | set(trips.take())


class Handed:
    """A running relay, as far as a unit of work sees one: it takes what was committed."""

    dispatches = True

    def __init__(self, name: str, handed: list[tuple[str, int]]) -> None:
        self._name = name
        self._handed = handed

    def dispatch(self, events: Sequence[OutboxEvent]) -> None:
        self._handed.extend((self._name, event.payload["n"]) for event in events)


async def test_a_commit_hands_each_relay_the_rows_it_wrote_to_its_table_leased(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    handed: list[tuple[str, int]] = []

    def unit() -> PgLedgerUnitOfWork:
        return PgLedgerUnitOfWork(
            app.state.pool, events=Handed("events", handed), jobs=Handed("jobs", handed)
        )

    marker = "round-trips-" + str(id(handed))
    async with unit() as uow:
        await uow.add_event(marker, {"n": 1})
        await uow.commit()
    assert handed == [("events", 1)]

    handed.clear()
    async with unit() as uow:
        await uow.add_job(marker, {"n": 2})
        await uow.add_event(marker, {"n": 3})
        await uow.add_job(marker, {"n": 4})
        await uow.commit()
    assert sorted(handed) == [("events", 3), ("jobs", 2), ("jobs", 4)]
    jobs = await sql(app, "SELECT payload FROM work_queue WHERE topic = :m ORDER BY created_at, id", m=marker)
    events = await sql(app, "SELECT payload FROM outbox WHERE topic = :m", m=marker)
    assert sorted(j.payload["n"] for j in jobs) == [2, 4]
    assert sorted(e.payload["n"] for e in events) == [1, 3]
    # Leased to the dispatch: no relay pass claims them meanwhile.
    due = "SELECT 1 FROM {} WHERE topic = :m AND next_attempt_at <= now()"
    assert await sql(app, due.format("outbox"), m=marker) == []
    assert await sql(app, due.format("work_queue"), m=marker) == []
    await sql(app, "UPDATE work_queue SET delivered_at = now() WHERE topic = :m", m=marker)
    await sql(app, "UPDATE outbox SET delivered_at = now() WHERE topic = :m", m=marker)

    # Left without a commit: nothing written, nothing handed over.
    handed.clear()
    async with unit() as uow:
        await uow.add_job(marker, {"n": 5})
    assert handed == []
    assert len(await sql(app, "SELECT 1 FROM work_queue WHERE topic = :m", m=marker)) == 2


async def test_audit_rows_of_one_commit_keep_the_order_they_were_written_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    entity = uuid.uuid4()
    async with PgLedgerUnitOfWork(app.state.pool) as uow:
        for to_status in ("CONFIRMED", "PAID", "COMPLETED"):
            await uow.audit("order", entity, None, to_status, "system:test", None, datetime.now(UTC))
        await uow.commit()
    rows = await sql(app, "SELECT to_status FROM audit_log WHERE entity_id = :e ORDER BY id", e=entity)
    assert [r.to_status for r in rows] == ["CONFIRMED", "PAID", "COMPLETED"]


async def test_a_chain_reads_its_rows_in_one_statement_and_locks_them_orders_first(
    app: FastAPI, client: httpx.AsyncClient, people: People
) -> None:
    # The chains read and lock an order's rows in one round trip; two flows touching one order
    # never deadlock only if that statement takes the locks in the one order every flow uses
    # (orders → transactions → payments), whatever order its join reads the tables in.
    buyer = people.make()
    order = await book(client, buyer)
    payment = await pay(client, buyer, order["transaction_id"])
    ids = {
        "orders": uuid.UUID(order["id"]),
        "transactions": uuid.UUID(order["transaction_id"]),
        "payments": uuid.UUID(payment["id"]),
    }

    async def order_chain(uow: PgLedgerUnitOfWork) -> tuple[Any, ...] | None:
        return await uow.order_chain(ids["orders"])

    async def transaction_chain(uow: PgLedgerUnitOfWork) -> tuple[Any, ...] | None:
        return await uow.transaction_chain(ids["transactions"])

    async def payment_chain(uow: PgLedgerUnitOfWork) -> tuple[Any, ...] | None:
        return await uow.payment_chain(ids["payments"])

    chains = {"order": order_chain, "transaction": transaction_chain, "payment": payment_chain}

    chain_tables = {
        "order": {"orders", "transactions"},
        "transaction": {"orders", "transactions"},
        "payment": {"orders", "transactions", "payments"},
    }
    tables = list(ids)

    async def locked() -> set[str]:
        """The rows another connection cannot lock now."""
        found: set[str] = set()
        async with app.state.pool.acquire() as other:
            for table, key in ids.items():
                try_lock = f"SELECT id FROM {table} WHERE id = $1 FOR UPDATE NOWAIT"
                try:
                    await other.execute(try_lock, key)
                except asyncpg.LockNotAvailableError:
                    found.add(table)
        return found

    for name, chain in chains.items():
        async with PgLedgerUnitOfWork(app.state.pool) as uow:
            rows = await chain(uow)
            assert rows is not None
            assert [record.id for record in rows] == [ids[t] for t in tables[: len(rows)]]
            assert await locked() == chain_tables[name]
        assert await locked() == set()

        # Another flow holds one of the chain's rows: the chain waits there holding exactly the
        # rows before it in the one order, never one after it.
        for held in sorted(chain_tables[name], key=tables.index):
            holder = await app.state.pool.acquire()
            try:
                holding = holder.transaction()
                await holding.start()
                await holder.execute(f"SELECT id FROM {held} WHERE id = $1 FOR UPDATE", ids[held])
                async with PgLedgerUnitOfWork(app.state.pool) as uow:
                    waiting = asyncio.create_task(chain(uow))
                    await asyncio.sleep(0.3)
                    assert not waiting.done()
                    assert await locked() == set(tables[: tables.index(held)]) | {held}, (name, held)
                    await holding.rollback()  # the other flow lets go: the chain goes on
                    assert await waiting is not None
            finally:
                await app.state.pool.release(holder)
