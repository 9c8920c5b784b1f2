"""auth-service settings, grouped by concern and read from the environment (secrets from files where given).

Any secret X may come from a file named in X_FILE (shared.settings.FileSecretsSource).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import EmailStr, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from domain.models import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from shared.client_address import Network, parse_networks
from shared.settings import (
    DatabaseSettings,
    IdlePollSettings,
    InternalSettings,
    OutboxRetentionSettings,
    RuntimeSettings,
    SettingsBase,
    UpstreamUrls,
    refuse_placeholder_secret,
)
from shared.upstream_urls import primary_url


class AuthJwtSettings(SettingsBase):
    """Signing access tokens: JWT_PRIVATE_KEY (PEM) or JWT_PRIVATE_KEY_FILE, JWT_ISSUER, …"""

    model_config = SettingsConfigDict(env_prefix="JWT_", extra="ignore", case_sensitive=False)

    private_key: SecretStr | None = None
    issuer: str = "tiketq-auth"
    audience: str = "tiketq-api"
    access_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300, le=365 * 24 * 3600)
    leeway_seconds: int = Field(default=10, ge=0, le=60)

    @field_validator("private_key", mode="before")
    @classmethod
    def _real_newlines(cls, value: object) -> object:
        # A PEM squeezed into one env line (docker --env-file) arrives with literal "\n".
        if isinstance(value, str) and "\\n" in value and "\n" not in value:
            return value.replace("\\n", "\n")
        return value


class BootstrapAdminSettings(SettingsBase):
    """The first admin, created at start-up when both are set (BOOTSTRAP_ADMIN_EMAIL,
    BOOTSTRAP_ADMIN_PASSWORD or BOOTSTRAP_ADMIN_PASSWORD_FILE)."""

    model_config = SettingsConfigDict(env_prefix="BOOTSTRAP_ADMIN_", extra="ignore", case_sensitive=False)

    email: EmailStr | None = None
    password: SecretStr | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> BootstrapAdminSettings:
        if (self.email is None) != (self.password is None):
            raise ValueError("set both BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD, or neither")
        if self.password is not None and not (
            MIN_PASSWORD_LENGTH <= len(self.password.get_secret_value()) <= MAX_PASSWORD_LENGTH
        ):
            limits = f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}"
            raise ValueError(f"BOOTSTRAP_ADMIN_PASSWORD must have {limits} characters")
        return self

    @property
    def enabled(self) -> bool:
        return self.email is not None and self.password is not None


class RateLimitSettings(SettingsBase):
    """Sign-in attempts allowed per fixed window, shared across processes through REDIS_URL, and
    which peers may name the client address in X-Forwarded-For."""

    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    # Per account from one client address: the owner elsewhere is never locked out.
    failures_per_email: int = Field(default=5, ge=1, le=1000, alias="LOGIN_FAILURES_PER_EMAIL")
    # Per client address across accounts. Indonesian mobile carriers put thousands of customers
    # behind one address (carrier-grade NAT): below 100 a busy evening locks a whole network out.
    failures_per_ip: int = Field(default=100, ge=1, le=100_000, alias="LOGIN_FAILURES_PER_IP")
    window_seconds: int = Field(default=900, ge=1, le=86_400, alias="LOGIN_FAILURE_WINDOW_SECONDS")
    # Comma-separated addresses or networks (CIDR) of the proxies in front of this service (the
    # gateway). Only their X-Forwarded-For is believed; anyone else could pick a fresh address
    # for every guess.
    trusted_proxies: str = Field(default="127.0.0.1,::1", alias="TRUSTED_PROXIES")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)


class RetentionSettings(SettingsBase):
    """How long refresh tokens are kept after their sign-in expired, and how often they go."""

    # A week past expiry answers "why was I signed out?" support questions; then they are noise.
    refresh_token_retention_hours: float = Field(
        default=168.0, gt=0, le=8_760, alias="REFRESH_TOKEN_RETENTION_HOURS"
    )
    purge_interval_seconds: float = Field(
        default=3600.0, ge=1, le=86_400, alias="REFRESH_TOKEN_PURGE_INTERVAL_SECONDS"
    )
    # Off only in tests that purge by hand.
    purge_enabled: bool = Field(default=True, alias="REFRESH_TOKEN_PURGE_ENABLED")

    @property
    def keep_after_expiry(self) -> timedelta:
        return timedelta(hours=self.refresh_token_retention_hours)


class EventSettings(SettingsBase):
    """Where account events go (user-service), the key they are signed with, and how the outbox
    relay runs."""

    # One URL or its instances' URLs, comma-separated: the relay's client spreads over them.
    user_service_url: UpstreamUrls = Field(default="http://127.0.0.1:8002", alias="USER_SERVICE_URL")
    # Its own key, not INTERNAL_TOKEN: every service holds that one, and none but auth-service
    # may announce accounts.
    secret: SecretStr = Field(alias="ACCOUNT_EVENTS_SECRET")
    # Off only in tests that drive the relay by hand (deliver_due()).
    relay_enabled: bool = Field(default=True, alias="OUTBOX_RELAY_ENABLED")
    poll_interval_seconds: float = Field(default=1.0, gt=0, le=60, alias="OUTBOX_POLL_INTERVAL_SECONDS")

    @field_validator("secret")
    @classmethod
    def _strong_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("ACCOUNT_EVENTS_SECRET must be at least 32 characters")
        return value

    @property
    def events_url(self) -> str:
        return primary_url(self.user_service_url) + "/internal/events"


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    database: DatabaseSettings
    internal: InternalSettings
    jwt: AuthJwtSettings
    bootstrap: BootstrapAdminSettings
    rate_limit: RateLimitSettings
    events: EventSettings
    retention: RetentionSettings
    # OUTBOX_RETENTION_DAYS, OUTBOX_PURGE_*: delivered account events are purged.
    outbox_retention: OutboxRetentionSettings = field(default_factory=OutboxRetentionSettings)
    idle_poll: IdlePollSettings = field(default_factory=IdlePollSettings)  # IDLE_POLL_MAX_SECONDS

    def __post_init__(self) -> None:
        """Outside local development a missing or copied secret stops the service from starting."""
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        private_key = self.jwt.private_key.get_secret_value() if self.jwt.private_key else ""
        refuse_placeholder_secret(private_key, self.runtime, "JWT_PRIVATE_KEY")
        refuse_placeholder_secret(
            self.events.secret.get_secret_value(), self.runtime, "ACCOUNT_EVENTS_SECRET"
        )
        if self.bootstrap.password is not None:
            refuse_placeholder_secret(
                self.bootstrap.password.get_secret_value(), self.runtime, "BOOTSTRAP_ADMIN_PASSWORD"
            )

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            jwt=AuthJwtSettings(),
            bootstrap=BootstrapAdminSettings(),
            rate_limit=RateLimitSettings(),
            events=EventSettings(),  # type: ignore[call-arg]
            retention=RetentionSettings(),
            outbox_retention=OutboxRetentionSettings(),
            idle_poll=IdlePollSettings(),
        )
