"""api-gateway settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, field_validator

from shared.settings import (
    InternalSettings,
    JwtVerifySettings,
    RuntimeSettings,
    SettingsBase,
    refuse_placeholder_secret,
)
from shared.upstream_urls import parse_upstream_urls

# Where each service listens when nothing else is configured: devstack/catalog.py's ports,
# repeated here because product code never imports the launcher (a test keeps them equal).
DEFAULT_SERVICE_URLS: dict[str, str] = {
    "auth": "http://127.0.0.1:8001",
    "user": "http://127.0.0.1:8002",
    "transaction": "http://127.0.0.1:8003",
    "flights": "http://127.0.0.1:8004",
    "ferries": "http://127.0.0.1:8005",
    "hotels": "http://127.0.0.1:8006",
    "ppob": "http://127.0.0.1:8007",
    "payment": "http://127.0.0.1:8008",
    "notification": "http://127.0.0.1:8010",
}

JWKS_PATH = "/auth/.well-known/jwks.json"


class UpstreamSettings(SettingsBase):
    """The services behind the gateway (`<NAME>_SERVICE_URL`: one base URL, or a comma-separated
    list of a service's replicas) and how long each exchange may take."""

    auth: str = Field(default=DEFAULT_SERVICE_URLS["auth"], alias="AUTH_SERVICE_URL")
    user: str = Field(default=DEFAULT_SERVICE_URLS["user"], alias="USER_SERVICE_URL")
    transaction: str = Field(default=DEFAULT_SERVICE_URLS["transaction"], alias="TRANSACTION_SERVICE_URL")
    flights: str = Field(default=DEFAULT_SERVICE_URLS["flights"], alias="FLIGHTS_SERVICE_URL")
    ferries: str = Field(default=DEFAULT_SERVICE_URLS["ferries"], alias="FERRIES_SERVICE_URL")
    hotels: str = Field(default=DEFAULT_SERVICE_URLS["hotels"], alias="HOTELS_SERVICE_URL")
    ppob: str = Field(default=DEFAULT_SERVICE_URLS["ppob"], alias="PPOB_SERVICE_URL")
    payment: str = Field(default=DEFAULT_SERVICE_URLS["payment"], alias="PAYMENT_SERVICE_URL")
    notification: str = Field(default=DEFAULT_SERVICE_URLS["notification"], alias="NOTIFICATION_SERVICE_URL")
    # The whole exchange with a service (connect, send, answer) must fit in this; else 504.
    timeout_seconds: float = Field(default=10.0, alias="UPSTREAM_TIMEOUT_SECONDS", gt=0, le=300)

    @field_validator(*DEFAULT_SERVICE_URLS)
    @classmethod
    def _url_list(cls, value: str) -> str:
        parse_upstream_urls(value)
        return value

    def urls(self) -> dict[str, tuple[str, ...]]:
        """Each service's base URLs, in the order given."""
        return {name: parse_upstream_urls(getattr(self, name)) for name in DEFAULT_SERVICE_URLS}


class CorsSettings(SettingsBase):
    """Browser origins of the web apps allowed to call the API (`CORS_ORIGINS`, comma separated)."""

    origins_csv: str = Field(default="", alias="CORS_ORIGINS")

    @property
    def origins(self) -> list[str]:
        return [origin.strip().rstrip("/") for origin in self.origins_csv.split(",") if origin.strip()]


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings
    internal: InternalSettings
    jwt: JwtVerifySettings
    upstreams: UpstreamSettings
    cors: CorsSettings

    @classmethod
    def from_env(cls) -> Settings:
        runtime = RuntimeSettings()  # type: ignore[call-arg]
        internal = InternalSettings()  # type: ignore[call-arg]
        refuse_placeholder_secret(internal.token.get_secret_value(), runtime, "INTERNAL_TOKEN")
        return cls(
            runtime=runtime,
            internal=internal,
            jwt=JwtVerifySettings(),
            upstreams=UpstreamSettings(),  # type: ignore[call-arg]
            cors=CorsSettings(),  # type: ignore[call-arg]
        )

    @property
    def jwks_url(self) -> str:
        """JWT_JWKS_URL when given, else auth-service's own JWKS at (the first of) AUTH_SERVICE_URL;
        the auth client spreads it over every replica like its other calls."""
        if "jwks_url" in self.jwt.model_fields_set:
            return self.jwt.jwks_url
        return self.upstreams.urls()["auth"][0] + JWKS_PATH
