"""user-service settings, grouped by concern and read from the environment (secrets from files where
given: any secret X may come from a file named in X_FILE)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, SecretStr, field_validator

from shared.settings import (
    DatabaseSettings,
    InternalSettings,
    JwtVerifySettings,
    RuntimeSettings,
    SettingsBase,
    refuse_placeholder_secret,
)


class AccountEventSettings(SettingsBase):
    """The key auth-service signs account events with. Its own, not INTERNAL_TOKEN: every service
    holds that one, and none but auth-service may announce accounts (and so create profiles)."""

    secret: SecretStr = Field(alias="ACCOUNT_EVENTS_SECRET")

    @field_validator("secret")
    @classmethod
    def _strong_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("ACCOUNT_EVENTS_SECRET must be at least 32 characters")
        return value


class PersonalDataSettings(SettingsBase):
    """Keys for identity numbers at rest (adapters/personal_data.py).

    PERSONAL_DATA_KEYS: `key-id:base64-of-32-bytes` entries, comma or newline separated; the first
    encrypts, the others only decrypt (rotation). PERSONAL_DATA_HASH_KEY: base64 of at least 32
    bytes, the HMAC key of the searchable hash (it cannot rotate without rewriting every row).
    """

    keys: SecretStr | None = Field(default=None, alias="PERSONAL_DATA_KEYS")
    hash_key: SecretStr | None = Field(default=None, alias="PERSONAL_DATA_HASH_KEY")

    @property
    def configured(self) -> bool:
        return self.keys is not None and self.hash_key is not None


@dataclass(frozen=True)
class Settings:
    runtime: RuntimeSettings  # ENVIRONMENT, LOG_LEVEL, LOG_JSON, MAX_BODY_BYTES
    database: DatabaseSettings  # DATABASE_URL, DATABASE_POOL_SIZE
    internal: InternalSettings  # INTERNAL_TOKEN (or INTERNAL_TOKEN_FILE), AUTH_SERVICE_URL
    jwt: JwtVerifySettings  # JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL, JWT_ACCOUNT_STATE_TTL_SECONDS
    events: AccountEventSettings  # ACCOUNT_EVENTS_SECRET (or _FILE)
    personal_data: PersonalDataSettings  # PERSONAL_DATA_KEYS, PERSONAL_DATA_HASH_KEY (or _FILE)

    def __post_init__(self) -> None:
        """Outside local development a missing or copied secret stops the service from starting."""
        refuse_placeholder_secret(self.internal.token.get_secret_value(), self.runtime, "INTERNAL_TOKEN")
        refuse_placeholder_secret(
            self.events.secret.get_secret_value(), self.runtime, "ACCOUNT_EVENTS_SECRET"
        )
        for name, secret in (
            ("PERSONAL_DATA_KEYS", self.personal_data.keys),
            ("PERSONAL_DATA_HASH_KEY", self.personal_data.hash_key),
        ):
            refuse_placeholder_secret(secret.get_secret_value() if secret else "", self.runtime, name)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            runtime=RuntimeSettings(),
            database=DatabaseSettings(),  # type: ignore[call-arg]
            internal=InternalSettings(),  # type: ignore[call-arg]
            jwt=JwtVerifySettings(),
            events=AccountEventSettings(),  # type: ignore[call-arg]
            personal_data=PersonalDataSettings(),
        )
