"""Idempotency-Key for POSTs that create money or bookings (DESIGN.md §5).

A key row (scope = operation + caller, key) is inserted and committed before the work starts:
- same key, same body, finished → the first answer (status and body) is replayed;
- same key, other body → 422 idempotency-key-reused;
- same key while the first request still runs → 409 request-in-progress (a request left
  unfinished for two minutes — its process died — is taken over by the next one);
- the first request ends in a business answer (2xx, or a 4xx problem) → recorded for replay; in a
  5xx or a crash → the key row is removed, so a retry with the same key tries again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.tables import idempotency_keys
from domain.errors import IdempotencyKeyReused, RequestInProgress
from domain.rules import fingerprint


@dataclass(frozen=True)
class Recorded:
    status: int
    body: dict[str, Any]


class IdempotencyStore:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], abandoned_after_seconds: float = 120.0
    ) -> None:
        self._sessions = sessions
        self._abandoned_after = abandoned_after_seconds

    async def run(
        self,
        scope: str,
        key: str,
        body: Any,
        work: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
        problem_of: Callable[[Exception], tuple[int, dict[str, Any]] | None],
    ) -> Recorded:
        """Runs `work` once per (scope, key). `problem_of` says whether an exception is a business
        answer to record (status, problem body) or None for one that must not be recorded."""
        fp = fingerprint(body)
        c = idempotency_keys.c
        async with self._sessions() as s, s.begin():
            inserted = (
                await s.execute(
                    pg_insert(idempotency_keys)
                    .values(scope=scope, key=key, fingerprint=fp)
                    .on_conflict_do_nothing(index_elements=[c.scope, c.key])
                    .returning(c.key)
                )
            ).scalar_one_or_none()
            if inserted is None:
                row = (
                    (await s.execute(select(idempotency_keys).where(c.scope == scope, c.key == key)))
                    .mappings()
                    .one()
                )
                if row["fingerprint"] != fp:
                    raise IdempotencyKeyReused()
                if row["status_code"] is not None:
                    return Recorded(row["status_code"], row["response"])
                # Still running, unless the process that ran it died: then this request takes over.
                claimed = (
                    await s.execute(
                        update(idempotency_keys)
                        .where(
                            c.scope == scope,
                            c.key == key,
                            c.status_code.is_(None),
                            c.created_at < func.now() - timedelta(seconds=self._abandoned_after),
                        )
                        .values(created_at=func.now())
                        .returning(c.key)
                    )
                ).scalar_one_or_none()
                if claimed is None:
                    raise RequestInProgress()
        where = (c.scope == scope) & (c.key == key)
        try:
            status, response = await work()
        except Exception as exc:
            recorded = problem_of(exc)
            async with self._sessions() as s, s.begin():
                if recorded is None:
                    await s.execute(delete(idempotency_keys).where(where))
                else:
                    await s.execute(
                        update(idempotency_keys)
                        .where(where)
                        .values(status_code=recorded[0], response=recorded[1])
                    )
            raise
        async with self._sessions() as s, s.begin():
            await s.execute(
                update(idempotency_keys).where(where).values(status_code=status, response=response)
            )
        return Recorded(status, response)
