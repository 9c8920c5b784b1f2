"""hotels-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr

from shared.settings import (
    DatabaseSettings,
    IdempotencySettings,
    InternalSettings,
    RuntimeSettings,
    SettingsBase,
    refuse_placeholder_secret,
)

SANDBOX_HOTELBEDS_API_KEY = "sandbox-hotelbeds-key"
SANDBOX_HOTELBEDS_SECRET = "sandbox-hotelbeds-secret"  # noqa: S105 - the sandbox's public default


class HotelbedsSettings(SettingsBase):
    """Where Hotelbeds APItude is and how we sign (defaults: the local sandbox)."""

    base_url: str = Field(default="http://127.0.0.1:8009/hotelbeds", alias="HOTELBEDS_BASE_URL")
    api_key: str = Field(default=SANDBOX_HOTELBEDS_API_KEY, alias="HOTELBEDS_API_KEY")
    secret: SecretStr = Field(default=SecretStr(SANDBOX_HOTELBEDS_SECRET), alias="HOTELBEDS_SECRET")
    timeout_seconds: float = Field(default=10.0, alias="HOTELBEDS_TIMEOUT_SECONDS", gt=0, le=60)


class SearchSettings(SettingsBase):
    search_ttl_seconds: float = Field(default=120.0, alias="SEARCH_CACHE_TTL_SECONDS", gt=0, le=3600)
    offer_ttl_seconds: float = Field(default=1800.0, alias="OFFER_TTL_SECONDS", gt=0, le=86_400)
    # How long a checked rate is a valid quote: an order unpaid by then is cancelled.
    quote_ttl_seconds: float = Field(default=1800.0, alias="QUOTE_TTL_SECONDS", gt=0, le=86_400)


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN (or INTERNAL_TOKEN_FILE): guards /internal/bookings
    hotelbeds: HotelbedsSettings = field(default_factory=HotelbedsSettings)  # HOTELBEDS_*
    search: SearchSettings = field(default_factory=SearchSettings)  # SEARCH_CACHE_TTL_SECONDS, …
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)  # IDEMPOTENCY_*

    def __post_init__(self) -> None:
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        # The sandbox's built-in credentials mean a deployment forgot to configure Hotelbeds.
        sandbox_secret = self.hotelbeds.secret.get_secret_value() in ("", SANDBOX_HOTELBEDS_SECRET)
        if sandbox_secret and not self.runtime.is_local:
            raise ValueError("HOTELBEDS_SECRET must be a real credential outside local development")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            hotelbeds=HotelbedsSettings(),
            search=SearchSettings(),
            idempotency=IdempotencySettings(),
        )
