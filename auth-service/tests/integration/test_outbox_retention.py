"""The outbox retention runs with the service by default: at start-up it deletes account events
delivered longer than OUTBOX_RETENTION_DAYS ago (they hold emails) and keeps recent and
undelivered ones (shared/tests/test_outbox_retention.py covers batches and replicas)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.tables import outbox
from shared.settings import to_asyncpg_url
from testkit.asgi import running_app
from testkit.keys import TestKeys
from testkit.postgres import alembic
from tests.app_factory import build_app


async def test_the_service_purges_old_delivered_events_at_start_up(
    make_database: Callable[[str], str], service_dir: Path, test_keys: TestKeys
) -> None:
    url = make_database("auth_outbox_retention")
    alembic(service_dir, url, "upgrade", "head")
    engine = create_async_engine(to_asyncpg_url(url))
    old, recent, undelivered = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    try:
        async with engine.begin() as conn:
            for row_id, delivered in (
                (old, func.now() - timedelta(days=31)),
                (recent, func.now() - timedelta(days=29)),
                (undelivered, None),
            ):
                await conn.execute(
                    outbox.insert().values(
                        id=row_id,
                        topic="account.registered",
                        payload={"email": "someone@example.com"},
                        created_at=func.now() - timedelta(days=400),
                        delivered_at=delivered,
                    )
                )

        async def ids() -> set[uuid.UUID]:
            async with engine.connect() as conn:
                return set((await conn.execute(select(outbox.c.id))).scalars())

        async with running_app(build_app(url, test_keys.private_pem())):
            for _ in range(100):
                if old not in await ids():
                    break
                await asyncio.sleep(0.05)
        assert await ids() == {recent, undelivered}
    finally:
        await engine.dispose()
