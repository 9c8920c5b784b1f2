"""Settings base classes: environment variables, `*_FILE` secrets, refusal of missing secrets."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from shared.upstream_urls import parse_upstream_urls

Environment = Literal["local", "test", "staging", "production"]


def _instances_listed(value: str) -> str:
    parse_upstream_urls(value)
    return value


# A service's URL, or its instances' URLs comma-separated (shared/upstream_urls.py); `make_client`
# spreads requests over them.
UpstreamUrls = Annotated[str, AfterValidator(_instances_listed)]


class FileSecretsSource(PydanticBaseSettingsSource):
    """Reads `NAME_FILE` for a field `NAME`, as Docker secrets and the Postgres image do.

    The file's content (stripped) becomes the value; an explicit `NAME` variable still wins,
    because it is a higher-priority source.
    """

    def _env_name(self, field: FieldInfo, field_name: str) -> str:
        # An alias is the whole variable name; otherwise the group's prefix applies.
        base = field.alias or f"{self.config.get('env_prefix', '')}{field_name}"
        return base.upper() + "_FILE"

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        path = os.environ.get(self._env_name(field, field_name))
        key = field.alias or field_name
        if not path:
            return None, key, False
        return Path(path).read_text(encoding="utf-8").strip(), key, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                values[key] = value
        return values


class SettingsBase(BaseSettings):
    """Every settings group inherits this: env vars first, then `*_FILE` secrets, then defaults."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, FileSecretsSource(settings_cls), dotenv_settings)


class RuntimeSettings(SettingsBase):
    """Process-wide knobs shared by every service."""

    # Unset means production: a forgotten variable must not quietly accept development secrets.
    # `make dev` and the end-to-end stack (devstack) say "local" explicitly.
    environment: Environment = Field(default="production", alias="ENVIRONMENT")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_json: bool = Field(default=True, alias="LOG_JSON")
    max_body_bytes: int = Field(default=1_048_576, alias="MAX_BODY_BYTES", ge=1024)

    @property
    def is_local(self) -> bool:
        return self.environment in ("local", "test")


class DatabaseSettings(SettingsBase):
    """The service's own database. `DATABASE_URL` may use any postgres scheme; asyncpg is forced."""

    url: str = Field(alias="DATABASE_URL")
    pool_size: int = Field(default=10, alias="DATABASE_POOL_SIZE", ge=1, le=100)
    echo: bool = Field(default=False, alias="DATABASE_ECHO")
    # Read here as well as in RuntimeSettings, so that every service and its migrations refuse a
    # password copied from .env.example without each config having to ask.
    environment: Environment = Field(default="production", alias="ENVIRONMENT")

    @model_validator(mode="after")
    def _no_placeholder_password(self) -> DatabaseSettings:
        password = urlsplit(self.url).password or ""
        if self.environment not in ("local", "test") and "change-me" in password:
            raise ValueError(
                "DATABASE_URL has a change-me password: set a real one outside local development"
            )
        return self

    @property
    def async_url(self) -> str:
        return to_asyncpg_url(self.url)


class InternalSettings(SettingsBase):
    """The credential `/internal/...` routes require, and where auth-service lives."""

    token: SecretStr = Field(alias="INTERNAL_TOKEN")
    auth_service_url: UpstreamUrls = Field(default="http://127.0.0.1:8001", alias="AUTH_SERVICE_URL")

    @model_validator(mode="after")
    def _strong_enough(self) -> InternalSettings:
        if len(self.token.get_secret_value()) < 32:
            raise ValueError("INTERNAL_TOKEN must be at least 32 characters")
        return self


class JwtVerifySettings(SettingsBase):
    """What a service needs to verify access tokens issued by auth-service."""

    model_config = SettingsConfigDict(env_prefix="JWT_", extra="ignore", case_sensitive=False)

    issuer: str = "tiketq-auth"
    audience: str = "tiketq-api"
    jwks_url: str = "http://127.0.0.1:8001/auth/.well-known/jwks.json"
    # Upper bound on how long a revoked token keeps working: the platform promises 5 s at most
    # (docs/architecture.md, identity and RBAC).
    account_state_ttl_seconds: float = Field(default=2.0, gt=0, le=5)
    leeway_seconds: int = Field(default=10, ge=0, le=60)


