"""Settings: sandbox defaults are fine locally and refused elsewhere; SUPPLIERS_ENABLED is checked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr

from config import Settings, SupplierSettings
from shared.settings import DatabaseSettings, InternalSettings, RuntimeSettings

DB = DatabaseSettings(DATABASE_URL="postgresql://x@localhost/flights")  # type: ignore[call-arg]
INTERNAL = InternalSettings(INTERNAL_TOKEN=SecretStr("a-real-internal-token-0123456789abcdef"))  # type: ignore[call-arg]


def settings(environment: str, internal: InternalSettings = INTERNAL, **suppliers: object) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT=environment),  # type: ignore[call-arg,arg-type]
        database=DB,
        internal=internal,
        suppliers=SupplierSettings(**suppliers),  # type: ignore[arg-type]
    )


def test_sandbox_credentials_are_fine_locally() -> None:
    assert settings("local").suppliers.enabled == ("amadeus", "duffel")


def test_sandbox_credentials_are_refused_in_production() -> None:
    with pytest.raises(ValueError, match="AMADEUS_CLIENT_ID"):
        settings("production")


def test_real_credentials_or_a_disabled_supplier_pass_in_production() -> None:
    real = settings(
        "production",
        AMADEUS_CLIENT_ID="live-id",
        AMADEUS_CLIENT_SECRET=SecretStr("live-secret"),
        SUPPLIERS_ENABLED="amadeus",
    )
    assert real.suppliers.disabled == ("duffel",)


def test_unknown_suppliers_are_refused() -> None:
    with pytest.raises(ValueError, match="sabre"):
        settings("local", SUPPLIERS_ENABLED="amadeus,sabre")


def test_a_placeholder_internal_token_is_refused_outside_local() -> None:
    placeholder = InternalSettings(INTERNAL_TOKEN=SecretStr("change-me-change-me-change-me-change-me"))  # type: ignore[call-arg]
    assert settings("local", placeholder).internal.token == placeholder.token
    with pytest.raises(ValueError, match="INTERNAL_TOKEN"):
        settings(
            "production",
            placeholder,
            AMADEUS_CLIENT_ID="live-id",
            AMADEUS_CLIENT_SECRET=SecretStr("live-secret"),
            SUPPLIERS_ENABLED="amadeus",
        )


def test_idempotency_keys_are_configured_by_the_shared_idempotency_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@localhost/flights")
    monkeypatch.setenv("INTERNAL_TOKEN", "a-real-internal-token-0123456789abcdef")
    monkeypatch.setenv("ENVIRONMENT", "local")
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "48")
    monkeypatch.setenv("IDEMPOTENCY_PURGE_INTERVAL_SECONDS", "900")
    monkeypatch.delenv("IDEMPOTENCY_WAIT_SECONDS", raising=False)
    idempotency = Settings.from_env().idempotency
    assert idempotency.retention == timedelta(hours=48)
    assert idempotency.purge_interval_seconds == 900
    assert idempotency.wait_seconds == 30
    monkeypatch.setenv("IDEMPOTENCY_RETENTION_HOURS", "0")
    with pytest.raises(ValueError, match="IDEMPOTENCY_RETENTION_HOURS"):
        Settings.from_env()
