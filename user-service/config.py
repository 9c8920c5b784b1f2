"""user-service settings, grouped by concern and read from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import (
    DatabaseSettings,
    InternalSettings,
    JwtVerifySettings,
    RuntimeSettings,
    refuse_placeholder_secret,
)


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN (or INTERNAL_TOKEN_FILE), AUTH_SERVICE_URL
    jwt: JwtVerifySettings  # JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL, JWT_ACCOUNT_STATE_TTL_SECONDS

    def __post_init__(self) -> None:
        # INTERNAL_TOKEN also signs the events auth-service sends us: a placeholder is fatal.
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            jwt=JwtVerifySettings(),
        )