class IdempotencySettings(SettingsBase):
    """Idempotency-Key answers (shared/idempotency.py), the same four knobs in every service that
    records them: how long a duplicate waits for the first request, when an unfinished key counts
    as abandoned (its process died), how long answers stay replayable, how often old rows go."""

    wait_seconds: float = Field(default=30.0, alias="IDEMPOTENCY_WAIT_SECONDS", gt=0, le=300)
    abandoned_after_seconds: float = Field(
        default=120.0, alias="IDEMPOTENCY_ABANDONED_AFTER_SECONDS", gt=0, le=86_400
    )
    # A client retries a lost answer within minutes, a day at most; a week leaves room for a
    # support case. Past a year the table only grows.
    retention_hours: float = Field(default=168.0, alias="IDEMPOTENCY_RETENTION_HOURS", gt=0, le=8_760)
    # A purge is one indexed DELETE: hourly keeps the table small; more than once a second would
    # only load the database, less than daily lets it grow a day past its retention.
    purge_interval_seconds: float = Field(
        default=3600.0, alias="IDEMPOTENCY_PURGE_INTERVAL_SECONDS", ge=1, le=86_400
    )

    @model_validator(mode="after")
    def _duplicates_give_up_before_a_take_over(self) -> IdempotencySettings:
        # A duplicate still waiting when the first request's key turns "abandoned" would take
        # the key over and run the work a second time while the first is merely slow.
        if self.wait_seconds >= self.abandoned_after_seconds:
            raise ValueError(
                "IDEMPOTENCY_WAIT_SECONDS must be shorter than IDEMPOTENCY_ABANDONED_AFTER_SECONDS"
            )
        return self

    @property
    def retention(self) -> timedelta:
        return timedelta(hours=self.retention_hours)


class OutboxRetentionSettings(SettingsBase):
    """How long delivered outbox rows are kept (shared/outbox.py, OutboxRetention), the same in
    every service with an outbox: undelivered rows are never purged."""

    # A month answers "was the event sent, and what did it say?"; the payloads hold personal data
    # (emails, phones, virtual-account numbers) that must not stay forever. Ten years at most.
    retention_days: int = Field(default=30, alias="OUTBOX_RETENTION_DAYS", ge=1, le=3650)
    # Each round deletes in short batches; hourly as the other purges, at most daily.
    purge_interval_seconds: float = Field(
        default=3600.0, alias="OUTBOX_PURGE_INTERVAL_SECONDS", ge=1, le=86_400
    )
    # Off only in tests that purge by hand.
    purge_enabled: bool = Field(default=True, alias="OUTBOX_PURGE_ENABLED")

    @property
    def retention(self) -> timedelta:
        return timedelta(days=self.retention_days)


class IdlePollSettings(SettingsBase):
    """The longest sleep of a background poller that keeps finding nothing (shared/idle_backoff.py:
    outbox relays, the work queue, notification deliveries, PPOB status checks), the same in
    every service that runs one. Work a process writes wakes its own poller at once."""

    # Longer than the database's idle_session_timeout (10 s on `make dev`'s server), so that an
    # idle poller's session is closed and its backend freed; it is also how long a row another
    # replica wrote without waking this one, or left behind when it crashed, may wait at idle.
    # Five minutes at most.
    max_seconds: float = Field(default=30.0, alias="IDLE_POLL_MAX_SECONDS", ge=1, le=300)


def to_asyncpg_url(url: str) -> str:
    for scheme in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+asyncpg://" + url[len(scheme) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('://', 1)[0]}://…")


def refuse_placeholder_secret(value: str, runtime: RuntimeSettings, name: str) -> None:
    """Outside local development a secret copied from `.env.example` is a deployment error."""
    if not runtime.is_local and (not value or "change-me" in value):
        raise ValueError(f"{name} must be set to a real secret outside local development")
