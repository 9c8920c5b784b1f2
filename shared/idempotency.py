"""Idempotency-Key for POSTs that create money or bookings: one mechanism for every service.

A client that lost an answer (a timeout, a dropped connection, a crash on its side) sends the same
request again with the same `Idempotency-Key`; it must get the first answer, and the work (a
Midtrans charge, a seat hold, a refund) must happen once. So, per (scope, key):

- The key row is inserted and COMMITTED before the work starts (insert on conflict do nothing):
  the database decides who runs, across processes, and the row survives a crash.
- Whoever inserted it runs the work and records the answer (status and JSON body) on the row.
- A request that finds a finished row gets the recorded answer; one that finds the key with
  another body gets `IdempotencyKeyReused` (422 `idempotency-key-reused`).
- A request that finds the first one still running waits for it (polling the row with a short
  back-off) and replays its answer, so a client's impatient retry does not turn into an error.
  After `wait_seconds` it gives up with `RequestStillRunning` (409 `request-in-progress`).
- A row unfinished for longer than `abandoned_after_seconds` belongs to a process that died: one
  waiter takes it over atomically and runs the work again. The row's `created_at` is the owner's
  token, so a slow "dead" owner that wakes up can no longer record over its successor.
- A failure the caller calls a business answer (`record(exc)` gives a Replay: a refusal, a 409)
  is recorded and replayed like a success. Anything else (a 5xx, a timeout, a crash, a
  cancellation) removes the key row, so a retry with the same key runs again.
- `purge_expired` deletes rows older than `retention` (and abandoned ones);
  `purge_expired_forever` is the periodic job every service starts in its lifespan.

Times are the database's (`now()`, UTC), so processes with skewed clocks agree on what is old.

Each service declares its key table with shared/schema.py's `idempotency_table(metadata)` in its
adapters/tables.py and creates it in its own Alembic migration, builds its store on its plain
asyncpg pool (shared.db.create_asyncpg_pool) with
`IdempotencyStore.configured(pool, "<the table's name>", settings.idempotency)`
(shared.settings.IdempotencySettings: the IDEMPOTENCY_* variables), and starts
`purge_expired_forever(store, settings.idempotency.purge_interval_seconds)` as a background task.
Scopes name the operation and, where callers must not see each other's keys, the caller
(`"orders:<account id>"`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

import asyncpg

from shared.db import Statement, pooled_connection

if TYPE_CHECKING:  # only the type
    from shared.settings import IdempotencySettings

logger = logging.getLogger("tiketq.idempotency")

FIRST_POLL_SECONDS = 0.02
LONGEST_POLL_SECONDS = 0.25


def _plain(value: object) -> str:
    # Only types whose str() is stable; anything else (a set, an object) is a caller's mistake.
    if isinstance(value, Decimal | UUID | date):  # datetime is a date
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _canonical_json(body: object) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def request_fingerprint(body: object) -> str:
    """sha256 (hex) of the body as canonical JSON: sorted keys, no spaces, Decimal, UUID and dates
    as strings. The same body always has the same fingerprint, whatever its key order; callers
    pass the request as they parsed it, so `1500000` and `"1500000.00"` differ unless the caller
    normalises money first."""
    return hashlib.sha256(_canonical_json(body).encode()).hexdigest()


@dataclass(frozen=True)
class Replay:
    """An answer to give: the status and the JSON body, fresh from the work or recorded."""

    status: int
    body: Any


class IdempotencyKeyReused(Exception):
    """The key was used with another request body."""


class RequestStillRunning(Exception):
    """The first request with this key is still running after the wait."""


def _no_record(exc: BaseException) -> Replay | None:
    return None


@dataclass(frozen=True)
class _Owned:
    """We own the key row: it was inserted (or taken over) at `token`, its created_at."""

    token: datetime


class IdempotencyStore:
    """The key rows' statements run straight on a plain asyncpg pool (shared.db
    .create_asyncpg_pool), on the table named `table` (its shape: shared/schema.py's
    idempotency_table). Each statement commits on its own: no BEGIN and COMMIT round trips
    around it. None needs a transaction: each is atomic by itself (an insert on conflict, a read,
    an update or delete guarded by its WHERE), and at READ COMMITTED a transaction would not make
    a later statement see less than the latest commit anyway."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        table: str,
        *,
        abandoned_after_seconds: float = 120.0,
        wait_seconds: float = 30.0,
        retention: timedelta = timedelta(days=7),
        acquire_timeout: float = 30.0,
    ) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._abandoned_after = timedelta(seconds=abandoned_after_seconds)
        self._wait_seconds = wait_seconds
        self._retention = retention
        self._insert = Statement(
            f"""
            INSERT INTO {table} (scope, key, fingerprint) VALUES (:new_scope, :new_key, :print)
            ON CONFLICT (scope, key) DO NOTHING
            RETURNING created_at
            """  # noqa: S608
        )
        self._look = Statement(
            f"SELECT fingerprint, status_code, response FROM {table} WHERE scope = :scope AND key = :key"  # noqa: S608
        )
        # Unfinished for too long: its process died. Exactly one waiter wins this UPDATE.
        self._take_over = Statement(
            f"""
            UPDATE {table} SET created_at = now()
            WHERE scope = :scope AND key = :key AND status_code IS NULL
              AND created_at < now() - CAST(:abandoned_after AS interval)
            RETURNING created_at
            """  # noqa: S608
        )
        # The row as we claimed it, still unanswered: nobody took it over meanwhile.
        owned = "scope = :owned_scope AND key = :owned_key AND created_at = :token AND status_code IS NULL"
        self._forget = Statement(f"DELETE FROM {table} WHERE {owned}")  # noqa: S608
        self._answer = Statement(
            f"UPDATE {table} SET status_code = :status, response = :body, finished_at = now() WHERE {owned}"  # noqa: S608
        )
        self._purge = Statement(
            f"""
            DELETE FROM {table}
            WHERE status_code IS NOT NULL AND created_at < now() - CAST(:retention AS interval)
               OR status_code IS NULL AND created_at < now() - CAST(:abandoned_after AS interval)
            """  # noqa: S608
        )

    @classmethod
    def configured(cls, pool: asyncpg.Pool, table: str, settings: IdempotencySettings) -> IdempotencyStore:
        """The store as the service's IDEMPOTENCY_* settings say."""
        return cls(
            pool,
            table,
            abandoned_after_seconds=settings.abandoned_after_seconds,
            wait_seconds=settings.wait_seconds,
            retention=settings.retention,
        )

    async def run(
        self,
        scope: str,
        key: str,
        body: object,
        work: Callable[[], Awaitable[Replay]],
        record: Callable[[BaseException], Replay | None] = _no_record,
    ) -> Replay:
        """Runs `work` once per (scope, key) and returns its Replay, or the recorded one.

        Raises IdempotencyKeyReused (another body under this key), RequestStillRunning (the first
        request outlasted `wait_seconds`), or whatever `work` raised (after recording
        `record(exc)` when that is a Replay, or forgetting the key when it is None)."""
        fingerprint = request_fingerprint(body)
        deadline = time.monotonic() + self._wait_seconds
        pause = FIRST_POLL_SECONDS
        while True:
            outcome = await self._claim(scope, key, fingerprint)
            if isinstance(outcome, Replay):
                return outcome
            if isinstance(outcome, _Owned):
                return await self._run_owned(scope, key, outcome.token, work, record)
            # Still running elsewhere: wait for its answer (or for it to vanish or be abandoned).
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RequestStillRunning(f"The request with Idempotency-Key {key!r} is still running.")
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, LONGEST_POLL_SECONDS)

    async def _claim(self, scope: str, key: str, fingerprint: str) -> Replay | _Owned | None:
        """One look at the key: ours now (_Owned), answered (Replay), or running elsewhere (None)."""
        async with pooled_connection(self._pool, self._acquire_timeout) as connection:
            claim = self._insert.args(new_scope=scope, new_key=key, print=fingerprint)
            inserted = await connection.fetchval(self._insert.sql, *claim)
            if inserted is not None:
                return _Owned(inserted)
            row = await connection.fetchrow(self._look.sql, *self._look.args(scope=scope, key=key))
            if row is None:  # deleted between our insert and our read: the next look inserts
                return None
            if row["fingerprint"] != fingerprint:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was used with another request body; use a new key."
                )
            if row["status_code"] is not None:
                response = row["response"]  # JSONB comes as JSON text (asyncpg's own codec)
                return Replay(row["status_code"], None if response is None else json.loads(response))
            taken = await connection.fetchval(
                self._take_over.sql,
                *self._take_over.args(scope=scope, key=key, abandoned_after=self._abandoned_after),
            )
            if taken is not None:
                logger.warning("idempotency key taken over", extra={"scope": scope, "key": key})
                return _Owned(taken)
            return None

    async def _run_owned(
        self,
        scope: str,
        key: str,
        token: datetime,
        work: Callable[[], Awaitable[Replay]],
        record: Callable[[BaseException], Replay | None],
    ) -> Replay:
        try:
            fresh = await work()
        except BaseException as exc:
            answer = record(exc)
            # Shielded: a cancelled request must still forget its key, or retries wait for it
            # until it counts as abandoned.
            await asyncio.shield(self._finish(scope, key, token, answer))
            raise
        # The answer as JSON will replay it, so the first caller sees exactly what retries see.
        replay = Replay(fresh.status, json.loads(_canonical_json(fresh.body)))
        await self._finish(scope, key, token, replay)
        return replay

    async def _finish(self, scope: str, key: str, token: datetime, answer: Replay | None) -> None:
        """Records the answer, or forgets the key (None), unless someone took the row over."""
        ours = {"owned_scope": scope, "owned_key": key, "token": token}
        try:
            async with pooled_connection(self._pool, self._acquire_timeout) as connection:
                if answer is None:
                    await connection.execute(self._forget.sql, *self._forget.args(**ours))
                else:
                    # JSONB goes as JSON text (asyncpg's own codec), canonical as replays read it.
                    body = _canonical_json(answer.body)
                    await connection.execute(
                        self._answer.sql, *self._answer.args(**ours, status=answer.status, body=body)
                    )
        except Exception:
            # The work is done (or failed) either way and its outcome is what the caller must
            # see, not the database's trouble. The unfinished row is taken over once it counts
            # as abandoned, and the work runs again then: the work must tolerate that.
            logger.exception("could not finish an idempotency key", extra={"scope": scope, "key": key})

    async def purge_expired(self) -> int:
        """Deletes finished rows older than the retention, and rows left unfinished past the
        abandonment timeout (their process died; a retry would take them over anyway)."""
        async with pooled_connection(self._pool, self._acquire_timeout) as connection:
            status = await connection.execute(
                self._purge.sql,
                *self._purge.args(retention=self._retention, abandoned_after=self._abandoned_after),
            )
        return int(status.rsplit(" ", 1)[-1])  # "DELETE <rows>"


class Purgeable(Protocol):
    async def purge_expired(self) -> int: ...


async def purge_expired_forever(
    store: Purgeable,
    interval_seconds: float,
    *,
    what: str = "expired idempotency keys",
    log: logging.Logger = logger,
) -> None:
    """Purges expired rows now and then every `interval_seconds`, until cancelled; `what` names
    them in the logs (the outbox's retention reuses this loop, shared/outbox.py).

    The first round runs at start-up, so a service restarted more often than the interval still
    purges. A failed round (the database restarting, say) is logged and the next one tries again:
    the rows it missed are still expired then."""
    while True:
        try:
            purged = await store.purge_expired()
        except Exception:
            log.exception("could not purge %s; trying again next round", what)
        else:
            log.log(
                logging.INFO if purged else logging.DEBUG,
                "purged %d %s",
                purged,
                what,
                extra={"purged": purged},
            )
        await asyncio.sleep(interval_seconds)
