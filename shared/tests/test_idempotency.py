"""The Idempotency-Key mechanism on a real PostgreSQL: the work runs once per key, concurrent
duplicates wait and replay, business failures replay, transient ones are forgotten, abandoned
keys are taken over by one waiter, and old rows are purged."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from decimal import Decimal

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.idempotency import (
    IdempotencyKeyReused,
    IdempotencyStore,
    Replay,
    RequestStillRunning,
    request_fingerprint,
)
from shared.schema import idempotency_table
from shared.settings import IdempotencySettings, to_asyncpg_url
from testkit.postgres import asyncpg_pool, sessions_with_tables

metadata = sa.MetaData()
keys = idempotency_table(metadata)
BODY = {"offer_id": "off_1", "amount": "1500000.00"}


class SoldOut(Exception):
    pass


def business_answers(exc: BaseException) -> Replay | None:
    if isinstance(exc, SoldOut):
        return Replay(409, {"type": "sold-out", "status": 409})
    return None


class Counter:
    """A work function that counts its runs and answers 201 with the run number."""

    def __init__(self, delay: float = 0.0, fail_with: BaseException | None = None) -> None:
        self.runs = 0
        self.delay = delay
        self.fail_with = fail_with

    async def __call__(self) -> Replay:
        self.runs += 1
        run = self.runs
        await asyncio.sleep(self.delay)
        if self.fail_with is not None:
            raise self.fail_with
        return Replay(201, {"booking": f"B{run}", "total": Decimal("1500000.00")})


@pytest.fixture(scope="module")
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("idempotency"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_with_tables(database_url, metadata, pool_size=25) as made:
        yield made


@pytest.fixture
async def pool(database_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[asyncpg.Pool]:
    """The store's (made once `sessions` has made the table); `sessions` sets rows up and reads them."""
    async with asyncpg_pool(database_url, size=25) as made:
        yield made


@pytest.fixture
def store(pool: asyncpg.Pool) -> IdempotencyStore:
    return IdempotencyStore(pool, keys.name, wait_seconds=5.0)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[sa.RowMapping]:
    async with sessions() as session:
        return list((await session.execute(sa.select(keys).order_by(keys.c.key))).mappings())


async def insert_running(
    sessions: async_sessionmaker[AsyncSession], key: str, age: timedelta, body: object = BODY
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            keys.insert().values(
                scope="orders",
                key=key,
                fingerprint=request_fingerprint(body),
                created_at=sa.func.now() - age,
            )
        )


def test_the_fingerprint_ignores_key_order_and_spaces_and_reads_decimals_uuids_and_dates() -> None:
    ident = uuid.UUID("5b0e6f3e-2a65-4c55-9a59-0a3c6e0b7f1d")
    a = {"b": [1, {"y": Decimal("1.50"), "x": ident}], "a": date(2026, 12, 20)}
    b = {"a": "2026-12-20", "b": [1, {"x": str(ident), "y": "1.50"}]}
    assert request_fingerprint(a) == request_fingerprint(b)
    assert len(request_fingerprint(a)) == 64
    assert request_fingerprint({"amount": "1.50"}) != request_fingerprint({"amount": "1.5"})
    with pytest.raises(TypeError):
        request_fingerprint({"tags": {"a", "b"}})


