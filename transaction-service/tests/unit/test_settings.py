"""Settings: Idempotency-Key answers follow the shared IDEMPOTENCY_* variables
(shared.settings.IdempotencySettings), the same in every service that records keys."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import Settings


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "local")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@localhost/transaction")
    monkeypatch.setenv("INTERNAL_TOKEN", "a-real-internal-token-0123456789abcdef")
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", "a-real-payment-webhook-secret-0123456789")
    for name in (
        "IDEMPOTENCY_WAIT_SECONDS",
        "IDEMPOTENCY_ABANDONED_AFTER_SECONDS",
        "IDEMPOTENCY_RETENTION_HOURS",
        "IDEMPOTENCY_PURGE_INTERVAL_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_idempotency_defaults_wait_30_s_take_over_after_120_s_keep_a_week_purge_hourly() -> None:
    idempotency = Settings.from_env().idempotency
    assert (idempotency.wait_seconds, idempotency.abandoned_after_seconds) == (30, 120)
    assert idempotency.retention == timedelta(days=7)
    assert idempotency.purge_interval_seconds == 3600


def test_idempotency_variables_are_read_and_checked_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEMPOTENCY_WAIT_SECONDS", "10")
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "72")
    idempotency = Settings.from_env().idempotency
    assert idempotency.wait_seconds == 10
    assert idempotency.retention == timedelta(hours=72)
    monkeypatch.setenv("IDEMPOTENCY_WAIT_SECONDS", "150")  # longer than the 120 s take-over
    with pytest.raises(ValueError, match="IDEMPOTENCY_WAIT_SECONDS must be shorter"):
        Settings.from_env()


def test_products_payment_and_notification_may_each_list_their_instances(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    both = "http://10.0.0.5:8004,http://10.0.0.6:8004"
    monkeypatch.setenv("PRODUCT_SERVICES", f'{{"flight": "{both}"}}')
    monkeypatch.setenv("PAYMENT_SERVICE_URL", "http://10.0.0.5:8008, http://10.0.0.6:8008")
    settings = Settings.from_env()
    assert settings.upstream.product_services == {"flight": both}
    assert settings.upstream.payment_service_url == "http://10.0.0.5:8008, http://10.0.0.6:8008"
    monkeypatch.setenv("PRODUCT_SERVICES", '{"flight": "http://10.0.0.5:8004,flights-service:8004"}')
    with pytest.raises(ValueError, match="PRODUCT_SERVICES: the URL of 'flight'"):
        Settings.from_env()
    monkeypatch.setenv("PRODUCT_SERVICES", f'{{"flight": "{both}"}}')
    monkeypatch.setenv("NOTIFICATION_SERVICE_URL", "http://10.0.0.5:8010,")
    monkeypatch.setenv("ORDER_EVENTS_SECRET", "a-real-order-events-secret-0123456789abcdef")
    assert Settings.from_env().workers.notification_service_url == "http://10.0.0.5:8010,"
    monkeypatch.setenv("NOTIFICATION_SERVICE_URL", "notification-service")
    with pytest.raises(ValueError, match="NOTIFICATION_SERVICE_URL"):
        Settings.from_env()
