"""transaction-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr, field_validator, model_validator

from domain.models import SERVICE_TYPES
from shared.event_topology import BrokerSettings
from shared.settings import (
    DatabaseSettings,
    IdempotencySettings,
    IdlePollSettings,
    InternalSettings,
    JwtVerifySettings,
    OutboxRetentionSettings,
    RuntimeSettings,
    SettingsBase,
    UpstreamUrls,
    refuse_placeholder_secret,
)
from shared.upstream_urls import UpstreamUrlError, parse_upstream_urls


class UpstreamSettings(SettingsBase):
    """The services the money path calls over their internal contracts.

    `PRODUCT_SERVICES` is the only place a product is named: a JSON object of service_type →
    base URL of the product service that speaks the booking contract (docs/booking-contract.md),
    e.g. `{"flight": "http://localhost:8004", "ferry": "http://localhost:8005"}`. A service type
    missing from it cannot be ordered (422 service-type-unavailable). Each URL, like
    `PAYMENT_SERVICE_URL`, may list the service's instances comma-separated: the client spreads
    over them (shared/http.py)."""

    product_services: dict[str, str] = Field(
        default_factory=lambda: {"flight": "http://localhost:8004"}, alias="PRODUCT_SERVICES"
    )
    payment_service_url: UpstreamUrls = Field(default="http://localhost:8008", alias="PAYMENT_SERVICE_URL")
    timeout_seconds: float = Field(default=15.0, alias="UPSTREAM_TIMEOUT_SECONDS", gt=0, le=120)

    @field_validator("product_services")
    @classmethod
    def _known_products(cls, value: dict[str, str]) -> dict[str, str]:
        for service_type, url in value.items():
            if service_type not in SERVICE_TYPES:
                raise ValueError(
                    f"PRODUCT_SERVICES: {service_type!r} is not one of {', '.join(SERVICE_TYPES)}"
                )
            try:
                parse_upstream_urls(url)
            except UpstreamUrlError as exc:
                raise ValueError(f"PRODUCT_SERVICES: the URL of {service_type!r}: {exc}") from None
        return value


class PaymentEventSettings(SettingsBase):
    """The secret payment-service signs its events with (the same value on both sides)."""

    secret: SecretStr = Field(alias="PAYMENT_WEBHOOK_SECRET")

    @model_validator(mode="after")
    def _strong_enough(self) -> PaymentEventSettings:
        if len(self.secret.get_secret_value()) < 32:
            raise ValueError("PAYMENT_WEBHOOK_SECRET must be at least 32 characters")
        return self


class OrderSettings(SettingsBase):
    """Limits on what one account may hold: every unpaid order keeps seats or rooms from
    everyone else until it is paid or its hold runs out."""

    max_unpaid_per_account: int = Field(default=5, alias="MAX_UNPAID_ORDERS_PER_ACCOUNT", ge=1, le=100)
    # GET /orders/{id} with If-None-Match and `Prefer: wait=N`: the longest hold, which must stay
    # below the gateway's UPSTREAM_TIMEOUT_SECONDS (10 s by default), and how many requests one
    # process holds at once (each keeps one of the gateway's 256 connections to this replica).
    status_wait_max_seconds: float = Field(default=5.0, alias="ORDER_STATUS_WAIT_MAX_SECONDS", ge=0, le=30)
    status_waiters_max: int = Field(default=100, alias="ORDER_STATUS_WAITERS_MAX", ge=0, le=10000)


class WorkerSettings(SettingsBase):
    """Background work: the event outbox relay, the work queue (issue/release/refund) and the
    hold-expiry sweeper."""

    # Set and no broker (RABBITMQ_URL): every event is posted, signed with ORDER_EVENTS_SECRET, to
    # notification-service's /internal/events (as in `make dev`); with a broker it reads its queue.
    notification_service_url: UpstreamUrls | None = Field(default=None, alias="NOTIFICATION_SERVICE_URL")
    # Its own key, not INTERNAL_TOKEN: no other service can make TiketQ write to a customer.
    order_events_secret: SecretStr | None = Field(default=None, alias="ORDER_EVENTS_SECRET")
    relays_enabled: bool = Field(default=True, alias="TRANSACTION_WORKERS_ENABLED")
    poll_interval_seconds: float = Field(default=1.0, alias="WORK_POLL_INTERVAL_SECONDS", gt=0, le=60)
    max_backoff_seconds: float = Field(default=60.0, alias="WORK_MAX_BACKOFF_SECONDS", gt=0, le=3600)
    # Rows a relay pass delivers (jobs it runs) at once; one order's rows still go in order.
    concurrency: int = Field(default=8, alias="WORK_CONCURRENCY", ge=1, le=64)
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
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)  # IDEMPOTENCY_*
    orders: OrderSettings = field(default_factory=OrderSettings)  # MAX_UNPAID_ORDERS_PER_ACCOUNT
    # OUTBOX_RETENTION_DAYS, OUTBOX_PURGE_*: delivered events and finished jobs are purged.
    outbox_retention: OutboxRetentionSettings = field(default_factory=OutboxRetentionSettings)
    idle_poll: IdlePollSettings = field(default_factory=IdlePollSettings)  # IDLE_POLL_MAX_SECONDS
    # RABBITMQ_URL (or _FILE), EVENTS_*; built by hand (tests) it has no broker unless given one.
    broker: BrokerSettings = field(default_factory=lambda: BrokerSettings(RABBITMQ_URL=None))

    def __post_init__(self) -> None:
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        refuse_placeholder_secret(
            self.payment_events.secret.get_secret_value(), self.runtime, "PAYMENT_WEBHOOK_SECRET"
        )
        if self.workers.notification_service_url:
            secret = self.workers.order_events_secret
            if secret is None or len(secret.get_secret_value()) < 32:
                raise ValueError(
                    "NOTIFICATION_SERVICE_URL needs ORDER_EVENTS_SECRET of at least 32 characters"
                )
            refuse_placeholder_secret(secret.get_secret_value(), self.runtime, "ORDER_EVENTS_SECRET")

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
            idempotency=IdempotencySettings(),
            orders=OrderSettings(),
            outbox_retention=OutboxRetentionSettings(),
            idle_poll=IdlePollSettings(),
            broker=BrokerSettings(),
        )
