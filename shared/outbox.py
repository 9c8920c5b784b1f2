"""The transactional outbox (docs/architecture.md, events).

An event row is inserted in the same database transaction as the change it announces; the relay
delivers due rows at least once, backing off on failure, and survives restarts because the rows
are the queue. Consumers dedupe by `event_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import asyncpg
import httpx

from shared import signing
from shared.db import AsyncpgUnitOfWork, Statement, close_idle_pooled_connection, pooled_connection
from shared.idempotency import purge_expired_forever
from shared.idle_backoff import IdleBackoff, Look

logger = logging.getLogger("shared.outbox")


# An outbox table's shape is shared/schema.py's outbox_table; the SQL here names the table it runs on.


def due_rows(table: str) -> Statement:
    """A relay pass's claim: the oldest due rows, at most `batch`, locked (SKIP LOCKED: another
    pass or replica leaves them alone). Each service's migrations give such a table a partial
    index WHERE delivered_at IS NULL, so that the claim reads the rows still to deliver, not the
    delivered ones the retention has yet to purge."""
    return Statement(
        f"""
        SELECT id, topic, payload, created_at, attempts FROM {table}
        WHERE delivered_at IS NULL AND next_attempt_at <= now()
        ORDER BY created_at
        LIMIT :batch
        FOR UPDATE SKIP LOCKED
        """  # noqa: S608
    )


@dataclass(frozen=True)
class OutboxEvent:
    id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    created_at: datetime

    def envelope(self) -> dict[str, Any]:
        return {
            "event_id": str(self.id),
            "topic": self.topic,
            "occurred_at": self.created_at.isoformat(),
            "data": self.payload,
        }

    @classmethod
    def new(cls, topic: str, payload: dict[str, Any], event_id: uuid.UUID | None = None) -> OutboxEvent:
        """An event about to be written, stamped now (its row keeps the same instant)."""
        return cls(event_id or uuid.uuid4(), topic, payload, datetime.now(UTC))


# How long a row written for dispatch (`event_row(..., dispatched=True)`) is left to the process
# that wrote it: no relay pass claims it before then. Longer than a delivery or a job may take
# (their clients' timeouts: 5 s for payment events, 15 s for a product's issue call), so that a
# slow one is not run twice; if the process dies first, a pass delivers the row this long after
# it was written (a relay that stops gives back at once what it has not delivered).
DISPATCH_LEASE = timedelta(seconds=30)


def event_row(event: OutboxEvent, *, dispatched: bool) -> dict[str, Any]:
    """An outbox row's values (`payload` as a dict: the writer encodes it). A dispatched row is due
    only when its lease is over: until then the process that commits it delivers it itself
    (OutboxRelay.dispatch)."""
    row: dict[str, Any] = {
        "id": event.id,
        "topic": event.topic,
        "payload": event.payload,
        "created_at": event.created_at,
    }
    if dispatched:
        row["next_attempt_at"] = event.created_at + DISPATCH_LEASE
    return row


class Dispatcher(Protocol):
    """What a unit of work needs of the relay of the table it writes events to."""

    @property
    def dispatches(self) -> bool: ...

    def dispatch(self, events: Sequence[OutboxEvent]) -> None: ...


class _NoDispatch:
    """For a unit of work with no relay running beside it (tests, scripts): events wait for one."""

    dispatches = False

    def dispatch(self, events: Sequence[OutboxEvent]) -> None:
        pass


NO_DISPATCH: Dispatcher = _NoDispatch()


async def add_event_on_connection(
    connection: asyncpg.Connection,
    table: str,
    topic: str,
    payload: dict[str, Any],
    *,
    dispatched: bool = False,
) -> OutboxEvent:
    """Inserts an event into the connection's transaction (a shared.db.AsyncpgUnitOfWork's):
    nothing is sent until that transaction commits. `dispatched`: written for the caller's relay
    to deliver once committed (`event_row`, OutboxRelay.dispatch)."""
    event = OutboxEvent.new(topic, payload)
    await connection.execute(
        _event_insert(table, once=False, dispatched=dispatched), *_arguments(event, dispatched)
    )
    return event


async def add_event_once_on_connection(
    connection: asyncpg.Connection, table: str, event: OutboxEvent, *, dispatched: bool = False
) -> bool:
    """Inserts under an id the caller derives from the fact itself (say, uuid5 of a notification's
    order and status), so that the same fact observed twice becomes one event. False if it exists.
    `dispatched` as for `add_event_on_connection`."""
    added = await connection.fetchval(
        _event_insert(table, once=True, dispatched=dispatched), *_arguments(event, dispatched)
    )
    return added is not None


def _arguments(event: OutboxEvent, dispatched: bool) -> list[Any]:
    """The INSERT's arguments (`_event_insert`), in `event_row`'s order, the payload as JSON text."""
    row = event_row(event, dispatched=dispatched)
    row["payload"] = json.dumps(row["payload"])
    return list(row.values())


@functools.cache
def _event_insert(table: str, *, once: bool, dispatched: bool) -> str:
    """The outbox INSERT: `$1` id, `$2` topic, `$3` the payload as JSON text (asyncpg's own JSONB
    codec), `$4` created_at, and with `dispatched` `$5` next_attempt_at; `once` returns the id, or
    nothing when an event of that id exists."""
    columns, values = "id, topic, payload, created_at", "$1, $2, $3, $4"
    if dispatched:
        columns, values = f"{columns}, next_attempt_at", f"{values}, $5"
    insert = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608
    return f"{insert} ON CONFLICT (id) DO NOTHING RETURNING id" if once else insert


Deliver = Callable[[OutboxEvent], Awaitable[None]]


class OutboxRelay:
    """Delivers due rows, oldest first, each at least once.

    A pass claims due rows (`FOR UPDATE SKIP LOCKED`, so passes and relay instances never deliver
    the same row at once), delivers them while holding their locks, and marks them in the same
    transaction; a failed delivery is retried later, backing off. Its statements run straight on
    a plain asyncpg pool (shared.db.create_asyncpg_pool), written once for the relay's table.

    With `concurrency` 1 a pass delivers its rows one after another and the next pass starts when
    it ends. With more, up to that many rows are delivered at once, and a wake-up starts another
    pass at once (up to MAX_PASSES, each holding its rows' locks and one connection, and fewer
    than half the pool's connections: with a second relay on the pool, its other statements still
    find one) instead of waiting behind a slow delivery; rows about the same subject
    (`subject(event)`, by default the payload's order, payment or transaction id) still go one
    after another, in the order they were claimed, within one relay: a pass waits for the
    previous pass's delivery of the same subject before it sends its own.

    Between passes it sleeps as `IdleBackoff` says: `poll_interval` after a pass that delivered,
    longer after each empty one up to `idle_ceiling_seconds` (but no later than the earliest
    pending row's next attempt). A wake-up starts a pass at once, unless a pass has yet to send
    its claim: that claim sees the row the wake-up announced, so no empty pass follows it; one
    rung after the claim went out starts another pass. An idle relay holds no backend: an empty
    pass before a long sleep closes the connection it used (the pool would keep it a few seconds).

    While it runs, a unit of work that writes events hands them over instead (`dispatch`, after
    its commit): their rows are written leased (`event_row(..., dispatched=True)`), so no pass
    claims them, and they go out at once, in the same per-subject order, without a pass's
    BEGIN, claim and COMMIT on their way. A pass delivers one only if the dispatch failed (it is
    then due after the usual back-off) or the process died before marking it (after the lease).
    """

    MAX_PASSES = 4
    DRAIN_SECONDS = 5.0

    def __init__(
        self,
        pool: asyncpg.Pool,
        table: str,
        deliver: Deliver,
        *,
        poll_interval: float = 1.0,
        idle_ceiling_seconds: float = 30.0,
        batch_size: int = 50,
        max_backoff_seconds: float = 300.0,
        concurrency: int = 1,
        subject: Callable[[OutboxEvent], str] | None = None,
        acquire_timeout: float = 30.0,
    ) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._max_passes = max(1, min(self.MAX_PASSES, (pool.get_max_size() - 1) // 2))
        self._table = table
        self._deliver = deliver
        self._batch_size = batch_size
        self._max_backoff = max_backoff_seconds
        self._concurrency = max(1, concurrency)
        self._subject = subject or event_subject
        self._backoff = IdleBackoff(
            poll_interval, idle_ceiling_seconds, let_go=functools.partial(close_idle_pooled_connection, pool)
        )
        self._claiming = asyncio.Lock()
        self._slots = asyncio.Semaphore(self._concurrency)
        self._running = False
        self._dispatches: set[asyncio.Task[None]] = set()
        # Per subject, the end of the last claimed turn: the next turn waits for it.
        self._tails: dict[str, asyncio.Future[None]] = {}
        # Each pass's statements, on this relay's table.
        self._due = due_rows(table)
        self._mark_delivered = Statement(
            f"""
            UPDATE {table} SET attempts = attempts + 1, delivered_at = now()
            WHERE id = ANY(:delivered::text[]::uuid[])
            """  # noqa: S608
        )
        self._mark_failed = Statement(
            f"""
            UPDATE {table}
            SET attempts = :attempts, next_attempt_at = :next_attempt_at, last_error = :last_error
            WHERE id = :failed
            """  # noqa: S608
        )
        # A dispatch cut short: its rows due now rather than when their lease ends.
        self._release = Statement(
            f"""
            UPDATE {table} SET next_attempt_at = now()
            WHERE id = ANY(:ids::text[]::uuid[]) AND delivered_at IS NULL AND next_attempt_at > now()
            """  # noqa: S608
        )
        # Read after a pass that delivered nothing: when the next retry comes due (any row not
        # delivered yet, locked by another pass or not), in the database's time as `_due` is.
        self._next_due_in = Statement(
            f"SELECT EXTRACT(epoch FROM min(next_attempt_at) - now()) FROM {table} WHERE delivered_at IS NULL"  # noqa: S608
        )

    def wake(self) -> None:
        """Call after committing an event so it goes out now rather than at the next poll."""
        self._backoff.wake()

    @property
    def dispatches(self) -> bool:
        """True while the relay runs: only then is what `dispatch` is handed delivered at once, so
        only then does a unit of work write its events leased."""
        return self._running

    def dispatch(self, events: Sequence[OutboxEvent]) -> None:
        """Call after committing `events`, written leased (`event_row(..., dispatched=True)`): they
        are delivered now, each subject's after what this relay already holds of it, and their
        rows marked as a pass marks them (a failure comes due after the back-off)."""
        if not events:
            return
        if not self._running:  # stopped since the rows were written: a pass takes them after the lease
            return
        task = asyncio.get_running_loop().create_task(self._dispatch(self._claim(list(events), ordered=True)))
        self._dispatches.add(task)
        task.add_done_callback(self._dispatches.discard)

    async def _dispatch(self, turns: list[_Turn]) -> None:
        rows = [(event.id, 0, event.topic) for turn in turns for event in turn.events]
        try:
            failures = await self._deliver_all(turns)
        except asyncio.CancelledError:
            # Stopping before they were all delivered: the rows are due at once for any pass (an
            # event that went out just before the stop may go twice; consumers deduplicate).
            with contextlib.suppress(Exception):
                async with pooled_connection(self._pool, self._acquire_timeout) as connection:
                    ids = [str(row_id) for row_id, _, _ in rows]
                    await connection.execute(self._release.sql, *self._release.args(ids=ids))
            raise
        try:
            async with pooled_connection(self._pool, self._acquire_timeout) as connection:
                await self._mark(connection, rows, failures)
        except Exception:
            logger.exception(
                "outbox dispatch could not mark its events; a pass sends them again when the lease ends"
            )

    async def run(self) -> None:
        self._running = True
        passes: set[asyncio.Task[int]] = set()
        try:
            if self._concurrency > 1:
                await self._run_overlapping(passes)
            while True:
                delivered = await self._pass(self._backoff.look())
                if delivered >= self._batch_size:
                    continue
                await self._backoff.sleep()
        finally:
            # Stopping: passes and dispatches under way finish (and mark what they delivered) for
            # a moment first; a dispatch cut short gives its rows back (`_dispatch`).
            self._running = False
            await _drain(passes | self._dispatches, self.DRAIN_SECONDS)

    async def _run_overlapping(self, passes: set[asyncio.Task[int]]) -> None:
        while True:
            if len(passes) >= self._max_passes:
                await asyncio.wait(passes, return_when=asyncio.FIRST_COMPLETED)
                continue
            task = asyncio.create_task(self._pass(self._backoff.look()))
            passes.add(task)
            task.add_done_callback(passes.discard)
            await self._backoff.sleep()

    async def _pass(self, look: Look) -> int:
        try:
            delivered, next_due_in = await self._deliver_due(look)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("outbox relay pass failed")
            await self._backoff.found_nothing()
            return 0
        if delivered:
            self._backoff.worked()
        else:
            await self._backoff.found_nothing(next_due_in)
        return delivered

    async def deliver_due(self) -> int:
        """One pass; returns how many rows it delivered."""
        delivered, _ = await self._deliver_due(self._backoff.look())
        return delivered

    async def _deliver_due(self, look: Look) -> tuple[int, float | None]:
        """(rows delivered, seconds until the earliest row left comes due when none was)."""
        rung = False
        try:
            async with _RelayPass(self._pool, acquire_timeout=self._acquire_timeout) as unit:
                connection = unit.connection
                async with self._claiming:
                    rung = look.reading()
                    rows = await connection.fetch(self._due.sql, *self._due.args(batch=self._batch_size))
                    events = [
                        OutboxEvent(r["id"], r["topic"], json.loads(r["payload"]), r["created_at"])
                        for r in rows
                    ]
                    turns = self._claim(events)
                if len(rows) >= self._batch_size:
                    self._backoff.wake()  # a full batch: more may be due, and a wake-up's row among them
                failures = await self._deliver_all(turns)
                claimed = [(row["id"], row["attempts"], row["topic"]) for row in rows]
                delivered = await self._mark(connection, claimed, failures)
                next_due_in = None if delivered else await connection.fetchval(self._next_due_in.sql)
                await unit.commit()
        except BaseException:
            if rung:  # the rows it announced were not delivered by this pass: another one goes
                self._backoff.wake()
            raise
        finally:
            look.close()
        return delivered, None if next_due_in is None else float(next_due_in)

    async def _mark(
        self,
        connection: asyncpg.Connection,
        rows: list[tuple[uuid.UUID, int, str]],
        failures: dict[uuid.UUID, Exception],
    ) -> int:
        """Marks rows (id, attempts so far, topic) delivered, or failed and due again after a
        back-off; returns how many were delivered."""
        failed = []
        for row_id, attempts_before, topic in rows:
            exc = failures.get(row_id)
            if exc is None:
                continue
            attempts = attempts_before + 1
            delay = min(self._max_backoff, 0.5 * 2 ** min(attempts, 20))
            logger.warning(
                "outbox delivery failed",
                extra={"event_id": str(row_id), "topic": topic, "attempts": attempts, "error": repr(exc)},
            )
            failed.append(
                self._mark_failed.args(
                    failed=row_id,
                    attempts=attempts,
                    next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay),
                    last_error=repr(exc)[:1000],
                )
            )
        if failed:
            await connection.executemany(self._mark_failed.sql, failed)
        delivered = [str(row_id) for row_id, _, _ in rows if row_id not in failures]
        if delivered:
            await connection.execute(
                self._mark_delivered.sql, *self._mark_delivered.args(delivered=delivered)
            )
        return len(delivered)

    def _claim(self, events: list[OutboxEvent], *, ordered: bool = False) -> list[_Turn]:
        """The events by subject, in order, each subject's turn queued behind the turn an earlier
        pass or dispatch claimed for it (synchronously, so turns keep the order of the claims).
        A relay delivering one row at a time orders its passes' rows by running one pass at a time;
        its dispatches (`ordered`) still queue by subject."""
        if self._concurrency == 1 and not ordered:
            return [_Turn("", None, None, events)] if events else []
        by_subject: dict[str, list[OutboxEvent]] = {}
        for event in events:
            by_subject.setdefault(self._subject(event), []).append(event)
        turns = []
        loop = asyncio.get_running_loop()
        for key, queue in by_subject.items():
            done: asyncio.Future[None] = loop.create_future()
            turns.append(_Turn(key, self._tails.get(key), done, queue))
            self._tails[key] = done
        return turns

    async def _deliver_all(self, turns: list[_Turn]) -> dict[uuid.UUID, Exception]:
        """Delivers each subject's events in order, subjects at once (up to `concurrency`);
        returns the events that failed."""
        failures: dict[uuid.UUID, Exception] = {}

        async def take(turn: _Turn) -> None:
            try:
                if turn.after is not None:
                    await asyncio.wait([turn.after])  # never cancels the other pass's turn
                async with (
                    self._slots
                    if self._concurrency > 1 or turn.done is not None
                    else contextlib.nullcontext()
                ):
                    for event in turn.events:
                        try:
                            await self._deliver(event)
                        except Exception as exc:
                            failures[event.id] = exc
            finally:
                if turn.done is not None:
                    turn.done.set_result(None)
                    if self._tails.get(turn.subject) is turn.done:
                        del self._tails[turn.subject]

        await asyncio.gather(*(take(turn) for turn in turns))
        return failures


async def _drain(tasks: set[asyncio.Task[Any]], seconds: float) -> None:
    """Stopping: tasks under way finish (and mark what they delivered) for a moment, then stop."""
    if tasks:
        await asyncio.wait(tasks, timeout=seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class _RelayPass(AsyncpgUnitOfWork):
    """A pass's connection and transaction: its claimed rows stay locked until it commits."""

    connection: asyncpg.Connection

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.connection = connection


@dataclass(frozen=True)
class _Turn:
    subject: str
    after: asyncio.Future[None] | None  # the previous turn of the same subject
    done: asyncio.Future[None] | None
    events: list[OutboxEvent]


def event_subject(event: OutboxEvent) -> str:
    """What an event is about, for ordering: its payload's order, payment or transaction id
    (the first present), else the event itself."""
    for name in ("order_id", "payment_id", "transaction_id"):
        value = event.payload.get(name)
        if value:
            return f"{name}:{value}"
    return f"event:{event.id}"


class OutboxRetention:
    """Deletes rows delivered longer than `retention` ago, from each of `tables`: a delivered
    event is done with, and its payload (emails, phones, virtual-account numbers) must not be
    kept forever. Rows not delivered yet are never deleted, however old: they are the queue.

    Batches of `batch_size`, oldest delivery first, each its own statement (its own short
    transaction); `SKIP LOCKED` passes over rows another replica's purge (or a relay) holds, so
    replicas purge side by side without waiting on or double-counting each other. Times are the
    database's (`now()`)."""

    BATCH_SIZE = 500

    def __init__(
        self,
        pool: asyncpg.Pool,
        tables: Sequence[str],
        retention: timedelta,
        *,
        batch_size: int = BATCH_SIZE,
        acquire_timeout: float = 30.0,
    ) -> None:
        if retention <= timedelta(0) or batch_size < 1:
            raise ValueError("outbox retention needs a positive retention and a batch of at least one row")
        self._pool = pool
        self._tables = tuple(tables)
        self._retention = retention
        self._batch_size = batch_size
        self._acquire_timeout = acquire_timeout

    async def purge_expired(self) -> int:
        """Purges every table until a batch comes back short; returns the rows deleted."""
        purged = 0
        for table in self._tables:
            while True:
                deleted = await self._purge_batch(table)
                purged += deleted
                if deleted < self._batch_size:
                    break
        return purged

    async def _purge_batch(self, table: str) -> int:
        async with pooled_connection(self._pool, self._acquire_timeout) as connection:
            status = await connection.execute(_purge(table), self._retention, self._batch_size)
        return int(status.rsplit(" ", 1)[-1])  # "DELETE n"

    async def purge_forever(self, interval_seconds: float) -> None:
        """At start-up, then every `interval_seconds`, until cancelled (a failed round is logged
        and retried the next one)."""
        await purge_expired_forever(self, interval_seconds, what="delivered outbox rows", log=logger)


@functools.cache
def _purge(table: str) -> str:
    """One batch of a table's purge: `$1` the retention (an interval), `$2` the batch size."""
    return f"""
        DELETE FROM {table} WHERE id IN (
            SELECT id FROM {table}
            WHERE delivered_at IS NOT NULL AND delivered_at < now() - $1::interval
            ORDER BY delivered_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        """  # noqa: S608


class SignedWebhookDelivery:
    """Delivers an event as a signed JSON POST; anything but 2xx is a failure to retry."""

    def __init__(self, client: httpx.AsyncClient, url: str, secret: str) -> None:
        self._client = client
        self._url = url
        self._secret = secret

    async def __call__(self, event: OutboxEvent) -> None:
        body = json.dumps(event.envelope(), separators=(",", ":")).encode()
        response = await self._client.post(
            self._url, content=body, headers=signing.signed_headers(self._secret, body, str(event.id))
        )
        if not response.is_success:
            raise RuntimeError(f"{self._url} answered {response.status_code}")
