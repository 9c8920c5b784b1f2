"""payment-service settings, grouped by concern and read from the environment (any setting X may
instead come from the file named by X_FILE). README.md has the table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from shared.settings import (
    DatabaseSettings,
    IdempotencySettings,
    IdlePollSettings,
    InternalSettings,
    OutboxRetentionSettings,
    RuntimeSettings,
    SettingsBase,
    UpstreamUrls,
    refuse_placeholder_secret,
)
from shared.upstream_urls import primary_url

# The local sandbox's default server key (sandbox/: SANDBOX_MIDTRANS_SERVER_KEY), so `make dev`
# works without configuration; refused outside local/test.
SANDBOX_SERVER_KEY = "SB-Mid-server-sandbox-change-me"
LOCAL_WEBHOOK_SECRET = "change-me-local-payment-webhook-secret"  # noqa: S105 - refused outside local
# The local sandbox's Xendit defaults (sandbox/: SANDBOX_XENDIT_*); refused outside local/test.
SANDBOX_XENDIT_SECRET_KEY = "xnd_development_sandbox-change-me"  # noqa: S105 - refused outside local
SANDBOX_XENDIT_CALLBACK_TOKEN = "sandbox-xendit-callback-token-change-me"  # noqa: S105 - refused outside local


class MidtransSettings(SettingsBase):
    """Where Midtrans is and how we authenticate (defaults: Midtrans's own sandbox hosts)."""

    server_key: SecretStr = Field(default=SecretStr(SANDBOX_SERVER_KEY), alias="MIDTRANS_SERVER_KEY")
    client_key: str | None = Field(default=None, alias="MIDTRANS_CLIENT_KEY")  # for a frontend Snap.js
    snap_base_url: str = Field(
        default="https://app.sandbox.midtrans.com/snap/v1", alias="MIDTRANS_SNAP_BASE_URL"
    )
    core_base_url: str = Field(default="https://api.sandbox.midtrans.com", alias="MIDTRANS_CORE_BASE_URL")
    # Sent as X-Override-Notification on Snap create: where Midtrans posts this charge's notifications.
    notification_url: str | None = Field(default=None, alias="MIDTRANS_NOTIFICATION_URL")
    timeout_seconds: float = Field(default=10.0, gt=0, le=60, alias="MIDTRANS_TIMEOUT_SECONDS")
    # Off: no new payment goes to Midtrans (an outage); its charges are still finished through it.
    enabled: bool = Field(default=True, alias="MIDTRANS_ENABLED")


class XenditSettings(SettingsBase):
    """Where Xendit is, the secret API key we call it with, the callback verification token it
    sends (x-callback-token), and whether it takes new payments (off by default: an account must
    be configured first)."""

    secret_key: SecretStr = Field(default=SecretStr(SANDBOX_XENDIT_SECRET_KEY), alias="XENDIT_SECRET_KEY")
    callback_token: SecretStr = Field(
        default=SecretStr(SANDBOX_XENDIT_CALLBACK_TOKEN), alias="XENDIT_CALLBACK_TOKEN"
    )
    base_url: str = Field(default="https://api.xendit.co", alias="XENDIT_BASE_URL")
    # Where the invoice page sends the payer afterwards (the app's own pages); optional.
    success_redirect_url: str | None = Field(default=None, alias="XENDIT_SUCCESS_REDIRECT_URL")
    failure_redirect_url: str | None = Field(default=None, alias="XENDIT_FAILURE_REDIRECT_URL")
    timeout_seconds: float = Field(default=10.0, gt=0, le=60, alias="XENDIT_TIMEOUT_SECONDS")
    enabled: bool = Field(default=False, alias="XENDIT_ENABLED")

    @field_validator("success_redirect_url", "failure_redirect_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class GatewaySettings(SettingsBase):
    """Which gateway a payment goes to when the caller names none (while it is switched on)."""

    default: Literal["midtrans", "xendit"] = Field(default="midtrans", alias="PAYMENT_DEFAULT_GATEWAY")


class NotificationSettings(SettingsBase):
    """How long rejected notifications and callbacks are kept, how long accepted ones are kept
    whole (then reduced to what we act on and reconcile with), and how often both run."""

    reject_retention_hours: int = Field(
        default=168, ge=1, le=24 * 365, alias="NOTIFICATION_REJECT_RETENTION_HOURS"
    )
    # 30 days: a fresh payment's notification stays whole while questions about it come up; the
    # reduced one still reconciles (ids, statuses, amounts, times).
    body_retention_hours: int = Field(
        default=720, ge=1, le=24 * 365, alias="NOTIFICATION_BODY_RETENTION_HOURS"
    )
    purge_interval_seconds: float = Field(
        default=3600.0, ge=1, le=86_400, alias="NOTIFICATION_PURGE_INTERVAL_SECONDS"
    )


class PaymentEventSettings(SettingsBase):
    """Where payment.status_changed events go (transaction-service) and how the relay runs."""

    # One URL or its instances' URLs, comma-separated: the relay's client spreads over them.
    transaction_service_url: UpstreamUrls = Field(
        default="http://localhost:8003", alias="TRANSACTION_SERVICE_URL"
    )
    events_url_override: str | None = Field(default=None, alias="PAYMENT_EVENTS_URL")
    webhook_secret: SecretStr = Field(default=SecretStr(LOCAL_WEBHOOK_SECRET), alias="PAYMENT_WEBHOOK_SECRET")
    # Off only in tests that drive the relay by hand (deliver_due()).
    relay_enabled: bool = Field(default=True, alias="PAYMENT_EVENTS_RELAY_ENABLED")
    poll_interval_seconds: float = Field(
        default=1.0, gt=0, le=60, alias="PAYMENT_EVENTS_POLL_INTERVAL_SECONDS"
    )
    max_backoff_seconds: float = Field(
        default=60.0, gt=0, le=3600, alias="PAYMENT_EVENTS_MAX_BACKOFF_SECONDS"
    )
    # Events a relay pass delivers at once; one payment's events still go in order.
    concurrency: int = Field(default=8, ge=1, le=64, alias="PAYMENT_EVENTS_CONCURRENCY")

    @model_validator(mode="after")
    def _strong_enough(self) -> PaymentEventSettings:
        if len(self.webhook_secret.get_secret_value()) < 32:
            raise ValueError("PAYMENT_WEBHOOK_SECRET must be at least 32 characters")
        return self

    @property
    def events_url(self) -> str:
        return self.events_url_override or primary_url(self.transaction_service_url) + "/webhooks/payment"


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN: guards /internal/charges
    midtrans: MidtransSettings = field(default_factory=MidtransSettings)  # MIDTRANS_*
    events: PaymentEventSettings = field(default_factory=PaymentEventSettings)  # PAYMENT_EVENTS_*, …
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)  # IDEMPOTENCY_*
    xendit: XenditSettings = field(default_factory=XenditSettings)  # XENDIT_*
    gateways: GatewaySettings = field(default_factory=GatewaySettings)  # PAYMENT_DEFAULT_GATEWAY
    notifications: NotificationSettings = field(default_factory=NotificationSettings)  # NOTIFICATION_*
    # OUTBOX_RETENTION_DAYS, OUTBOX_PURGE_*
    outbox_retention: OutboxRetentionSettings = field(default_factory=OutboxRetentionSettings)
    idle_poll: IdlePollSettings = field(default_factory=IdlePollSettings)  # IDLE_POLL_MAX_SECONDS

    def __post_init__(self) -> None:
        """Outside local development a missing or copied secret stops the service from starting."""
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        refuse_placeholder_secret(
            self.midtrans.server_key.get_secret_value(), self.runtime, "MIDTRANS_SERVER_KEY"
        )
        refuse_placeholder_secret(
            self.events.webhook_secret.get_secret_value(), self.runtime, "PAYMENT_WEBHOOK_SECRET"
        )
        if self.xendit.enabled:  # an account never configured is never called for a new payment
            refuse_placeholder_secret(
                self.xendit.secret_key.get_secret_value(), self.runtime, "XENDIT_SECRET_KEY"
            )
            refuse_placeholder_secret(
                self.xendit.callback_token.get_secret_value(), self.runtime, "XENDIT_CALLBACK_TOKEN"
            )

    @property
    def enabled_gateways(self) -> tuple[str, ...]:
        switches = {"midtrans": self.midtrans.enabled, "xendit": self.xendit.enabled}
        return tuple(name for name, on in switches.items() if on)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            midtrans=MidtransSettings(),
            events=PaymentEventSettings(),
            idempotency=IdempotencySettings(),
            xendit=XenditSettings(),
            gateways=GatewaySettings(),
            notifications=NotificationSettings(),
            outbox_retention=OutboxRetentionSettings(),
            idle_poll=IdlePollSettings(),
        )
