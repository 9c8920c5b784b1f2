"""shared.db.Statement and Parameters: SQL with named parameters turned into asyncpg's `$n`, and
the arguments of a statement built per call, run on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from shared.db import Parameters, Statement, connect_arguments, like_containing
from shared.settings import to_asyncpg_url
from testkit.postgres import asyncpg_pool


def test_names_become_positions_in_order_of_first_use() -> None:
    s = Statement("UPDATE t SET a = :a, b = :b WHERE id = :id AND a <> :a")
    assert s.sql == "UPDATE t SET a = $1, b = $2 WHERE id = $3 AND a <> $1"
    assert s.names == ("a", "b", "id")
    assert s.args(id=7, b="x", a=1) == [1, "x", 7]


def test_casts_times_and_words_with_colons_are_not_parameters() -> None:
    s = Statement("SELECT :n::int, '12:30', 'x:y', ARRAY[1]::int[], :ids::text[]::uuid[]")
    assert s.sql == "SELECT $1::int, '12:30', 'x:y', ARRAY[1]::int[], $2::text[]::uuid[]"
    assert s.names == ("n", "ids")


def test_literals_identifiers_and_comments_are_kept_as_written() -> None:
    s = Statement(
        "SELECT 'to: :name', 'it''s :x', \"odd:col\" -- a :comment\nFROM t WHERE a = :a AND b = 'b:b'"
    )
    assert s.sql == (
        "SELECT 'to: :name', 'it''s :x', \"odd:col\" -- a :comment\nFROM t WHERE a = $1 AND b = 'b:b'"
    )
    assert s.names == ("a",)


def test_a_name_left_out_is_an_error_not_a_null() -> None:
    with pytest.raises(KeyError):
        Statement("SELECT :a").args()


def test_parameters_number_their_values() -> None:
    params = Parameters()
    where = [f"a = {params.add(1)}", f"b = {params.add('two')}"]
    assert where == ["a = $1", "b = $2"]
    assert list(params) == [1, "two"]
    assert len(params) == 2


def test_a_database_url_means_what_it_means_to_the_migrations() -> None:
    given = connect_arguments(
        "postgresql+asyncpg://app:s3cret@db.internal:6432/orders?ssl=require&prepared_statement_cache_size=0"
    )
    assert given == {
        "dsn": "postgresql://app:s3cret@db.internal:6432/orders",
        "ssl": "require",
        "statement_cache_size": 0,
    }
    socket = connect_arguments("postgresql://postgres@/tiketq?host=/run/postgresql")
    assert socket == {"dsn": "postgresql://postgres@/tiketq?host=%2Frun%2Fpostgresql"}
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        connect_arguments("mysql://root@localhost/tiketq")
    # asyncpg would send it to the server as a setting, SQLAlchemy (the migrations) to asyncpg.
    with pytest.raises(ValueError, match="'command_timeout' is not supported"):
        connect_arguments("postgresql://app@db/orders?command_timeout=30")


@pytest.fixture
async def pool(make_database: Callable[[str], str]) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg_pool(to_asyncpg_url(make_database("statements"))) as made:
        yield made


async def test_a_statement_and_a_built_one_run_on_postgresql(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await connection.execute("CREATE TABLE fares (code text PRIMARY KEY, amount numeric(14, 2))")
        add = Statement("INSERT INTO fares (code, amount) VALUES (:code, :amount)")
        fares = [add.args(code=code, amount=amount) for code, amount in (("A", 100), ("B", 250))]
        await connection.executemany(add.sql, fares)
        params = Parameters()
        where = [f"amount >= {params.add(200)}", f"code = ANY({params.add(['A', 'B'])}::text[])"]
        rows = await connection.fetch(f"SELECT code FROM fares WHERE {' AND '.join(where)}", *params)
        assert [row["code"] for row in rows] == ["B"]


async def test_a_containing_pattern_takes_the_texts_own_wildcards_literally(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await connection.execute("CREATE TABLE names (name text)")
        await connection.executemany(
            "INSERT INTO names VALUES ($1)",
            [("50% off",), ("500 off",), ("a_b",), ("axb",), ("c\\d",), ("cd",)],
        )

        async def found(text: str) -> list[str]:
            rows = await connection.fetch(
                "SELECT name FROM names WHERE name ILIKE $1 ORDER BY name", like_containing(text)
            )
            return [row["name"] for row in rows]

        assert await found("0%") == ["50% off"]
        assert await found("_") == ["a_b"]
        assert await found("\\") == ["c\\d"]
        assert await found("OFF") == ["50% off", "500 off"]
