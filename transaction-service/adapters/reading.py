"""The reading unit of work (`Ledger.reading`): reads of one statement that neither lock nor
write, outside any database transaction, each seeing the latest commit.

Its hot reads run on the read pool (shared.db.ReadPool), straight on asyncpg: the status poll
buyers repeat until COMPLETED, the first count of the unpaid-order cap, the issue job's look at
the paid order. A poll's read costs about half the CPU it did on an autocommit SQLAlchemy
connection (no connection checkout through the engine, no result wrappers), and its rows map to
records exactly as the unit of work maps them. Any other read runs through SQLAlchemy on an
autocommit connection, taken only when one is asked for.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from adapters import tables as t
from adapters.repository import SqlLedgerUnitOfWork, record_of
from domain.models import OrderStatus
from domain.records import Order
from shared.db import ReadPool

_ORDER_COLUMNS = ", ".join(f"o.{c.name}" for c in t.orders.c)
_JSON_COLUMNS = tuple(c.name for c in t.orders.c if isinstance(c.type, JSONB))
# Names come from adapters/tables.py and values are bound: nothing from a request enters the SQL.
_FROM_ORDERS = f"FROM {t.orders.name} o"
_ORDER = f"SELECT {_ORDER_COLUMNS} {_FROM_ORDERS} WHERE o.id = $1"
_ORDER_WITH_TRANSACTION_ID = (
    f"SELECT {_ORDER_COLUMNS}, x.id AS transaction_id {_FROM_ORDERS}"
    f" LEFT OUTER JOIN {t.transactions.name} x ON x.order_id = o.id WHERE o.id = $1"
)
_UNPAID_ORDERS = (
    f"SELECT count(*) {_FROM_ORDERS} WHERE o.user_id = $1 AND o.status = ANY($2::text[])"
    " AND (o.hold_expires_at IS NULL OR o.hold_expires_at > $3)"
)
_UNPAID = [str(OrderStatus.DRAFT), str(OrderStatus.CONFIRMED)]


def _order(row: Any) -> Order:
    """An orders row as the unit of work reads it: asyncpg hands JSONB over as text."""
    values = dict(row)
    for name in _JSON_COLUMNS:
        if isinstance(values[name], str):
            values[name] = json.loads(values[name])
    order: Order = record_of(Order, values)
    return order


class SqlReadingUnitOfWork(SqlLedgerUnitOfWork):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, pool: ReadPool
    ) -> None:
        super().__init__(sessions)
        self._engine = engine
        self._pool = pool
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        self._inserts, self._updates, self._woken = {}, {}, set()
        self._connection = None
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def commit(self) -> None:
        raise RuntimeError("a reading unit of work writes nothing")

    # --- the hot reads, on the read pool ---
    async def order(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
        if lock:
            return await super().order(order_id, lock=True)
        row = await self._pool.fetchrow(_ORDER, order_id)
        return None if row is None else _order(row)

    async def order_with_transaction_id(self, order_id: uuid.UUID) -> tuple[Order, uuid.UUID | None] | None:
        row = await self._pool.fetchrow(_ORDER_WITH_TRANSACTION_ID, order_id)
        return None if row is None else (_order(row), row["transaction_id"])

    async def unpaid_orders(self, user_id: str, now: datetime, *, lock: bool = False) -> int:
        if lock:
            return await super().unpaid_orders(user_id, now, lock=True)
        count = await self._pool.fetchrow(_UNPAID_ORDERS, user_id, _UNPAID, now)
        assert count is not None  # count(*) always answers one row
        return int(count[0])

    # --- any other read, through SQLAlchemy ---
    async def _execute(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        if self._inserts or self._updates:
            raise RuntimeError("a reading unit of work writes nothing")
        if self._connection is None:
            connection = await self._engine.connect()
            try:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            except BaseException:
                await connection.close()
                raise
            self._connection = connection
        return await self._connection.execute(statement, parameters)
