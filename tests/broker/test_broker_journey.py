"""The money path's events through RabbitMQ end to end: transaction-service's outbox publishes a
paid flight's events to the broker, notification-service reads them from its quorum queue, and the
customer gets exactly one confirmation email; no webhook carries them (the broker replaces it)."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import aio_pika
import httpx
import pytest

from devstack.stack import Stack
from shared.event_topology import NOTIFICATIONS, EventTopology
from tests.money import act_on_payment_page, an_offer, passenger, start_payment, wait_for_order
from tests.support import Account

RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "")


@pytest.fixture
def sink(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        yield client


def emails_to(sink: httpx.Client, address: str) -> list[dict[str, Any]]:
    response = sink.get("/sandbox/notify/emails", params={"to": address})
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def wait_until(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.3)
    return found


def log_entries(stack: Stack, service: str, logger: str) -> list[dict[str, Any]]:
    lines = stack.log_path(service).read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    return [e for e in entries if e.get("logger") == logger]


async def queue_depths(topology: EventTopology) -> tuple[int, int]:
    connection = await aio_pika.connect(RABBITMQ_URL)
    try:
        channel = await connection.channel()
        live = await channel.declare_queue(topology.queue(NOTIFICATIONS), passive=True)
        dead = await channel.declare_queue(topology.dead_letter_queue(NOTIFICATIONS), passive=True)
        return live.declaration_result.message_count or 0, dead.declaration_result.message_count or 0
    finally:
        await connection.close()


def test_a_paid_flight_brings_exactly_one_confirmation_email_through_the_broker(
    gateway: httpx.Client,
    new_account: Callable[[], Account],
    sink: httpx.Client,
    stack: Stack,
    topology: EventTopology,
) -> None:
    buyer = new_account()
    contact = {"email": f"siti.{uuid.uuid4().hex[:10]}@example.co.id", "phone": "081298765432"}
    offer = an_offer(gateway)
    placed = gateway.post(
        "/orders/",
        json={
            "service_type": "flight",
            "offer_id": offer["offer_id"],
            "booking_details": {"passengers": [passenger()], "contact": contact},
        },
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    number = order["order_number"]
    wait_until("payment email", lambda: emails_to(sink, contact["email"]))

    payment = start_payment(gateway, buyer, order["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED")
    code = done["booking"]["supplier_reference"]

    def confirmations() -> list[dict[str, Any]]:
        return [e for e in emails_to(sink, contact["email"]) if "berhasil" in e["subject"]]

    [confirmation] = wait_until("confirmation email", confirmations)
    assert confirmation["subject"] == f"Pesanan {number} berhasil - kode booking {code}"
    time.sleep(3)  # nothing more arrives once the order has settled
    assert len(confirmations()) == 1

    # The events came from the queue, every one acknowledged, none dead-lettered, and none by
    # webhook: transaction-service posts to /internal/events only when there is no broker.
    consumed = log_entries(stack, "notification", "notification.event_consumer")
    topics = {e.get("topic") for e in consumed if str(e.get("msg", "")).startswith("event ")}
    assert {"transaction.created", "payment.confirmed", "order.completed"} <= topics
    assert log_entries(stack, "notification", "notification.events") == []
    assert asyncio.run(queue_depths(topology)) == (0, 0)
    mine = gateway.get("/notifications/", params={"order_number": number}, headers=buyer.headers)
    assert mine.status_code == 200, mine.text
    kinds = [(i["kind"], i["channel"]) for i in mine.json()["items"]]
    assert kinds.count(("booking-confirmed", "email")) == 1
    assert kinds.count(("order-created", "email")) == 1
