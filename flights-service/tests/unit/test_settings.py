"""Settings: sandbox defaults are fine locally and refused elsewhere; SUPPLIERS_ENABLED is checked."""

from __future__ import annotations

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
