"""The reading unit of work (adapters/reading.py) on PostgreSQL: its one-row reads answer the
records the unit of work reads, outside a transaction; it locks, writes and lists nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from adapters.reading import PgReadingUnitOfWork
from adapters.repository import PgLedgerUnitOfWork
from domain.repository import OrderFilter
from shared.db import ReadPool
from tests.api.helpers import book
from tests.conftest import People


async def test_its_reads_answer_what_the_unit_of_work_reads(
    app: FastAPI, client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    placed = await book(client, buyer)
    order_id = uuid.UUID(placed["id"])
    async with PgLedgerUnitOfWork(app.state.pool) as uow:
        order = await uow.order(order_id)
        tx = await uow.transaction_of_order(order_id)
        unpaid = await uow.unpaid_orders(buyer.id, datetime.now(UTC))
    async with PgReadingUnitOfWork(ReadPool(app.state.pool, acquire_timeout=5.0)) as reading:
        assert await reading.order(order_id) == order
        assert await reading.order_with_transaction_id(order_id) == (order, tx.id if tx else None)
        assert await reading.transaction_of_order(order_id) == tx
        assert await reading.unpaid_orders(buyer.id, datetime.now(UTC)) == unpaid == 1
        assert await reading.order(uuid.uuid4()) is None


async def test_it_locks_writes_and_lists_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with PgReadingUnitOfWork(ReadPool(app.state.pool, acquire_timeout=5.0)) as reading:
        with pytest.raises(TypeError):
            await reading.order(uuid.uuid4(), lock=True)
        with pytest.raises(TypeError):
            await reading.unpaid_orders("someone", datetime.now(UTC), lock=True)
        with pytest.raises(TypeError):
            await reading.list_orders(OrderFilter(None), 10, 0)
        await reading.add_event("never", {})
        with pytest.raises(RuntimeError):
            await reading.order(uuid.uuid4())
        with pytest.raises(RuntimeError):
            await reading.commit()
