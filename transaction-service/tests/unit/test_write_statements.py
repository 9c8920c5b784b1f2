"""A unit of work's kept writes as one statement (adapters/write_statements.py): its `$n` are its
arguments in order, JSONB values go as JSON text, and a shape's SQL is built once."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from adapters.write_statements import _sql, write_statement


def test_the_arguments_follow_the_rows_then_the_updates() -> None:
    event, order, transaction = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    sql, args = write_statement(
        {
            "outbox": [{"id": event, "topic": "t", "payload": {"n": 1}}],
            "audit_log": [{"entity_id": order, "to_status": "PAID"}, {"entity_id": order, "to_status": "X"}],
        },
        {("transactions", transaction): {"status": "COMPLETED", "metadata": None}},
    )
    assert args == [
        event,
        "t",
        json.dumps({"n": 1}),
        order,
        "PAID",
        order,
        "X",
        "COMPLETED",
        "null",
        transaction,
    ]
    assert [int(n) for n in re.findall(r"\$(\d+)", sql)] == list(range(1, len(args) + 1))
    assert "INSERT INTO outbox (id, topic, payload)" in sql
    assert "INSERT INTO audit_log (entity_id, to_status)" in sql
    assert "UPDATE transactions SET status = $8, metadata = $9\nWHERE id = $10" in sql
    assert sql.startswith("WITH written_0 AS (")
    assert sql.endswith("SELECT 1")


def test_one_write_is_a_plain_statement() -> None:
    sql, args = write_statement({}, {("payments", 7): {"status": "PAID"}})
    assert (sql, args) == ("UPDATE payments SET status = $1\nWHERE id = $2", ["PAID", 7])


def test_a_shape_s_sql_is_built_once() -> None:
    def rows(n: int) -> dict[str, list[dict[str, object]]]:
        return {"work_queue": [{"id": uuid.uuid4(), "topic": f"t{n}", "payload": {}}]}

    first, _ = write_statement(rows(1), {})
    misses = _sql.cache_info().misses
    second, _ = write_statement(rows(2), {})
    assert second is first
    assert _sql.cache_info().misses == misses


def test_rows_of_one_table_have_the_same_columns() -> None:
    with pytest.raises(ValueError, match="different columns"):
        write_statement({"audit_log": [{"to_status": "A"}, {"to_status": "B", "reason": "r"}]}, {})
    with pytest.raises(KeyError):
        write_statement({"audit_log": [{"to_status": "A"}, {"reason": "r"}]}, {})
