"""Sandbox settings: the credentials it accepts, its seed, hold TTL and the starting knobs.

Every value comes from a `SANDBOX_*` environment variable (FLIGHTS.md); nothing is read at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import RuntimeSettings, SettingsBase


class SandboxSettings(SettingsBase):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_", extra="ignore", case_sensitive=False)

    seed: int = 42
    amadeus_client_id: str = "sandbox-amadeus-client"
    amadeus_client_secret: str = "sandbox-amadeus-secret"  # noqa: S105 - the documented sandbox default
    duffel_access_token: str = "duffel_test_sandbox"  # noqa: S105 - the documented sandbox default
    hold_ttl_seconds: float = Field(default=1200.0, gt=0)
    # Duffel offers live about half an hour before `GET /air/offers/{id}` says they are gone.
    offer_ttl_seconds: float = Field(default=1800.0, gt=0)
    # How far ahead airlines sell (Amadeus: about 330 days).
    sales_horizon_days: int = Field(default=330, ge=1)
    # How long a "timeout" knob hit sleeps; any client with a sane timeout gives up first.
    timeout_sleep_seconds: float = Field(default=35.0, gt=0)


class KnobSettings(SettingsBase):
    """One supplier's starting knobs; the prefix picks the supplier (SANDBOX_AMADEUS_, SANDBOX_DUFFEL_)."""

    latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    timeout_rate: float = Field(default=0.0, ge=0, le=1)
    malformed_rate: float = Field(default=0.0, ge=0, le=1)
    price_change_pct: float = Field(default=0.0, ge=-90, le=500)
    hold_failure_rate: float = Field(default=0.0, ge=0, le=1)


class AmadeusKnobSettings(KnobSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_AMADEUS_", extra="ignore", case_sensitive=False)


class DuffelKnobSettings(KnobSettings):
    model_config = SettingsConfigDict(env_prefix="SANDBOX_DUFFEL_", extra="ignore", case_sensitive=False)


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    sandbox: SandboxSettings
    amadeus_knobs: KnobSettings
    duffel_knobs: KnobSettings

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            sandbox=SandboxSettings(),
            amadeus_knobs=AmadeusKnobSettings(),
            duffel_knobs=DuffelKnobSettings(),
        )
