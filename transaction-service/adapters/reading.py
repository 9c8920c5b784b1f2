"""The reading unit of work (`Ledger.reading`): reads of one statement that neither lock nor
write, outside any database transaction, each seeing the latest commit: the status poll buyers
repeat until COMPLETED, the first count of the unpaid-order cap, the issue job's look at the paid
order. Each runs alone on the read pool (shared.db.ReadPool: no BEGIN and ROLLBACK around it, a
connection that died in the pool replaced and the read tried again), the same statement the unit
of work sends, its row mapped to a record as the unit of work maps it.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Self

import asyncpg

from adapters.repository import PgLedgerUnitOfWork
from shared.db import ReadPool, Statement
from shared.outbox import NO_DISPATCH


class PgReadingUnitOfWork(PgLedgerUnitOfWork):
    """Every one-row read of the unit of work, each a statement of its own; it locks nothing,
    writes nothing and reads no lists (those need a unit of work)."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads
        self._inserts, self._updates = {}, {}
        self._relays = {"outbox": NO_DISPATCH, "work_queue": NO_DISPATCH}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        raise RuntimeError("a reading unit of work writes nothing")

    async def _fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        if self._inserts or self._updates:
            raise RuntimeError("a reading unit of work writes nothing")
        return await self._reads.fetchrow(sql, *args)

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        raise TypeError("a reading unit of work reads one row at a time")

    async def _by_key(
        self, kind: type[Any], statements: tuple[Statement, Statement], key: Any, lock: bool
    ) -> Any:
        if lock:
            raise TypeError("a reading unit of work locks nothing")
        return await super()._by_key(kind, statements, key, lock)

    async def unpaid_orders(self, user_id: str, now: datetime, *, lock: bool = False) -> int:
        if lock:
            raise TypeError("a reading unit of work locks nothing")
        return await super().unpaid_orders(user_id, now)
