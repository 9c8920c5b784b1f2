"""flights-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import Field, SecretStr, field_validator

from shared.client_address import Network, parse_networks
from shared.settings import (
    DatabaseSettings,
    IdempotencySettings,
    InternalSettings,
    RuntimeSettings,
    SettingsBase,
    refuse_placeholder_secret,
)

SANDBOX_AMADEUS_CLIENT_ID = "sandbox-amadeus-client"
SANDBOX_AMADEUS_CLIENT_SECRET = "sandbox-amadeus-secret"  # noqa: S105 - the sandbox's public default
SANDBOX_DUFFEL_ACCESS_TOKEN = "duffel_test_sandbox"  # noqa: S105 - the sandbox's public default
KNOWN_SUPPLIERS = ("amadeus", "duffel")


class SupplierSettings(SettingsBase):
    """Where the flight suppliers are and how we authenticate (defaults: the local sandbox)."""

    amadeus_base_url: str = Field(default="http://127.0.0.1:8009/amadeus", alias="AMADEUS_BASE_URL")
    amadeus_client_id: str = Field(default=SANDBOX_AMADEUS_CLIENT_ID, alias="AMADEUS_CLIENT_ID")
    amadeus_client_secret: SecretStr = Field(
        default=SecretStr(SANDBOX_AMADEUS_CLIENT_SECRET), alias="AMADEUS_CLIENT_SECRET"
    )
    duffel_base_url: str = Field(default="http://127.0.0.1:8009/duffel", alias="DUFFEL_BASE_URL")
    duffel_access_token: SecretStr = Field(
        default=SecretStr(SANDBOX_DUFFEL_ACCESS_TOKEN), alias="DUFFEL_ACCESS_TOKEN"
    )
    suppliers_enabled: str = Field(default="amadeus,duffel", alias="SUPPLIERS_ENABLED")

    @property
    def enabled(self) -> tuple[str, ...]:
        names = tuple(n.strip().lower() for n in self.suppliers_enabled.split(",") if n.strip())
        unknown = [n for n in names if n not in KNOWN_SUPPLIERS]
        if unknown:
            raise ValueError(f"SUPPLIERS_ENABLED names unknown suppliers: {', '.join(unknown)}")
        return names

    @property
    def disabled(self) -> tuple[str, ...]:
        return tuple(n for n in KNOWN_SUPPLIERS if n not in self.enabled)


class SearchSettings(SettingsBase):
    deadline_seconds: float = Field(default=3.0, alias="SEARCH_DEADLINE_SECONDS", gt=0, le=30)
    offer_ttl_seconds: float = Field(default=900.0, alias="OFFER_TTL_SECONDS", gt=0, le=86_400)
    redis_url: str | None = Field(default=None, alias="REDIS_URL")


class PriceCheckSettings(SettingsBase):
    """Anonymous re-prices per client: each one is a call to the supplier. The client is the
    caller's address as the gateway forwards it (X-Forwarded-For, believed only from
    TRUSTED_PROXIES). The counts live in Redis when REDIS_URL is set, else in this process."""

    limit: int = Field(default=30, alias="PRICE_CHECKS_PER_CLIENT", ge=1, le=100_000)
    window_seconds: int = Field(default=60, alias="PRICE_CHECK_WINDOW_SECONDS", ge=1, le=86_400)
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
    internal: InternalSettings  # INTERNAL_TOKEN (or INTERNAL_TOKEN_FILE): guards /internal/bookings
    suppliers: SupplierSettings = field(
        default_factory=SupplierSettings
    )  # AMADEUS_*, DUFFEL_*, SUPPLIERS_ENABLED
    search: SearchSettings = field(
        default_factory=SearchSettings
    )  # SEARCH_DEADLINE_SECONDS, OFFER_TTL_SECONDS, REDIS_URL
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)  # IDEMPOTENCY_*
    price_checks: PriceCheckSettings = field(
        default_factory=PriceCheckSettings
    )  # PRICE_CHECKS_PER_CLIENT, PRICE_CHECK_WINDOW_SECONDS, TRUSTED_PROXIES

    def __post_init__(self) -> None:
        self.suppliers.enabled  # noqa: B018 - validates SUPPLIERS_ENABLED at start-up
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        if not self.runtime.is_local:
            sandbox = {
                "AMADEUS_CLIENT_ID": (self.suppliers.amadeus_client_id, SANDBOX_AMADEUS_CLIENT_ID),
                "AMADEUS_CLIENT_SECRET": (
                    self.suppliers.amadeus_client_secret.get_secret_value(),
                    SANDBOX_AMADEUS_CLIENT_SECRET,
                ),
                "DUFFEL_ACCESS_TOKEN": (
                    self.suppliers.duffel_access_token.get_secret_value(),
                    SANDBOX_DUFFEL_ACCESS_TOKEN,
                ),
            }
            for name, (value, placeholder) in sandbox.items():
                if name.split("_")[0].lower() not in self.suppliers.enabled:
                    continue
                # The sandbox's built-in credentials mean a deployment forgot to configure its
                # suppliers. (Compose's own sandbox is given the .env values, so those pass.)
                if not value or value == placeholder:
                    raise ValueError(f"{name} must be set to a real credential outside local development")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            suppliers=SupplierSettings(),
            search=SearchSettings(),
            idempotency=IdempotencySettings(),
            price_checks=PriceCheckSettings(),
        )
