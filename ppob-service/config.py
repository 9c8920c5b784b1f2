"""ppob-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import Field, SecretStr, field_validator

from shared.client_address import Network, parse_networks
from shared.settings import (
    DatabaseSettings,
    IdempotencySettings,
    IdlePollSettings,
    InternalSettings,
    JwtVerifySettings,
    RuntimeSettings,
    SettingsBase,
    refuse_placeholder_secret,
)

SANDBOX_USERNAME = "tiketqsandbox"
SANDBOX_API_KEY = "dev-sandbox-digiflazz-key"
SANDBOX_WEBHOOK_SECRET = "digiflazz-sandbox-webhook-secret"  # noqa: S105 - the sandbox's public default


class DigiflazzSettings(SettingsBase):
    """The aggregator: where it is, our buyer credentials, the webhook secret and callback URL
    (defaults: the local sandbox)."""

    base_url: str = Field(default="http://127.0.0.1:8009/digiflazz/v1", alias="DIGIFLAZZ_BASE_URL")
    username: str = Field(default=SANDBOX_USERNAME, alias="DIGIFLAZZ_USERNAME")
    api_key: SecretStr = Field(default=SecretStr(SANDBOX_API_KEY), alias="DIGIFLAZZ_API_KEY")
    webhook_secret: SecretStr = Field(
        default=SecretStr(SANDBOX_WEBHOOK_SECRET), alias="DIGIFLAZZ_WEBHOOK_SECRET"
    )
    # Sent as each purchase's cb_url; empty: the URL set on the aggregator's dashboard is used.
    callback_url: str | None = Field(default=None, alias="DIGIFLAZZ_CALLBACK_URL")
    # Purchases can take the operator a while to answer; anything longer is checked later.
    timeout_seconds: float = Field(default=20.0, alias="DIGIFLAZZ_TIMEOUT_SECONDS", gt=0, le=120)

    @field_validator("callback_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class PpobSettings(SettingsBase):
    """Selling rules, quotes, the price-list cache, the deposit guard and status checks."""

    margin_flat: Decimal = Field(default=Decimal("1000"), alias="PPOB_MARGIN_FLAT", ge=0, le=1_000_000)
    margin_percent: Decimal = Field(default=Decimal("0"), alias="PPOB_MARGIN_PERCENT", ge=0, le=50)
    quote_ttl_seconds: float = Field(default=900.0, alias="PPOB_QUOTE_TTL_SECONDS", gt=0, le=86_400)
    # Digiflazz answers the price list at most once per five minutes.
    price_list_refresh_seconds: float = Field(default=300.0, alias="PPOB_PRICE_LIST_REFRESH_SECONDS", ge=0)
    low_deposit_threshold: Decimal = Field(default=Decimal("50000"), alias="PPOB_LOW_DEPOSIT_THRESHOLD", ge=0)
    deposit_cache_seconds: float = Field(default=10.0, alias="PPOB_DEPOSIT_CACHE_SECONDS", ge=0, le=3600)
    first_check_seconds: float = Field(default=5.0, alias="PPOB_STATUS_CHECK_FIRST_SECONDS", gt=0, le=3600)
    longest_check_seconds: float = Field(
        default=300.0, alias="PPOB_STATUS_CHECK_MAX_SECONDS", gt=0, le=86_400
    )
    poll_interval_seconds: float = Field(default=2.0, alias="PPOB_STATUS_POLL_INTERVAL_SECONDS", gt=0, le=600)
    workers_enabled: bool = Field(default=True, alias="PPOB_WORKERS_ENABLED")


class InquirySettings(SettingsBase):
    """Anonymous inquiries per client: each one may be a call to the aggregator. The client is
    the caller's address as the gateway forwards it (X-Forwarded-For, believed only from
    TRUSTED_PROXIES); the counts live in this process."""

    limit: int = Field(default=30, alias="INQUIRIES_PER_CLIENT", ge=1, le=100_000)
    window_seconds: int = Field(default=60, alias="INQUIRY_WINDOW_SECONDS", ge=1, le=86_400)
    trusted_proxies: str = Field(default="127.0.0.1,::1", alias="TRUSTED_PROXIES")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN (or _FILE): guards /internal/bookings; AUTH_SERVICE_URL
    jwt: JwtVerifySettings = field(default_factory=JwtVerifySettings)  # JWT_* (admin routes)
    digiflazz: DigiflazzSettings = field(default_factory=DigiflazzSettings)  # DIGIFLAZZ_*
    ppob: PpobSettings = field(default_factory=PpobSettings)  # PPOB_*
    idle_poll: IdlePollSettings = field(default_factory=IdlePollSettings)  # IDLE_POLL_MAX_SECONDS
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)  # IDEMPOTENCY_*
    inquiries: InquirySettings = field(
        default_factory=InquirySettings
    )  # INQUIRIES_PER_CLIENT, INQUIRY_WINDOW_SECONDS, TRUSTED_PROXIES

    def __post_init__(self) -> None:
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        if not self.runtime.is_local:
            # The sandbox's built-in credentials mean a deployment forgot to configure the aggregator.
            sandbox = {
                "DIGIFLAZZ_API_KEY": (self.digiflazz.api_key.get_secret_value(), SANDBOX_API_KEY),
                "DIGIFLAZZ_WEBHOOK_SECRET": (
                    self.digiflazz.webhook_secret.get_secret_value(),
                    SANDBOX_WEBHOOK_SECRET,
                ),
            }
            for name, (value, placeholder) in sandbox.items():
                if not value or value == placeholder:
                    raise ValueError(f"{name} must be set to a real credential outside local development")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            jwt=JwtVerifySettings(),
            digiflazz=DigiflazzSettings(),
            ppob=PpobSettings(),
            idle_poll=IdlePollSettings(),
            idempotency=IdempotencySettings(),
            inquiries=InquirySettings(),
        )
