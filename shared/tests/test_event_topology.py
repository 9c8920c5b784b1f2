"""The events' RabbitMQ topology (shared/event_topology.py): names, queue arguments and the
broker settings, without a broker (the broker tier declares it on a real one)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.event_topology import EXCHANGE, NOTIFICATIONS, ORDER_EVENT_TOPICS, BrokerSettings, tiketq_topology


def test_every_name_derives_from_the_exchange() -> None:
    topology = tiketq_topology()
    assert topology.exchange == EXCHANGE == "tiketq.events"
    assert topology.dead_letter_exchange == "tiketq.events.dead-letter"
    assert topology.queue(NOTIFICATIONS) == "tiketq.events.notification-service"
    assert topology.dead_letter_queue(NOTIFICATIONS) == "tiketq.events.notification-service.dead-letter"
    assert tiketq_topology("e2e.run1.events").queue(NOTIFICATIONS) == "e2e.run1.events.notification-service"


def test_notification_service_reads_every_order_event_from_a_quorum_queue_with_a_limit() -> None:
    topology = tiketq_topology(delivery_limit=4)
    assert topology.consumers == {NOTIFICATIONS: ORDER_EVENT_TOPICS}
    assert set(ORDER_EVENT_TOPICS) == {
        "transaction.created",
        "payment.instructions",
        "payment.confirmed",
        "order.completed",
        "transaction.failed",
        "refund.processed",
    }
    assert topology.queue_arguments(NOTIFICATIONS) == {
        "x-queue-type": "quorum",
        "x-delivery-limit": 4,
        "x-dead-letter-exchange": "tiketq.events.dead-letter",
        "x-dead-letter-routing-key": "tiketq.events.notification-service",
    }


def test_broker_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBITMQ_URL", "amqp://u:p@rabbitmq:5672/")
    monkeypatch.setenv("EVENTS_EXCHANGE", "staging.events")
    monkeypatch.setenv("EVENTS_DELIVERY_LIMIT", "5")
    settings = BrokerSettings()
    assert settings.url == "amqp://u:p@rabbitmq:5672/"
    topology = settings.topology()
    assert topology.exchange == "staging.events"
    assert topology.delivery_limit == 5


def test_an_empty_url_means_no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RABBITMQ_URL", "")
    assert BrokerSettings().url is None
    monkeypatch.delenv("RABBITMQ_URL")
    assert BrokerSettings().url is None


@pytest.mark.parametrize("name", ["", "has space", "a/b", "x" * 101, ".leading-dot"])
def test_an_exchange_name_the_broker_would_refuse_or_misread_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("EVENTS_EXCHANGE", name)
    with pytest.raises(ValidationError):
        BrokerSettings()
