"""A list as shared.db.Statement writes it, `= ANY(:ids::text[]::uuid[])`: sent as text[] and
cast by the server, so that a connection's first statement with a list runs alone, with no type
introspection first (asyncpg asks the catalog about every array type but text[], once per
connection, with a recursive query)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
import sqlalchemy as sa

from shared.db import Statement
from shared.settings import to_asyncpg_url
from testkit.postgres import asyncpg_pool, sessions_with_tables

metadata = sa.MetaData()
rows = sa.Table(
    "rows",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
)
IDS = [uuid.UUID(int=n) for n in range(1, 5)]


@pytest.fixture
async def pool(make_database: Callable[[str], str]) -> AsyncIterator[asyncpg.Pool]:
    url = to_asyncpg_url(make_database("array_parameters"))
    async with sessions_with_tables(url, metadata) as sessions, asyncpg_pool(url) as made:
        async with sessions() as session, session.begin():
            for n, row_id in enumerate(IDS):
                await session.execute(rows.insert().values(id=row_id, status="paid" if n % 2 else "held"))
        yield made


async def _statements_sent(pool: asyncpg.Pool, sql: str, *args: object) -> tuple[list[str], set[uuid.UUID]]:
    """What a brand-new connection sends to run `sql`, and the ids it finds."""
    async with pool.acquire() as connection:
        await connection.close()  # the pool connects afresh on the next acquire
    sent: list[str] = []
    async with pool.acquire() as connection:
        connection.add_query_logger(lambda record: sent.append(record.query))
        found = {row["id"] for row in await connection.fetch(sql, *args)}
    return sent, found


async def test_a_list_of_uuids_is_one_statement_on_a_new_connection(pool: asyncpg.Pool) -> None:
    statement = Statement("SELECT id FROM rows WHERE id = ANY(:ids::text[]::uuid[])")
    sent, found = await _statements_sent(pool, statement.sql, *statement.args(ids=[str(i) for i in IDS[:3]]))
    assert found == set(IDS[:3])
    assert sent == [statement.sql]


async def test_a_list_of_statuses_is_one_statement(pool: asyncpg.Pool) -> None:
    statement = Statement("SELECT id FROM rows WHERE status = ANY(:open::text[])")
    sent, found = await _statements_sent(pool, statement.sql, *statement.args(open=["paid"]))
    assert found == {IDS[1], IDS[3]}
    assert sent == [statement.sql]


async def test_a_uuid_array_parameter_would_ask_the_catalog_first(pool: asyncpg.Pool) -> None:
    """Why lists go as text[]: the same list as uuid[] costs the new connection its introspection."""
    sent, found = await _statements_sent(pool, "SELECT id FROM rows WHERE id = ANY($1::uuid[])", IDS[:2])
    assert found == set(IDS[:2])
    assert len(sent) > 1
    assert any("typeinfo" in query for query in sent)
