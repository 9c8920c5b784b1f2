"""Settings: sandbox defaults are fine locally and refused elsewhere; SUPPLIERS_ENABLED is checked."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from config import Settings, SupplierSettings
from shared.settings import DatabaseSettings, RuntimeSettings

DB = DatabaseSettings(DATABASE_URL="postgresql://x@localhost/flights")  # type: ignore[call-arg]


def settings(environment: str, **suppliers: object) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT=environment),  # type: ignore[call-arg]
        database=DB,
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
