"""Receiving and delivering on in-memory ports: once per event and per fact, retried with back-off
while the provider is down, failed for good when it refuses, and never lost."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest

from adapters.templates_renderer import TemplateRenderer
from adapters.ticket_pdf import FpdfTicketPrinter
from domain.deliver import Deliveries, RetryPolicy
from domain.models import Channel, Status
from domain.receive_event import Outcome, ReceiveEvent
from shared.idle_backoff import IdleBackoff
from tests import events
from tests.fakes import Clock, MemoryEventLog, MemoryStore, MemoryUnitOfWork, Profiles, RecordingSender


class World:
    def unit_of_work(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.clock = Clock()
        self.email = RecordingSender()
        self.sms = RecordingSender()
        self.profiles = Profiles()
        self.receive = ReceiveEvent(
            MemoryEventLog(self.store),
            self.profiles,
            TemplateRenderer(),
            FpdfTicketPrinter(),
            self.clock,
        )
        self.deliveries = Deliveries(
            lambda: MemoryUnitOfWork(self.store),
            {Channel.EMAIL: self.email, Channel.SMS: self.sms},
            self.clock,
            RetryPolicy(first_delay_seconds=2, max_delay_seconds=60, max_attempts=5),
        )


@pytest.fixture
def world() -> World:
    return World()


async def test_a_redelivered_event_is_acknowledged_and_queues_nothing(world: World) -> None:
    event_id = uuid.uuid4()
    assert await world.receive.handle(event_id, "transaction.created", events.created()) == (
        Outcome.QUEUED,
        2,
    )
    assert await world.receive.handle(event_id, "transaction.created", events.created()) == (
        Outcome.DUPLICATE,
        0,
    )
    assert len(world.store.messages) == 2


async def test_back_off_doubles_until_the_provider_is_back_then_sends_once(world: World) -> None:
    world.email.down = True
    await world.receive.handle(uuid.uuid4(), "transaction.failed", events.failed())
    delays = []
    for _ in range(3):
        assert await world.deliveries.deliver_due() == 1
        [message] = world.store.messages.values()
        delays.append((message.next_attempt_at - world.clock.now).total_seconds())
        world.clock.advance(delays[-1])
    assert delays == [2, 4, 8]
    world.email.down = False
    assert await world.deliveries.deliver_due() == 1
    assert await world.deliveries.deliver_due() == 0
    [message] = world.store.messages.values()
    assert (message.status, message.attempts, len(world.email.sent)) == (Status.SENT, 4, 1)
    assert message.provider_message_id == "provider-1"


async def test_after_the_last_attempt_a_message_fails_with_the_providers_answer(world: World) -> None:
    world.email.down = True
    await world.receive.handle(uuid.uuid4(), "transaction.failed", events.failed())
    for _ in range(5):
        await world.deliveries.deliver_due()
        world.clock.advance(60)
    [message] = world.store.messages.values()
    assert message.status is Status.FAILED
    assert message.attempts == 5
    assert message.provider_response == "421 4.3.2 service not available"


async def test_an_unexpected_sender_error_is_retried_later_not_in_a_loop(world: World) -> None:
    class Broken:
        async def send(self, notification: object) -> str:
            raise RuntimeError("bug")

    world.deliveries = Deliveries(
        lambda: MemoryUnitOfWork(world.store),
        {Channel.EMAIL: Broken(), Channel.SMS: world.sms},
        world.clock,
        RetryPolicy(),
    )
    await world.receive.handle(uuid.uuid4(), "transaction.failed", events.failed())
    assert await world.deliveries.deliver_due() == 1
    [message] = world.store.messages.values()
    assert message.status is Status.QUEUED
    assert "RuntimeError" in (message.provider_response or "")


async def test_the_booking_confirmation_carries_the_pdf_and_a_pln_token_does_not(world: World) -> None:
    await world.receive.handle(uuid.uuid4(), "order.completed", events.completed())
    pln = {**events.completed(documents=[events.PLN_TOKEN], supplier_reference=None), "order_id": "o-2"}
    await world.receive.handle(uuid.uuid4(), "order.completed", pln)
    await world.deliveries.deliver_due()
    flight, token = world.email.sent
    assert [a.content_type for a in flight.attachments] == ["application/pdf"]
    assert token.attachments == ()
    [sms] = world.sms.sent
    assert "1234-5678-9012-3456-7890" in sms.body_text


async def test_a_worker_that_found_nothing_knows_when_the_next_retry_is_due(world: World) -> None:
    assert await world.deliveries.seconds_to_next_attempt() is None
    world.email.down = True
    await world.receive.handle(uuid.uuid4(), "transaction.failed", events.failed())
    await world.deliveries.deliver_due()
    assert await world.deliveries.seconds_to_next_attempt() == 2  # the email's retry
    world.clock.advance(3)
    assert await world.deliveries.seconds_to_next_attempt() == -1


async def test_an_idle_worker_backs_off_yet_sends_at_once_when_woken(world: World) -> None:
    rounds = 0

    def counting_unit_of_work() -> MemoryUnitOfWork:
        nonlocal rounds
        rounds += 1
        return MemoryUnitOfWork(world.store)

    deliveries = Deliveries(
        counting_unit_of_work,
        {Channel.EMAIL: world.email, Channel.SMS: world.sms},
        world.clock,
        RetryPolicy(),
        IdleBackoff(0.01, 10.0),
    )
    worker = asyncio.create_task(deliveries.run())
    try:
        await asyncio.sleep(1.3)
        # Every 10 ms that would be 130 rounds (two units of work each: the due message, then
        # when the next one is); doubling from 10 ms, eight, the next one at 1.91 s.
        assert rounds <= 2 * 9
        await world.receive.handle(uuid.uuid4(), "transaction.failed", events.failed())
        woken_at = asyncio.get_running_loop().time()
        deliveries.wake()
        for _ in range(100):
            if world.email.sent:
                break
            await asyncio.sleep(0.01)
        assert len(world.email.sent) == 1
        assert asyncio.get_running_loop().time() - woken_at < 0.3  # not at the next poll
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker


def test_a_ticket_prints_a_flight_s_route_arrow_as_ascii_not_as_a_question_mark() -> None:
    context = {
        "order_number": "TQ-20261205-0001",
        "booking_code": "ABC123",
        "documents": [
            {
                "kind": "e-ticket",
                "title": "E-ticket Garuda Indonesia",
                "reference": "1262345678901",
                "fields": [("route", "CGK → DPS"), ("passenger", "Sari “Ayu” Wulandari")],
            }
        ],
    }
    pdf = FpdfTicketPrinter().print("id", context).content
    assert b"CGK -> DPS" in pdf
    assert b'Sari "Ayu" Wulandari' in pdf
    assert b"CGK ? DPS" not in pdf
