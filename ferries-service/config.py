"""ferries-service settings, grouped by concern and read from the environment."""

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

SANDBOX_CLIENT_ID = "sandbox-ferry-client"
SANDBOX_CLIENT_SECRET = "sandbox-ferry-secret"  # noqa: S105 - the sandbox's public default


class OperatorSettings(SettingsBase):
    """Where the ferry operator is and how we authenticate (defaults: the local sandbox)."""

    base_url: str = Field(default="http://127.0.0.1:8009/ferry", alias="FERRY_OPERATOR_BASE_URL")
    client_id: str = Field(default=SANDBOX_CLIENT_ID, alias="FERRY_OPERATOR_CLIENT_ID")
    client_secret: SecretStr = Field(
        default=SecretStr(SANDBOX_CLIENT_SECRET), alias="FERRY_OPERATOR_CLIENT_SECRET"
    )
    timeout_seconds: float = Field(default=5.0, alias="FERRY_OPERATOR_TIMEOUT_SECONDS", gt=0, le=60)


class SearchSettings(SettingsBase):
    offer_ttl_seconds: float = Field(default=900.0, alias="OFFER_TTL_SECONDS", gt=0, le=86_400)
    redis_url: str | None = Field(default=None, alias="REDIS_URL")


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN (or INTERNAL_TOKEN_FILE): guards /internal/bookings
    operator: OperatorSettings = field(default_factory=OperatorSettings)  # FERRY_OPERATOR_*
    search: SearchSettings = field(default_factory=SearchSettings)  # OFFER_TTL_SECONDS, REDIS_URL
    idempotency: IdempotencySettings = field(default_factory=IdempotencySettings)  # IDEMPOTENCY_*

    def __post_init__(self) -> None:
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        if not self.runtime.is_local and self.operator.client_secret.get_secret_value() in (
            "",
            SANDBOX_CLIENT_SECRET,
        ):
            # The sandbox's built-in credential means a deployment forgot to configure the operator.
            raise ValueError(
                "FERRY_OPERATOR_CLIENT_SECRET must be a real credential outside local development"
            )

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            operator=OperatorSettings(),
            search=SearchSettings(),
            idempotency=IdempotencySettings(),
        )
