"""The broker tier's platform: the real processes (the `make dev` launcher on free ports, a real
PostgreSQL) with RABBITMQ_URL set, so transaction-service's outbox publishes to RabbitMQ and
notification-service reads its queue (no webhook between them). The exchange's name is this
run's own (EVENTS_EXCHANGE), so other stacks on the same broker never take its events, and the
whole topology is deleted when the run ends."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import pytest

from devstack.stack import Stack, StackConfig
from shared.event_topology import EventTopology, tiketq_topology
from testkit.rabbitmq import broker_shared
from testkit.stack_runner import StackRunner

# The gateway client and accounts: the end-to-end suite's own fixtures, on this suite's stack.
from tests.conftest import gateway, new_account, stack  # noqa: F401

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "")


@pytest.fixture(scope="session")
def topology() -> Iterator[EventTopology]:
    assert RABBITMQ_URL, "the broker tier needs RABBITMQ_URL"
    topology = tiketq_topology(f"e2e.{uuid.uuid4().hex[:12]}.events")
    yield topology
    asyncio.run(_delete(topology))


async def _delete(topology: EventTopology) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        await topology.delete(await connection.channel())
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def stack_runner(topology: EventTopology) -> Iterator[StackRunner]:
    workdir = Path(tempfile.mkdtemp(prefix="tiketq-broker-"))
    config = StackConfig.for_tests(workdir, database_url=os.environ.get("TEST_DATABASE_URL"))
    config.extra_env["RABBITMQ_URL"] = RABBITMQ_URL
    config.extra_env["EVENTS_EXCHANGE"] = topology.exchange
    # No shared Redis: its search caches would hand this stack offers another stack's sandbox made.
    config.extra_env["REDIS_URL"] = ""
    runner = StackRunner(Stack(config))
    # The whole run shares the broker: another suite's restart test waits for it to end.
    with broker_shared():
        runner.start()
        try:
            yield runner
        finally:
            runner.close()
        if os.environ.get("KEEP_E2E_LOGS"):
            print(f"broker e2e logs kept in {workdir / 'logs'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
