"""auth-service built for tests: real PostgreSQL, the testkit signing key, cheap argon2
parameters, the outbox relay off (tests drive it), and nothing read from the environment that
could make one machine's run differ from another's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr

from adapters.passwords import Argon2PasswordHasher
from app import create_app
from config import (
    AuthJwtSettings,
    BootstrapAdminSettings,
    EventSettings,
    RateLimitSettings,
    RetentionSettings,
    Settings,
)
from shared.settings import DatabaseSettings, Environment, InternalSettings, RuntimeSettings

INTERNAL_TOKEN = "tests-internal-token-0123456789abcdef"
ACCOUNT_EVENTS_SECRET = "tests-account-events-secret-0123456789"
USER_SERVICE_URL = "http://user-service.test"
ADMIN_PASSWORD = "admin-password-123"
PASSWORD = "correct horse battery"

_hasher: Argon2PasswordHasher | None = None


def cheap_hasher() -> Argon2PasswordHasher:
    """Real argon2id with the smallest sensible cost: the suite stays fast, the code path is
    the production one. One per process, so tests share one thread pool."""
    global _hasher
    if _hasher is None:
        _hasher = Argon2PasswordHasher(Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1))
    return _hasher


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


def settings_for_tests(
    database_url: str,
    private_pem: bytes | str,
    *,
    admin_email: str | None = None,
    relay_enabled: bool = False,
    poll_interval: float = 1.0,
    failures_per_email: int = 5,
    failures_per_ip: int = 20,
    trusted_proxies: str = "127.0.0.1,::1",
    environment: Environment = "test",
    events_secret: str = ACCOUNT_EVENTS_SECRET,
) -> Settings:
    pem = private_pem.decode() if isinstance(private_pem, bytes) else private_pem
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT=environment, LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url, DATABASE_POOL_SIZE=5),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN)),  # type: ignore[call-arg]
        jwt=AuthJwtSettings(private_key=pem),  # type: ignore[arg-type]
        bootstrap=BootstrapAdminSettings(
            email=admin_email,
            password=ADMIN_PASSWORD if admin_email else None,  # type: ignore[arg-type]
        ),
        rate_limit=RateLimitSettings(  # type: ignore[call-arg]
            REDIS_URL=None,
            LOGIN_FAILURES_PER_EMAIL=failures_per_email,
            LOGIN_FAILURES_PER_IP=failures_per_ip,
            LOGIN_FAILURE_WINDOW_SECONDS=900,
            TRUSTED_PROXIES=trusted_proxies,
        ),
        events=EventSettings(  # type: ignore[call-arg]
            USER_SERVICE_URL=USER_SERVICE_URL,
            OUTBOX_RELAY_ENABLED=relay_enabled,
            OUTBOX_POLL_INTERVAL_SECONDS=poll_interval,
            ACCOUNT_EVENTS_SECRET=SecretStr(events_secret),
        ),
        # Tests purge by hand (app.state.token_retention.purge()).
        retention=RetentionSettings(REFRESH_TOKEN_PURGE_ENABLED=False),  # type: ignore[call-arg]
    )


def build_app(
    database_url: str, private_pem: bytes | str, *, admin_email: str | None = None, **options: Any
) -> FastAPI:
    overrides = {k: options.pop(k) for k in ("clock", "user_service_transport") if k in options}
    settings = settings_for_tests(database_url, private_pem, admin_email=admin_email, **options)
    return create_app(settings, password_hasher=cheap_hasher(), **overrides)


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password})


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> Account:
    response = await login(client, email, password)
    assert response.status_code == 200, response.text
    tokens = response.json()
    me = await client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    return Account(me.json()["id"], email, password, tokens["access_token"], tokens["refresh_token"])


async def new_user(client: httpx.AsyncClient, prefix: str = "user") -> Account:
    """Registers a fresh user and signs in."""
    email = unique_email(prefix)
    created = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return await sign_in(client, email, PASSWORD)
