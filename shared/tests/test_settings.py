from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.settings import (
    DatabaseSettings,
    IdempotencySettings,
    IdlePollSettings,
    InternalSettings,
    OutboxRetentionSettings,
    RuntimeSettings,
    refuse_placeholder_secret,
    to_asyncpg_url,
)


def test_a_secret_can_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "internal_token.txt"
    secret.write_text("t" * 40 + "\n")
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    monkeypatch.setenv("INTERNAL_TOKEN_FILE", str(secret))
    assert InternalSettings().token.get_secret_value() == "t" * 40  # type: ignore[call-arg]


def test_short_internal_tokens_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERNAL_TOKEN", "short")
    with pytest.raises(ValueError, match="at least 32"):
        InternalSettings()  # type: ignore[call-arg]


def test_database_urls_are_forced_to_asyncpg() -> None:
    assert to_asyncpg_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert to_asyncpg_url("postgresql://u@/db?host=/tmp") == "postgresql+asyncpg://u@/db?host=/tmp"
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        to_asyncpg_url("mysql://u@h/db")


def test_an_unset_environment_is_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    runtime = RuntimeSettings()
    assert runtime.environment == "production"
    assert not runtime.is_local
    with pytest.raises(ValueError, match="INTERNAL_TOKEN"):
        refuse_placeholder_secret(
            "change-me-internal-token-at-least-32-characters", runtime, "INTERNAL_TOKEN"
        )


@pytest.mark.parametrize("environment", [None, "staging", "production"])
def test_a_change_me_database_password_is_refused_outside_local(
    monkeypatch: pytest.MonkeyPatch, environment: str | None
) -> None:
    if environment is None:
        monkeypatch.delenv("ENVIRONMENT", raising=False)
    else:
        monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql://tiketq_auth:change-me-auth-db-password@postgres/tiketq_auth"
    )
    with pytest.raises(ValidationError, match="change-me password"):
        DatabaseSettings()  # type: ignore[call-arg]
    monkeypatch.setenv("DATABASE_URL", "postgresql://tiketq_auth:9f2c41d07e@postgres/tiketq_auth")
    assert DatabaseSettings().url.endswith("@postgres/tiketq_auth")  # type: ignore[call-arg]


@pytest.mark.parametrize("environment", ["local", "test"])
def test_local_development_may_keep_a_placeholder_database_password(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", environment)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:change-me@localhost/db")
    assert DatabaseSettings().environment == environment  # type: ignore[call-arg]


IDEMPOTENCY_NAMES = (
    "IDEMPOTENCY_WAIT_SECONDS",
    "IDEMPOTENCY_ABANDONED_AFTER_SECONDS",
    "IDEMPOTENCY_RETENTION_HOURS",
    "IDEMPOTENCY_PURGE_INTERVAL_SECONDS",
)


def test_idempotency_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in IDEMPOTENCY_NAMES:
        monkeypatch.delenv(name, raising=False)
    s = IdempotencySettings()
    assert (s.wait_seconds, s.abandoned_after_seconds) == (30, 120)
    assert s.retention == timedelta(days=7)
    assert s.purge_interval_seconds == 3600


def test_idempotency_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEMPOTENCY_WAIT_SECONDS", "10")
    monkeypatch.setenv("IDEMPOTENCY_ABANDONED_AFTER_SECONDS", "300")
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "36")
    monkeypatch.setenv("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "600")
    s = IdempotencySettings()
    assert (s.wait_seconds, s.abandoned_after_seconds, s.purge_interval_seconds) == (10, 300, 600)
    assert s.retention == timedelta(hours=36)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IDEMPOTENCY_WAIT_SECONDS", "0"),
        ("IDEMPOTENCY_WAIT_SECONDS", "301"),
        ("IDEMPOTENCY_ABANDONED_AFTER_SECONDS", "0"),
        ("IDEMPOTENCY_ABANDONED_AFTER_SECONDS", "86401"),
        ("IDEMPOTENCY_RETENTION_HOURS", "0"),
        ("IDEMPOTENCY_RETENTION_HOURS", "-1"),
        ("IDEMPOTENCY_RETENTION_HOURS", "8761"),
        ("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "0.5"),
        ("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "86401"),
        ("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "hourly"),
    ],
)
def test_idempotency_settings_out_of_bounds_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    for other in IDEMPOTENCY_NAMES:
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        IdempotencySettings()


def test_a_duplicate_must_give_up_before_the_first_request_counts_as_abandoned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDEMPOTENCY_WAIT_SECONDS", "120")
    monkeypatch.setenv("IDEMPOTENCY_ABANDONED_AFTER_SECONDS", "120")
    with pytest.raises(ValidationError, match="IDEMPOTENCY_WAIT_SECONDS must be shorter"):
        IdempotencySettings()
    monkeypatch.setenv("IDEMPOTENCY_WAIT_SECONDS", "119")
    assert IdempotencySettings().wait_seconds == 119


OUTBOX_RETENTION_NAMES = ("OUTBOX_RETENTION_DAYS", "OUTBOX_PURGE_INTERVAL_SECONDS", "OUTBOX_PURGE_ENABLED")


def test_outbox_retention_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OUTBOX_RETENTION_NAMES:
        monkeypatch.delenv(name, raising=False)
    s = OutboxRetentionSettings()
    assert s.retention == timedelta(days=30)
    assert s.purge_interval_seconds == 3600
    assert s.purge_enabled is True


@pytest.mark.parametrize(("days", "expected"), [("1", timedelta(days=1)), ("3650", timedelta(days=3650))])
def test_outbox_retention_bounds_are_accepted(
    monkeypatch: pytest.MonkeyPatch, days: str, expected: timedelta
) -> None:
    monkeypatch.setenv("OUTBOX_RETENTION_DAYS", days)
    monkeypatch.setenv("OUTBOX_PURGE_ENABLED", "false")
    s = OutboxRetentionSettings()
    assert s.retention == expected
    assert s.purge_enabled is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OUTBOX_RETENTION_DAYS", "0"),
        ("OUTBOX_RETENTION_DAYS", "-1"),
        ("OUTBOX_RETENTION_DAYS", "3651"),
        ("OUTBOX_RETENTION_DAYS", "1.5"),
        ("OUTBOX_RETENTION_DAYS", "a month"),
        ("OUTBOX_PURGE_INTERVAL_SECONDS", "0.5"),
        ("OUTBOX_PURGE_INTERVAL_SECONDS", "86401"),
    ],
)
def test_outbox_retention_out_of_bounds_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    for other in OUTBOX_RETENTION_NAMES:
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        OutboxRetentionSettings()


def test_idle_poll_ceiling_defaults_to_thirty_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDLE_POLL_MAX_SECONDS", raising=False)
    assert IdlePollSettings().max_seconds == 30


@pytest.mark.parametrize("value", ["1", "300"])
def test_idle_poll_ceiling_bounds_are_accepted(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("IDLE_POLL_MAX_SECONDS", value)
    assert IdlePollSettings().max_seconds == float(value)


@pytest.mark.parametrize("value", ["0", "0.5", "301", "half a minute"])
def test_idle_poll_ceiling_out_of_bounds_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("IDLE_POLL_MAX_SECONDS", value)
    with pytest.raises(ValidationError, match="IDLE_POLL_MAX_SECONDS"):
        IdlePollSettings()