async def test_the_first_run_is_recorded_and_replayed(
    store: IdempotencyStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    work = Counter()
    first = await store.run("orders", "k1", BODY, work)
    # The first caller already sees the body as JSON, exactly as later replays will.
    assert first == Replay(201, {"booking": "B1", "total": "1500000.00"})
    again = await store.run("orders", "k1", {"amount": "1500000.00", "offer_id": "off_1"}, work)
    assert again == first
    assert work.runs == 1
    [row] = await rows(sessions)
    assert (row["scope"], row["key"], row["status_code"]) == ("orders", "k1", 201)
    assert row["fingerprint"] == request_fingerprint(BODY)
    assert row["finished_at"] is not None
    assert row["finished_at"] >= row["created_at"]


async def test_scopes_keep_the_same_key_apart(store: IdempotencyStore) -> None:
    work = Counter()
    await store.run("orders:alice", "k1", BODY, work)
    await store.run("orders:bob", "k1", {"other": "body"}, work)
    assert work.runs == 2


async def test_the_same_key_with_another_body_is_refused(store: IdempotencyStore) -> None:
    work = Counter()
    await store.run("orders", "k1", BODY, work)
    with pytest.raises(IdempotencyKeyReused):
        await store.run("orders", "k1", {**BODY, "amount": "1.00"}, work)
    assert work.runs == 1


async def test_twenty_concurrent_runs_with_one_key_run_the_work_once(store: IdempotencyStore) -> None:
    work = Counter(delay=0.3)
    answers = await asyncio.gather(*(store.run("orders", "same", BODY, work) for _ in range(20)))
    assert work.runs == 1
    assert all(a == Replay(201, {"booking": "B1", "total": "1500000.00"}) for a in answers)


async def test_a_recorded_business_failure_is_replayed_without_running_again(
    store: IdempotencyStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    work = Counter(fail_with=SoldOut())
    with pytest.raises(SoldOut):
        await store.run("orders", "k1", BODY, work, business_answers)
    replay = await store.run("orders", "k1", BODY, work, business_answers)
    assert replay == Replay(409, {"type": "sold-out", "status": 409})
    assert work.runs == 1
    [row] = await rows(sessions)
    assert row["status_code"] == 409


async def test_a_transient_failure_leaves_no_row_so_a_retry_runs_again(
    store: IdempotencyStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    failing = Counter(fail_with=TimeoutError("supplier too slow"))
    with pytest.raises(TimeoutError):
        await store.run("orders", "k1", BODY, failing, business_answers)
    assert await rows(sessions) == []
    working = Counter()
    assert (await store.run("orders", "k1", BODY, working)).status == 201
    assert working.runs == 1


async def test_a_waiter_runs_the_work_itself_when_the_first_request_fails_transiently(
    store: IdempotencyStore,
) -> None:
    failing = Counter(delay=0.2, fail_with=RuntimeError("crash"))
    working = Counter()
    first = asyncio.create_task(store.run("orders", "k1", BODY, failing))
    await asyncio.sleep(0.05)  # the first one holds the key
    second = await store.run("orders", "k1", BODY, working)
    with pytest.raises(RuntimeError):
        await first
    assert (failing.runs, working.runs) == (1, 1)
    assert second.status == 201


async def test_a_cancelled_request_forgets_its_key(
    store: IdempotencyStore, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task = asyncio.create_task(store.run("orders", "k1", BODY, Counter(delay=5)))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):  # the shielded clean-up finishes on its own
        if not await rows(sessions):
            break
        await asyncio.sleep(0.02)
    assert await rows(sessions) == []


async def test_an_abandoned_key_is_taken_over_by_exactly_one_waiter(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    store = IdempotencyStore(pool, keys.name, abandoned_after_seconds=60, wait_seconds=5)
    await insert_running(sessions, "k1", age=timedelta(minutes=5))  # its process died
    work = Counter(delay=0.1)
    answers = await asyncio.gather(*(store.run("orders", "k1", BODY, work) for _ in range(8)))
    assert work.runs == 1
    assert all(a == answers[0] for a in answers)
    [row] = await rows(sessions)
    assert row["status_code"] == 201


async def test_an_abandoned_key_is_not_taken_over_with_another_body(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    store = IdempotencyStore(pool, keys.name, abandoned_after_seconds=60)
    await insert_running(sessions, "k1", age=timedelta(minutes=5))
    with pytest.raises(IdempotencyKeyReused):
        await store.run("orders", "k1", {"other": "body"}, Counter())


async def test_a_slow_owner_cannot_record_over_the_one_that_took_its_key_over(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    store = IdempotencyStore(pool, keys.name, abandoned_after_seconds=0.3, wait_seconds=5)
    slow = asyncio.create_task(store.run("orders", "k1", BODY, Counter(delay=1.0)))
    await asyncio.sleep(0.1)
    successor = Counter()
    taken = await store.run("orders", "k1", BODY, successor)  # waits 0.3 s, then takes over
    late = await slow
    assert successor.runs == 1
    assert late.body["booking"] == "B1"
    assert await store.run("orders", "k1", BODY, Counter()) == taken  # the successor's answer stays


async def test_waiting_longer_than_wait_seconds_gives_up(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    store = IdempotencyStore(pool, keys.name, wait_seconds=0.3)
    await insert_running(sessions, "k1", age=timedelta(seconds=1))  # running, and not abandoned
    work = Counter()
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(RequestStillRunning):
        await store.run("orders", "k1", BODY, work)
    assert 0.3 <= loop.time() - started < 2.0
    assert work.runs == 0


async def test_purge_deletes_old_finished_and_abandoned_rows_only(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    store = IdempotencyStore(pool, keys.name, retention=timedelta(days=7), abandoned_after_seconds=120)
    async with sessions() as session, session.begin():
        for key, age, status in [
            ("finished-old", timedelta(days=8), 201),
            ("finished-recent", timedelta(days=6), 201),
            ("running", timedelta(seconds=10), None),
            ("abandoned", timedelta(minutes=10), None),
        ]:
            await session.execute(
                keys.insert().values(
                    scope="orders",
                    key=key,
                    fingerprint="f",
                    status_code=status,
                    response={"ok": True} if status else None,
                    created_at=sa.func.now() - age,
                    finished_at=sa.func.now() - age if status else None,
                )
            )
    assert await store.purge_expired() == 2
    assert [r["key"] for r in await rows(sessions)] == ["finished-recent", "running"]
    assert await store.purge_expired() == 0


async def test_a_store_configured_from_settings_waits_takes_over_and_purges_as_they_say(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    settings = IdempotencySettings(  # type: ignore[call-arg]
        IDEMPOTENCY_WAIT_SECONDS=0.3, IDEMPOTENCY_ABANDONED_AFTER_SECONDS=60, IDEMPOTENCY_RETENTION_HOURS=2
    )
    store = IdempotencyStore.configured(pool, keys.name, settings)
    await insert_running(sessions, "running", age=timedelta(seconds=30))
    with pytest.raises(RequestStillRunning):  # gave up after 0.3 s, not the default 30
        await store.run("orders", "running", BODY, Counter())
    await insert_running(sessions, "abandoned", age=timedelta(seconds=90))
    taken_over = Counter()
    assert (await store.run("orders", "abandoned", BODY, taken_over)).status == 201
    assert taken_over.runs == 1  # 90 s is abandoned after 60, not the default 120

    async with sessions() as session, session.begin():
        for key, age in [("three-hours", timedelta(hours=3)), ("one-hour", timedelta(hours=1))]:
            await session.execute(
                keys.insert().values(
                    scope="orders",
                    key=key,
                    fingerprint="f",
                    status_code=201,
                    response={"ok": True},
                    created_at=sa.func.now() - age,
                    finished_at=sa.func.now() - age,
                )
            )
    await insert_running(sessions, "dead", age=timedelta(seconds=61))
    assert await store.purge_expired() == 2  # three-hours (past 2 h) and dead (past 60 s)
    assert [r["key"] for r in await rows(sessions)] == ["abandoned", "one-hour", "running"]
