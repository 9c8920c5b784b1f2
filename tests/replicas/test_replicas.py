"""Two processes of every service (`make dev REPLICAS=2`): the gateway and every service-to-service
client spread over both, every background worker runs in both, and SIGKILLing one replica of
payment-service and one of transaction-service in the middle of a notification storm loses
nothing and does nothing twice.

The stack is this module's own (replicas=2), with the sandbox's Midtrans silent: the storm is the
only source of notifications. Each paid order's Midtrans notification is posted DUPLICATES times,
shuffled and concurrent, through the gateway; a copy that is not answered 200 is posted again, as
Midtrans retries. flights- and ferries-service keep searched offers in process memory, so each
runs one instance unless REDIS_URL is set (devstack/catalog.py); hotels-service always runs one.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from devstack.catalog import SERVICES, by_name
from devstack.secrets import ensure_dev_secrets
from devstack.stack import Stack, StackConfig
from testkit.stack_runner import StackRunner
from tests.money import CONTACT, passenger

ORDERS = 50
DUPLICATES = 20  # 1,000 notifications
KILL_AFTER = 300  # notifications answered before the two replicas die
REFUNDED = 10
EXPIRED = 10  # orders left unpaid until their hold lapses
HOLD_SECONDS = 8
ROUTES = [("CGK", "DPS"), ("CGK", "SUB"), ("CGK", "KNO"), ("CGK", "UPG"), ("SUB", "DPS")]
KILLED = ("payment-2", "transaction-2")
PASSWORD = "correct horse battery"


def test_make_dev_replicas_puts_instance_two_100_ports_up_and_gives_callers_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    config = StackConfig(workdir=tmp_path, secrets_dir=tmp_path / "secrets", replicas=2)
    assert config.instance_ports("auth") == [8001, 8101]
    assert config.instance_ports("gateway") == [8000]
    assert config.instance_ports("sandbox") == [8009]
    # Offers in process memory: one instance, unless a shared store is given.
    assert config.instance_ports("hotels") == [8006]
    assert config.instance_ports("flights") == [8004]
    stack = Stack(config)
    stack.secrets = ensure_dev_secrets(config.secrets_dir)
    env = stack._env_for(by_name("transaction"))
    assert env["PAYMENT_SERVICE_URL"] == "http://127.0.0.1:8008,http://127.0.0.1:8108"
    products = json.loads(env["PRODUCT_SERVICES"])
    assert products["ppob"] == "http://127.0.0.1:8007,http://127.0.0.1:8107"
    assert products["flight"] == "http://127.0.0.1:8004"
    assert env["JWT_JWKS_URL"] == "http://127.0.0.1:8001/auth/.well-known/jwks.json"
    assert env["GATEWAY_SERVICE_URL"] == "http://127.0.0.1:8000"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert config.instance_ports("flights") == [8004, 8104]
    assert config.instance_ports("ferries") == [8005, 8105]
    assert config.instance_ports("hotels") == [8006]
    with pytest.raises(ValueError, match="replicas must be between 1 and 9"):
        StackConfig(workdir=tmp_path, secrets_dir=tmp_path, replicas=0)


@pytest.fixture(scope="module")
def replicas() -> Iterator[StackRunner]:
    workdir = Path(tempfile.mkdtemp(prefix="tiketq-replicas-"))
    config = StackConfig.for_tests(workdir, database_url=os.environ.get("TEST_DATABASE_URL"), replicas=2)
    config.extra_env.update(
        {
            # Twice the processes on one database server (which may serve another suite's stack
            # too): at most 4 connections per engine.
            "DATABASE_POOL_SIZE": "2",
            # A relay delivering several rows at once holds a connection per pass (up to four):
            # with pools this small, one pass per relay leaves the jobs and requests theirs.
            "WORK_CONCURRENCY": "1",
            "PAYMENT_EVENTS_CONCURRENCY": "1",
            # Work that waited for a killed replica is retried within seconds.
            "PAYMENT_EVENTS_MAX_BACKOFF_SECONDS": "2",
            "WORK_MAX_BACKOFF_SECONDS": "2",
            "MAX_UNPAID_ORDERS_PER_ACCOUNT": "100",
            # Both replicas' hold-expiry sweepers run every second.
            "HOLD_SWEEP_INTERVAL_SECONDS": "1",
            # No broker and no shared Redis: tests/broker and the Redis tier prove those, and a
            # stack on this machine's servers would share their queues and caches with others.
            "RABBITMQ_URL": "",
            "REDIS_URL": "",
        }
    )
    config.service_env["sandbox"] = {"SANDBOX_MIDTRANS_NOTIFICATION_URL": ""}
    runner = StackRunner(Stack(config))
    runner.start()
    try:
        yield runner
    finally:
        runner.close()
        if os.environ.get("KEEP_E2E_LOGS"):
            print(f"e2e logs kept in {workdir / 'logs'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def test_every_service_runs_two_instances_and_callers_know_both(replicas: StackRunner) -> None:
    stack = replicas.stack
    for spec in SERVICES:
        expected = 2 if stack.config.replicable(spec) else 1
        assert len(stack.instances(spec.name)) == expected, spec.name
        for name in stack.instances(spec.name):
            assert httpx.get(f"{stack.url(name)}/readyz", timeout=5).status_code == 200, name
    env = stack.processes["payment"].env
    assert env["TRANSACTION_SERVICE_URL"] == f"{stack.url('transaction')},{stack.url('transaction-2')}"
    assert stack.processes["transaction"].env["PAYMENT_SERVICE_URL"].count(",") == 1
    assert "gateway-2" not in stack.processes
    assert "sandbox-2" not in stack.processes
    # The gateway checks every token with auth-service: both instances in turn.
    with httpx.Client(base_url=stack.gateway_url, timeout=15) as gateway:
        email = f"replica-{uuid.uuid4().hex[:12]}@example.com"
        assert gateway.post("/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
        token = gateway.post("/auth/login", json={"email": email, "password": PASSWORD}).json()[
            "access_token"
        ]
        answers = [
            gateway.get("/orders/", headers={"Authorization": f"Bearer {token}"}).status_code
            for _ in range(6)
        ]
    # (A request the gateway moves to another instance must carry that instance's Host header.)
    assert answers == [200] * 6, "the gateway's token checks must reach both auth-service instances"


class Storm:
    def __init__(self, stack: Stack, client: httpx.AsyncClient, core: httpx.AsyncClient) -> None:
        self.stack = stack
        self.client = client
        self.core = core
        self.offers: list[str] = []
        self.day = 120
        self.lock = asyncio.Lock()

    async def account(self, email: str | None = None, password: str = PASSWORD) -> dict[str, str]:
        if email is None:
            email = f"replica-{uuid.uuid4().hex[:12]}@example.com"
            created = await self.client.post("/auth/register", json={"email": email, "password": password})
            assert created.status_code == 201, created.text
        login = await self.client.post("/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    async def offer(self) -> str:
        async with self.lock:
            while not self.offers:
                for origin, destination in ROUTES:
                    params: dict[str, str | int] = {
                        "origin": origin,
                        "destination": destination,
                        "departure_date": (date.today() + timedelta(days=self.day)).isoformat(),
                        "adults": 1,
                    }
                    response = await self.client.get("/flights/search", params=params)
                    assert response.status_code == 200, response.text
                    self.offers += [o["offer_id"] for o in response.json()["offers"]]
                self.day += 1
            return self.offers.pop()

    async def paid_order(self, buyer: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """An order paid on the sandbox's page, and Midtrans's status body (the notification)."""
        for _ in range(5):  # an offer can sell out or change price between search and hold
            placed = await self.client.post(
                "/orders/",
                json={
                    "service_type": "flight",
                    "offer_id": await self.offer(),
                    "booking_details": {"passengers": [passenger()], "contact": CONTACT},
                },
                headers={**buyer, "Idempotency-Key": str(uuid.uuid4())},
            )
            if placed.status_code == 201:
                break
            assert placed.status_code in (409, 410), placed.text
        else:
            return None
        order = placed.json()
        payment = await self.client.post(
            "/payments/",
            json={"transaction_id": order["transaction_id"]},
            headers={**buyer, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert payment.status_code == 201, payment.text
        redirect = payment.json()["redirect_url"]
        paid = await self.client.post(
            f"{redirect}/pay",
            json={"payment_type": "bank_transfer", "bank": "bca"},
            headers={"Accept": "application/json"},
        )
        assert paid.status_code == 200, paid.text
        status = await self.core.get(f"/v2/{payment.json()['id']}/status")
        assert status.status_code == 200, status.text
        return order, status.json()

    async def notify_until_answered(self, body: dict[str, Any]) -> int:
        """Posts one notification until it is answered 200, as Midtrans retries; returns how many
        copies were not answered 200 (those around the kill)."""
        for refused in range(40):
            try:
                response = await self.client.post("/webhooks/midtrans", json=body)
                if response.status_code == 200:
                    return refused
                assert response.status_code >= 500, response.text  # never a 4xx for a valid copy
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
        raise AssertionError(f"notification for {body['order_id']} never answered 200")

    async def status_of(self, buyer: dict[str, str], order_id: str, wanted: str, timeout: float = 120) -> str:
        deadline = asyncio.get_running_loop().time() + timeout
        status = "?"
        while asyncio.get_running_loop().time() < deadline:
            response = await self.client.get(f"/orders/{order_id}", headers=buyer)
            if response.status_code == 200:
                status = response.json()["status"]
                if status == wanted:
                    break
            await asyncio.sleep(0.25)
        return status


async def _bounded(limit: int, jobs: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Any) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(one(job) for job in jobs))


async def _rows(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(query, *args))
    finally:
        await connection.close()


async def _storm(runner: StackRunner) -> None:
    stack = runner.stack
    basic = base64.b64encode(f"{stack.midtrans_server_key}:".encode()).decode()
    limits = httpx.Limits(max_connections=48, max_keepalive_connections=48)
    async with (
        httpx.AsyncClient(base_url=stack.gateway_url, timeout=60, limits=limits) as client,
        httpx.AsyncClient(
            base_url=f"{stack.url('sandbox')}/midtrans",
            headers={"Authorization": f"Basic {basic}"},
            timeout=30,
        ) as core,
    ):
        storm = Storm(stack, client, core)
        buyers = [await storm.account() for _ in range(5)]
        prepared = [
            p for p in await _bounded(8, [storm.paid_order(buyers[i % 5]) for i in range(ORDERS + 10)]) if p
        ][:ORDERS]
        assert len(prepared) == ORDERS
        owner = {order["id"]: buyers[i % 5] for i, (order, _) in enumerate(prepared)}

        notifications = [status for _, status in prepared] * DUPLICATES
        random.Random(11).shuffle(notifications)
        answered = 0
        halfway = asyncio.Event()

        async def notify(body: dict[str, Any]) -> int:
            nonlocal answered
            refused = await storm.notify_until_answered(body)
            answered += 1
            if answered == KILL_AFTER:
                halfway.set()
            return refused

        async def kill_midway() -> None:
            await halfway.wait()
            for name in KILLED:  # SIGKILL: no shutdown, no drain, locks held by open transactions
                await asyncio.to_thread(runner.kill_instance, name)

        killer = asyncio.create_task(kill_midway())
        unanswered = sum(await _bounded(32, [notify(body) for body in notifications]))
        await killer
        print(f"{len(notifications)} notifications; {unanswered} copies not answered 200 around the kill")
        # Both replicas had their share of the work before one of each was killed.
        for name, path in (("payment", "POST /webhooks/midtrans"), ("transaction", "POST /webhooks/payment")):
            for instance in stack.instances(name):
                assert path in stack.log_path(instance).read_text(), f"{instance} served no {path}"
        assert answered == ORDERS * DUPLICATES
        assert all(stack.processes[name].exited for name in KILLED)

        # Every paid order reaches COMPLETED, with the killed replicas still down.
        finals = await asyncio.gather(
            *(storm.status_of(owner[order["id"]], order["id"], "COMPLETED") for order, _ in prepared)
        )
        assert Counter(finals) == {"COMPLETED": ORDERS}

        # Exactly one transition per order, transaction and payment: the audit log (its notes, rows
        # that keep the status, are not transitions).
        assert stack.database is not None
        transitions = await _rows(
            stack.database.url_for("tiketq_transaction"),
            "SELECT entity_type, entity_id, to_status, count(*) AS n FROM audit_log"
            " WHERE entity_id = ANY($1::uuid[]) AND from_status IS DISTINCT FROM to_status"
            " GROUP BY entity_type, entity_id, to_status",
            [uuid.UUID(order["id"]) for order, _ in prepared]
            + [uuid.UUID(order["transaction_id"]) for order, _ in prepared]
            + [uuid.UUID(status["order_id"]) for _, status in prepared],  # Midtrans's order_id: the payment
        )
        moves = Counter((row["entity_type"], row["to_status"]) for row in transitions)
        # Created CONFIRMED/PENDING, charged (PROCESSING), then paid and issued: each step once.
        assert moves == {
            ("order", "CONFIRMED"): ORDERS,
            ("order", "PAID"): ORDERS,
            ("order", "COMPLETED"): ORDERS,
            ("transaction", "PENDING"): ORDERS,
            ("transaction", "PROCESSING"): ORDERS,
            ("transaction", "COMPLETED"): ORDERS,
            ("payment", "PENDING"): ORDERS,
            ("payment", "PAID"): ORDERS,
        }, moves
        assert {row["n"] for row in transitions} == {1}, [dict(r) for r in transitions if r["n"] != 1]

        # No ticket issued twice: one issued booking per order at flights-service, one ticket each.
        bookings = await _rows(
            stack.database.url_for("tiketq_flights"),
            "SELECT status, jsonb_array_length(tickets) AS tickets FROM bookings WHERE status = 'issued'",
        )
        assert len(bookings) == ORDERS
        assert {row["tickets"] for row in bookings} == {1}

        # The killed replicas: payment's comes back, transaction's stays down during the refunds.
        await asyncio.to_thread(runner.start_service, "payment-2")
        admin = await storm.account(stack.admin_email, stack.admin_password)

        async def refund(transaction_id: str) -> int:
            response = await client.post(
                f"/transactions/{transaction_id}/refund",
                json={"reason": "schedule change"},
                headers={**admin, "Idempotency-Key": str(uuid.uuid4())},
            )
            assert response.status_code < 500, response.text
            return response.status_code

        chosen = prepared[:REFUNDED]
        # Each refund asked twice at once, with different keys (two admins, two replicas).
        answers = await asyncio.gather(
            *(refund(order["transaction_id"]) for order, _ in chosen for _ in (1, 2))
        )
        assert Counter(answers)[201] == REFUNDED, answers
        for order, status in chosen:
            midtrans = (await core.get(f"/v2/{status['order_id']}/status")).json()
            assert len(midtrans["refunds"]) == 1, midtrans
            assert Decimal(midtrans["refund_amount"]) == Decimal(order["total_amount"])
            tx = (await client.get(f"/transactions/{order['transaction_id']}", headers=admin)).json()
            assert Decimal(tx["refunded_amount"]) == Decimal(order["total_amount"])

        await asyncio.to_thread(runner.start_service, "transaction-2")
        for name in KILLED:
            assert (await client.get(f"{stack.url(name)}/readyz")).status_code == 200


def test_killing_a_replica_of_payment_and_transaction_mid_storm_loses_nothing(replicas: StackRunner) -> None:
    asyncio.run(_storm(replicas))


async def _expiry(runner: StackRunner) -> None:
    stack = runner.stack
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60) as client:
        storm = Storm(stack, client, client)
        storm.day = 200
        buyer = await storm.account()
        placed = []
        for _ in range(EXPIRED):
            response = await client.post(
                "/orders/",
                json={
                    "service_type": "flight",
                    "offer_id": await storm.offer(),
                    "booking_details": {"passengers": [passenger()], "contact": CONTACT},
                },
                headers={**buyer, "Idempotency-Key": str(uuid.uuid4())},
            )
            assert response.status_code == 201, response.text
            placed.append(response.json())
        finals = await asyncio.gather(
            *(storm.status_of(buyer, order["id"], "CANCELLED", timeout=60) for order in placed)
        )
        assert Counter(finals) == {"CANCELLED": EXPIRED}
        assert stack.database is not None
        transitions = await _rows(
            stack.database.url_for("tiketq_transaction"),
            "SELECT entity_type, to_status, count(*) AS n FROM audit_log"
            " WHERE entity_id = ANY($1::uuid[]) AND from_status IS DISTINCT FROM to_status"
            " GROUP BY entity_type, entity_id, to_status",
            [uuid.UUID(order["id"]) for order in placed]
            + [uuid.UUID(order["transaction_id"]) for order in placed],
        )
        ended = Counter((row["entity_type"], row["to_status"]) for row in transitions)
        assert ended[("order", "CANCELLED")] == EXPIRED, ended
        assert ended[("transaction", "FAILED")] == EXPIRED, ended
        assert {row["n"] for row in transitions} == {1}, [dict(r) for r in transitions if r["n"] != 1]


def test_two_replicas_sweepers_end_each_lapsed_hold_once(replicas: StackRunner) -> None:
    """Holds that lapse unpaid (the sandbox's airlines hold for HOLD_SECONDS here) are ended by
    whichever replica's sweeper gets to them first; each order is cancelled exactly once."""
    config = replicas.stack.config
    config.service_env["sandbox"] = {
        **config.service_env["sandbox"],
        "SANDBOX_HOLD_TTL_SECONDS": str(HOLD_SECONDS),
    }
    replicas.start_service("sandbox")
    asyncio.run(_expiry(replicas))
