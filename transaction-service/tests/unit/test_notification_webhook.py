"""With NOTIFICATION_SERVICE_URL set and no broker, each event is logged and, signed, posted to
notification-service; the post failing fails the event, so the relay retries it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import respx

from adapters.event_bus import AlsoToWebhook
from config import Settings
from shared import signing
from shared.outbox import OutboxEvent, SignedWebhookDelivery

SECRET = "test-internal-token-0123456789abcdef"


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[OutboxEvent] = []
        self.closed = False

    async def __call__(self, event: OutboxEvent) -> None:
        self.published.append(event)

    async def close(self) -> None:
        self.closed = True


def an_event() -> OutboxEvent:
    payload = {"order_id": str(uuid.uuid4()), "order": {"order_number": "TQ-1"}}
    return OutboxEvent(uuid.uuid4(), "order.completed", payload, datetime(2026, 12, 4, tzinfo=UTC))


@respx.mock
async def test_the_event_is_published_then_posted_signed_to_notification_service() -> None:
    route = respx.post("http://notify.test/internal/events").mock(return_value=httpx.Response(200, json={}))
    bus = RecordingBus()
    async with httpx.AsyncClient(base_url="http://notify.test") as client:
        deliver = AlsoToWebhook(bus, SignedWebhookDelivery(client, "/internal/events", SECRET))
        event = an_event()
        await deliver(event)
        await deliver.close()
    assert bus.published == [event]
    assert bus.closed
    request = route.calls.last.request
    assert json.loads(request.content)["event_id"] == str(event.id)
    assert signing.verify(
        SECRET,
        request.headers[signing.TIMESTAMP_HEADER],
        request.headers[signing.SIGNATURE_HEADER],
        request.content,
    )


@respx.mock
async def test_a_notification_service_that_is_down_fails_the_event_for_a_retry() -> None:
    respx.post("http://notify.test/internal/events").mock(return_value=httpx.Response(503))
    async with httpx.AsyncClient(base_url="http://notify.test") as client:
        deliver = AlsoToWebhook(RecordingBus(), SignedWebhookDelivery(client, "/internal/events", SECRET))
        with pytest.raises(RuntimeError):
            await deliver(an_event())


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@localhost/transaction")
    monkeypatch.setenv("INTERNAL_TOKEN", "a-real-internal-token-0123456789abcdef")
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", "a-real-payment-webhook-secret-0123456789")
    monkeypatch.setenv("NOTIFICATION_SERVICE_URL", "http://notification-service:8010")
    monkeypatch.delenv("ORDER_EVENTS_SECRET", raising=False)


@pytest.mark.usefixtures("environment")
def test_events_go_to_notification_service_only_with_their_own_strong_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="ORDER_EVENTS_SECRET"):
        Settings.from_env()
    monkeypatch.setenv("ORDER_EVENTS_SECRET", "short")
    with pytest.raises(ValueError, match="ORDER_EVENTS_SECRET"):
        Settings.from_env()
    monkeypatch.setenv("ORDER_EVENTS_SECRET", "change-me-order-events-secret-0123456789")
    with pytest.raises(ValueError, match="ORDER_EVENTS_SECRET"):
        Settings.from_env()
    monkeypatch.setenv("ORDER_EVENTS_SECRET", "a-real-order-events-secret-0123456789abcd")
    secret = Settings.from_env().workers.order_events_secret
    assert secret is not None
    assert secret.get_secret_value() == "a-real-order-events-secret-0123456789abcd"
