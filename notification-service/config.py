"""notification-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr, model_validator

from shared.event_topology import BrokerSettings
from shared.settings import (
    DatabaseSettings,
    IdlePollSettings,
    InternalSettings,
    JwtVerifySettings,
    RuntimeSettings,
    SettingsBase,
    UpstreamUrls,
    refuse_placeholder_secret,
)

SANDBOX_INFOBIP_API_KEY = "sandbox-infobip-api-key"


class SmtpSettings(SettingsBase):
    """The mail server (default: the sandbox's SMTP sink on 127.0.0.1:2525)."""

    host: str = Field(default="127.0.0.1", alias="SMTP_HOST")
    port: int = Field(default=2525, alias="SMTP_PORT", ge=1, le=65535)
    username: str | None = Field(default=None, alias="SMTP_USERNAME")
    password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    start_tls: bool = Field(default=False, alias="SMTP_STARTTLS")
    use_tls: bool = Field(default=False, alias="SMTP_TLS")
    sender: str = Field(default="no-reply@tiketq.id", alias="EMAIL_FROM")
    sender_name: str = Field(default="TiketQ", alias="EMAIL_FROM_NAME")
    timeout_seconds: float = Field(default=15.0, alias="SMTP_TIMEOUT_SECONDS", gt=0, le=120)


class InfobipSettings(SettingsBase):
    """The SMS gateway (Infobip; default: the sandbox's)."""

    base_url: str = Field(default="http://127.0.0.1:8009/infobip", alias="INFOBIP_BASE_URL")
    api_key: SecretStr = Field(default=SecretStr(SANDBOX_INFOBIP_API_KEY), alias="INFOBIP_API_KEY")
    # The alphanumeric sender id registered for Indonesia (at most 11 characters).
    sender_id: str = Field(default="TiketQ", alias="INFOBIP_SENDER_ID", min_length=1, max_length=11)
    timeout_seconds: float = Field(default=10.0, alias="INFOBIP_TIMEOUT_SECONDS", gt=0, le=60)


class DeliverySettings(SettingsBase):
    """How messages are retried: first delay, longest delay, attempts before giving up."""

    first_retry_seconds: float = Field(default=2.0, alias="NOTIFY_FIRST_RETRY_SECONDS", gt=0, le=3600)
    max_retry_seconds: float = Field(default=300.0, alias="NOTIFY_MAX_RETRY_SECONDS", gt=0, le=86_400)
    max_attempts: int = Field(default=30, alias="NOTIFY_MAX_ATTEMPTS", ge=1, le=1000)
    poll_interval_seconds: float = Field(default=1.0, alias="NOTIFY_POLL_INTERVAL_SECONDS", gt=0, le=600)
    workers_enabled: bool = Field(default=True, alias="NOTIFY_WORKERS_ENABLED")
    # One URL or its instances' URLs, comma-separated: the client spreads over them.
    user_service_url: UpstreamUrls = Field(default="http://127.0.0.1:8002", alias="USER_SERVICE_URL")
    # How long a profile's preferences are reused (one order's events come seconds apart); 0: never.
    preferences_cache_seconds: float = Field(
        default=30.0, alias="NOTIFY_PREFERENCES_CACHE_SECONDS", ge=0, le=3600
    )


class RetentionSettings(SettingsBase):
    """How long finished messages and received event ids are kept (domain/retention.py), and how
    the purge runs: batches of NOTIFICATION_PURGE_BATCH rows, every NOTIFICATION_PURGE_INTERVAL_SECONDS."""

    messages_days: int = Field(default=90, alias="NOTIFICATION_RETENTION_DAYS", ge=1, le=3650)
    events_days: int = Field(default=90, alias="NOTIFICATION_EVENT_RETENTION_DAYS", ge=7, le=3650)
    batch_size: int = Field(default=500, alias="NOTIFICATION_PURGE_BATCH", ge=1, le=10_000)
    interval_seconds: float = Field(
        default=3600.0, alias="NOTIFICATION_PURGE_INTERVAL_SECONDS", gt=0, le=86_400
    )


class OrderEventSettings(SettingsBase):
    """The key transaction-service signs its order events with (the same value on both sides)."""

    secret: SecretStr = Field(alias="ORDER_EVENTS_SECRET")

    @model_validator(mode="after")
    def _strong_enough(self) -> OrderEventSettings:
        if len(self.secret.get_secret_value()) < 32:
            raise ValueError("ORDER_EVENTS_SECRET must be at least 32 characters")
        return self


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN (or _FILE): calls to user-service
    order_events: OrderEventSettings  # ORDER_EVENTS_SECRET (or _FILE): checks /internal/events
    jwt: JwtVerifySettings = field(default_factory=JwtVerifySettings)  # JWT_*
    smtp: SmtpSettings = field(default_factory=SmtpSettings)  # SMTP_*, EMAIL_FROM*
    infobip: InfobipSettings = field(default_factory=InfobipSettings)  # INFOBIP_*
    delivery: DeliverySettings = field(default_factory=DeliverySettings)  # NOTIFY_*, USER_SERVICE_URL
    idle_poll: IdlePollSettings = field(default_factory=IdlePollSettings)  # IDLE_POLL_MAX_SECONDS
    retention: RetentionSettings = field(
        default_factory=RetentionSettings
    )  # NOTIFICATION_*RETENTION*, _PURGE_*
    # RABBITMQ_URL (or _FILE), EVENTS_*: events from the queue; built by hand (tests) no broker.
    broker: BrokerSettings = field(default_factory=lambda: BrokerSettings(RABBITMQ_URL=None))

    def __post_init__(self) -> None:
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        refuse_placeholder_secret(
            self.order_events.secret.get_secret_value(), self.runtime, "ORDER_EVENTS_SECRET"
        )
        if not self.runtime.is_local and self.infobip.api_key.get_secret_value() in (
            "",
            SANDBOX_INFOBIP_API_KEY,
        ):
            # The sandbox's key means a deployment forgot to configure the SMS gateway.
            raise ValueError("INFOBIP_API_KEY must be set to a real credential outside local development")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            order_events=OrderEventSettings(),  # type: ignore[call-arg]
            jwt=JwtVerifySettings(),
            smtp=SmtpSettings(),
            infobip=InfobipSettings(),
            delivery=DeliverySettings(),
            idle_poll=IdlePollSettings(),
            retention=RetentionSettings(),
            broker=BrokerSettings(),
        )
