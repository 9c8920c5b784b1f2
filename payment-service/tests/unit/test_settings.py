"""Settings: defaults that work locally, the events URL, and secrets refused outside local."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from app import trusted_callback_token
from config import (
    GatewaySettings,
    MidtransSettings,
    NotificationSettings,
    PaymentEventSettings,
    Settings,
    XenditSettings,
)
from shared.settings import (
    DatabaseSettings,
    Environment,
    IdempotencySettings,
    InternalSettings,
    RuntimeSettings,
)

TOKEN = SecretStr("a-real-internal-token-0123456789abcdef")


def settings(environment: Environment, **groups: object) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT=environment),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL="postgresql://x@localhost/payment"),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=TOKEN),  # type: ignore[call-arg]
        **groups,  # type: ignore[arg-type]
    )


def test_local_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "TRANSACTION_SERVICE_URL",
        "PAYMENT_EVENTS_URL",
        "MIDTRANS_SNAP_BASE_URL",
        "MIDTRANS_CORE_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    s = settings("local")
    assert s.events.events_url == "http://localhost:8003/webhooks/payment"
    assert s.events.relay_enabled is True
    assert s.events.poll_interval_seconds == 1.0
    assert s.events.max_backoff_seconds == 60
    assert s.midtrans.snap_base_url == "https://app.sandbox.midtrans.com/snap/v1"
    assert s.midtrans.core_base_url == "https://api.sandbox.midtrans.com"
    assert s.midtrans.timeout_seconds == 10


def test_the_events_url_follows_transaction_service_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYMENT_EVENTS_URL", raising=False)
    monkeypatch.setenv("TRANSACTION_SERVICE_URL", "http://transaction-service:8003/")
    assert PaymentEventSettings().events_url == "http://transaction-service:8003/webhooks/payment"
    monkeypatch.setenv("PAYMENT_EVENTS_URL", "http://elsewhere/hook")
    assert PaymentEventSettings().events_url == "http://elsewhere/hook"


def test_transaction_service_may_be_several_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYMENT_EVENTS_URL", raising=False)
    monkeypatch.setenv("TRANSACTION_SERVICE_URL", "http://10.0.0.5:8003, http://10.0.0.6:8003")
    # Written against the first; the relay's client spreads it over both (shared.http).
    assert PaymentEventSettings().events_url == "http://10.0.0.5:8003/webhooks/payment"
    monkeypatch.setenv("TRANSACTION_SERVICE_URL", "http://10.0.0.5:8003,ftp://10.0.0.6")
    with pytest.raises(ValidationError, match="TRANSACTION_SERVICE_URL"):
        PaymentEventSettings()


def test_a_short_webhook_secret_is_refused() -> None:
    with pytest.raises(ValidationError):
        PaymentEventSettings(PAYMENT_WEBHOOK_SECRET=SecretStr("short"))  # type: ignore[call-arg]


def test_placeholder_secrets_are_refused_outside_local() -> None:
    with pytest.raises(ValueError, match="MIDTRANS_SERVER_KEY"):
        settings(
            "production",
            midtrans=MidtransSettings(),
            events=PaymentEventSettings(
                PAYMENT_WEBHOOK_SECRET=SecretStr("a-real-webhook-secret-0123456789abcdef")  # type: ignore[call-arg]
            ),
        )
    with pytest.raises(ValueError, match="PAYMENT_WEBHOOK_SECRET"):
        settings(
            "production",
            midtrans=MidtransSettings(MIDTRANS_SERVER_KEY=SecretStr("Mid-server-real")),  # type: ignore[call-arg]
            events=PaymentEventSettings(),
        )
    ok = settings(
        "production",
        midtrans=MidtransSettings(MIDTRANS_SERVER_KEY=SecretStr("Mid-server-real")),  # type: ignore[call-arg]
        events=PaymentEventSettings(
            PAYMENT_WEBHOOK_SECRET=SecretStr("a-real-webhook-secret-0123456789abcdef")  # type: ignore[call-arg]
        ),
    )
    assert ok.midtrans.server_key.get_secret_value() == "Mid-server-real"


def test_secrets_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "midtrans_server_key.txt"
    secret.write_text("Mid-server-from-file\n")
    monkeypatch.delenv("MIDTRANS_SERVER_KEY", raising=False)
    monkeypatch.setenv("MIDTRANS_SERVER_KEY_FILE", str(secret))
    assert MidtransSettings().server_key.get_secret_value() == "Mid-server-from-file"


def test_idempotency_keys_follow_the_shared_idempotency_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IDEMPOTENCY_RETENTION_HOURS", "IDEMPOTENCY_PURGE_INTERVAL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    defaults = settings("local").idempotency
    assert isinstance(defaults, IdempotencySettings)
    assert (defaults.retention_hours, defaults.purge_interval_seconds) == (168, 3600)
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "24")
    monkeypatch.setenv("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "600")
    configured = settings("local").idempotency
    assert (configured.retention_hours, configured.purge_interval_seconds) == (24, 600)
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "0")
    with pytest.raises(ValidationError, match="IDEMPOTENCY_RETENTION_HOURS"):
        IdempotencySettings()


def real_production(**groups: object) -> Settings:
    return settings(
        "production",
        events=PaymentEventSettings(
            PAYMENT_WEBHOOK_SECRET=SecretStr("a-real-webhook-secret-0123456789abcdef")  # type: ignore[call-arg]
        ),
        **{"midtrans": MidtransSettings(MIDTRANS_SERVER_KEY=SecretStr("Mid-server-real")), **groups},  # type: ignore[call-arg]
    )


def test_xendit_is_off_by_default_and_its_placeholders_are_refused_once_switched_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("XENDIT_ENABLED", "XENDIT_SECRET_KEY", "XENDIT_CALLBACK_TOKEN", "MIDTRANS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    off = real_production(xendit=XenditSettings())
    assert off.enabled_gateways == ("midtrans",)
    # Off, with the placeholder token: no callback is believed, whatever it carries.
    assert trusted_callback_token(off) == ""
    with pytest.raises(ValueError, match="XENDIT_SECRET_KEY"):
        real_production(xendit=XenditSettings(XENDIT_ENABLED=True))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="XENDIT_CALLBACK_TOKEN"):
        real_production(
            xendit=XenditSettings(  # type: ignore[call-arg]
                XENDIT_ENABLED=True, XENDIT_SECRET_KEY=SecretStr("xnd_production_real")
            )
        )
    on = real_production(
        xendit=XenditSettings(  # type: ignore[call-arg]
            XENDIT_ENABLED=True,
            XENDIT_SECRET_KEY=SecretStr("xnd_production_real"),
            XENDIT_CALLBACK_TOKEN=SecretStr("a-real-callback-token"),
        ),
        midtrans=MidtransSettings(  # type: ignore[call-arg]
            MIDTRANS_SERVER_KEY=SecretStr("Mid-server-real"), MIDTRANS_ENABLED=False
        ),
    )
    assert on.enabled_gateways == ("xendit",)
    assert trusted_callback_token(on) == "a-real-callback-token"
    assert trusted_callback_token(settings("local")) == "sandbox-xendit-callback-token-change-me"


def test_the_default_gateway_and_the_retention_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_DEFAULT_GATEWAY", "paypal")
    with pytest.raises(ValidationError):
        GatewaySettings()
    monkeypatch.setenv("PAYMENT_DEFAULT_GATEWAY", "xendit")
    assert GatewaySettings().default == "xendit"
    monkeypatch.setenv("NOTIFICATION_REJECT_RETENTION_HOURS", "0")
    with pytest.raises(ValidationError):
        NotificationSettings()


def test_accepted_bodies_are_kept_whole_thirty_days_unless_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOTIFICATION_BODY_RETENTION_HOURS", raising=False)
    assert NotificationSettings().body_retention_hours == 720
    monkeypatch.setenv("NOTIFICATION_BODY_RETENTION_HOURS", "48")
    assert NotificationSettings().body_retention_hours == 48
    monkeypatch.setenv("NOTIFICATION_BODY_RETENTION_HOURS", "0")
    with pytest.raises(ValidationError, match="NOTIFICATION_BODY_RETENTION_HOURS"):
        NotificationSettings()
