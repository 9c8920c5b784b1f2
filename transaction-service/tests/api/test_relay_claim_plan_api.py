"""The relays' claim reads the rows still to deliver through their index, not the whole table:
delivered rows stay until the retention purges them, and a claim that read them all would cost
more with every booking, on every pass."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from fastapi import FastAPI

from shared.outbox import due_rows

DELIVERED = 3000


@pytest.mark.parametrize("name", ["outbox", "work_queue"])
async def test_the_claim_reads_pending_rows_through_their_index(
    app: FastAPI, client: httpx.AsyncClient, name: str
) -> None:
    # `client` runs the app, whose start opens the pool.
    topic = f"claim-plan-{uuid.uuid4()}"
    claim = due_rows(name)  # the relay's claim on that table
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            f"INSERT INTO {name} (id, topic, payload, created_at, delivered_at) "
            "SELECT gen_random_uuid(), $1, '{}', now() - g * interval '1 second', now() "
            "FROM generate_series(1, $2) g",
            topic,
            DELIVERED,
        )
        try:
            await conn.execute(f"ANALYZE {name}")
            async with conn.transaction():
                rows = await conn.fetch(
                    f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {claim.sql}", *claim.args(batch=50)
                )
        finally:
            await conn.execute(f"DELETE FROM {name} WHERE topic = $1", topic)
    plan = json.loads(rows[0][0])[0]["Plan"]
    nodes = list(_nodes(plan))
    assert f"ix_{name}_pending" in {n.get("Index Name") for n in nodes}, nodes
    assert "Seq Scan" not in {n["Node Type"] for n in nodes}, nodes


def _nodes(plan: dict[str, object]):  # type: ignore[no-untyped-def]
    yield plan
    for child in plan.get("Plans", []):  # type: ignore[attr-defined]
        yield from _nodes(child)
