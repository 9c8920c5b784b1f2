"""transaction-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr, model_validator

from shared.settings import (
    DatabaseSettings,
    InternalSettings,
    JwtVerifySettings,
    RuntimeSettings,
    SettingsBase,
    refuse_placeholder_secret,
)


class UpstreamSettings(SettingsBase):
    """The services the money path calls over their internal contracts."""

    flights_service_url: str = Field(default="http://localhost:8004", alias="FLIGHTS_SERVICE_URL")
    payment_service_url: str = Field(default="http://localhost:8008", alias="PAYMENT_SERVICE_URL")
    timeout_seconds: float = Field(default=15.0, alias="UPSTREAM_TIMEOUT_SECONDS", gt=0, le=120)


class PaymentEventSettings(SettingsBase):
    """The secret payment-service signs its events with (the same value on both sides)."""

    secret: SecretStr = Field(alias="PAYMENT_WEBHOOK_SECRET")

    @model_validator(mode="after")
    def _strong_enough(self) -> PaymentEventSettings:
        if len(self.secret.get_secret_value()) < 32:
            raise ValueError("PAYMENT_WEBHOOK_SECRET must be at least 32 characters")
        return self


class WorkerSettings(SettingsBase):
    """Background work: the event outbox relay, the work queue (issue/release/refund) and the
    hold-expiry sweeper."""

    rabbitmq_url: str | None = Field(default=None, alias="RABBITMQ_URL")
    relays_enabled: bool = Field(default=True, alias="TRANSACTION_WORKERS_ENABLED")
    poll_interval_seconds: float = Field(default=1.0, alias="WORK_POLL_INTERVAL_SECONDS", gt=0, le=60)
    max_backoff_seconds: float = Field(default=60.0, alias="WORK_MAX_BACKOFF_SECONDS", gt=0, le=3600)
    sweep_interval_seconds: float = Field(default=30.0, alias="HOLD_SWEEP_INTERVAL_SECONDS", gt=0, le=3600)


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN (or _FILE), AUTH_SERVICE_URL
    jwt: JwtVerifySettings  # JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL, JWT_ACCOUNT_STATE_TTL_SECONDS
    payment_events: PaymentEventSettings  # PAYMENT_WEBHOOK_SECRET (or _FILE)
    upstream: UpstreamSettings = field(default_factory=UpstreamSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)

    def __post_init__(self) -> None:
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        refuse_placeholder_secret(
            self.payment_events.secret.get_secret_value(), self.runtime, "PAYMENT_WEBHOOK_SECRET"
        )

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            jwt=JwtVerifySettings(),
            payment_events=PaymentEventSettings(),  # type: ignore[call-arg]
            upstream=UpstreamSettings(),
            workers=WorkerSettings(),
        )
