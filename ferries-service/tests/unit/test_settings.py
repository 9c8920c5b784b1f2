"""Settings: Idempotency-Key answers of POST /internal/bookings follow the shared IDEMPOTENCY_*
variables (shared.settings.IdempotencySettings), bounds included."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config import Settings


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "local")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@localhost/ferries")
    monkeypatch.setenv("INTERNAL_TOKEN", "a-real-internal-token-0123456789abcdef")
    for name in (
        "IDEMPOTENCY_WAIT_SECONDS",
        "IDEMPOTENCY_ABANDONED_AFTER_SECONDS",
        "IDEMPOTENCY_RETENTION_HOURS",
        "IDEMPOTENCY_PURGE_INTERVAL_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_idempotency_defaults_keep_answers_a_week_and_purge_hourly() -> None:
    idempotency = Settings.from_env().idempotency
    assert idempotency.retention == timedelta(days=7)
    assert idempotency.purge_interval_seconds == 3600
    assert (idempotency.wait_seconds, idempotency.abandoned_after_seconds) == (30, 120)


def test_idempotency_variables_are_read_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "48")
    monkeypatch.setenv("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "900")
    idempotency = Settings.from_env().idempotency
    assert idempotency.retention == timedelta(hours=48)
    assert idempotency.purge_interval_seconds == 900
    monkeypatch.setenv("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "0")
    with pytest.raises(ValueError, match="IDEMPOTENCY_PURGE_INTERVAL_SECONDS"):
        Settings.from_env()
