"""The shell every service has: health, readiness on a real database, metrics, docs, problem+json
for every error, a body cap, and a checked-in openapi.json that matches the app."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app import create_app
from config import AccountEventSettings, PersonalDataSettings, Settings
from shared.settings import DatabaseSettings, InternalSettings, JwtVerifySettings, RuntimeSettings
from testkit.asgi import running_app
from testkit.openapi import stale_message
from tests.conftest import PERSONAL_DATA_HASH_KEY, PERSONAL_DATA_KEYS, People, make_settings


async def test_health_readiness_metrics_and_docs(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok", "service": "user-service"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert (await client.get("/docs")).status_code == 200
    assert "http_requests_total" in (await client.get("/metrics")).text


async def test_readiness_fails_when_the_database_is_unreachable() -> None:
    app = create_app(make_settings("postgresql://nobody@127.0.0.1:1/none"))
    async with running_app(app) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_database_pool_holds_up_to_twice_database_pool_size(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The ceiling of the SQLAlchemy engine the asyncpg pool replaced (DATABASE_POOL_SIZE is 10)."""
    assert app.state.pool.get_max_size() == 20


async def test_unknown_route_is_problem_json_with_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-123"
    assert response.json()["request_id"] == "req-123"


async def test_a_body_that_is_not_json_is_a_422_problem(client: httpx.AsyncClient, people: People) -> None:
    siti = await people.register()
    response = await client.put(
        f"/users/{siti.id}",
        headers={**siti.headers, "Content-Type": "application/json"},
        content=b'{"full_name": ',
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_huge_body_is_refused_with_413_before_anything_reads_it(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    huge = b'{"address": "' + b"a" * 2_000_000 + b'"}'
    for path in (f"/users/{siti.id}", "/internal/events"):
        method = "PUT" if path.startswith("/users") else "POST"
        response = await client.request(
            method, path, headers={**siti.headers, "Content-Type": "application/json"}, content=huge
        )
        assert response.status_code == 413, path
        assert response.headers["content-type"] == "application/problem+json"


def test_checked_in_openapi_matches_the_app(app: FastAPI, service_dir: Path) -> None:
    assert stale_message(app.openapi(), service_dir / "openapi.json") is None


def test_the_public_api_lists_the_users_operations(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    assert set(paths) == {"/users/", "/users/me", "/users/{user_id}"}
    assert set(paths["/users/{user_id}"]) == {"get", "put", "delete"}


def production_settings(**secrets: str) -> Settings:
    values = {
        "INTERNAL_TOKEN": "i" * 40,
        "ACCOUNT_EVENTS_SECRET": "e" * 40,
        "PERSONAL_DATA_KEYS": PERSONAL_DATA_KEYS,
        "PERSONAL_DATA_HASH_KEY": PERSONAL_DATA_HASH_KEY,
        **secrets,
    }
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="production"),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL="postgresql://u@h/d"),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(values["INTERNAL_TOKEN"])),  # type: ignore[call-arg]
        jwt=JwtVerifySettings(),
        events=AccountEventSettings(ACCOUNT_EVENTS_SECRET=SecretStr(values["ACCOUNT_EVENTS_SECRET"])),  # type: ignore[call-arg]
        personal_data=PersonalDataSettings(
            PERSONAL_DATA_KEYS=SecretStr(values["PERSONAL_DATA_KEYS"])
            if values["PERSONAL_DATA_KEYS"]
            else None,
            PERSONAL_DATA_HASH_KEY=SecretStr(values["PERSONAL_DATA_HASH_KEY"]),
        ),  # type: ignore[call-arg]
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INTERNAL_TOKEN", "change-me-change-me-change-me-change-me"),
        ("ACCOUNT_EVENTS_SECRET", "change-me-account-events-secret-0123456789"),
        ("PERSONAL_DATA_KEYS", ""),
        ("PERSONAL_DATA_HASH_KEY", "change-me-personal-data-hash-key"),
    ],
)
def test_missing_or_placeholder_secrets_are_refused_outside_local_development(name: str, value: str) -> None:
    assert isinstance(production_settings(), Settings)
    with pytest.raises(ValueError, match=name):
        production_settings(**{name: value})


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "internal_token"
    secret.write_text("from-a-file-0123456789abcdef0123456789\n")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/tiketq_user")
    monkeypatch.setenv("INTERNAL_TOKEN_FILE", str(secret))
    monkeypatch.setenv("AUTH_SERVICE_URL", "http://auth:8001")
    monkeypatch.setenv("JWT_JWKS_URL", "http://auth:8001/auth/.well-known/jwks.json")
    monkeypatch.setenv("JWT_ACCOUNT_STATE_TTL_SECONDS", "1.5")
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    events_secret = tmp_path / "account_events_secret"
    events_secret.write_text("events-from-a-file-0123456789abcdef0123\n")
    monkeypatch.setenv("ACCOUNT_EVENTS_SECRET_FILE", str(events_secret))
    monkeypatch.setenv("PERSONAL_DATA_KEYS", PERSONAL_DATA_KEYS)
    monkeypatch.setenv("PERSONAL_DATA_HASH_KEY", PERSONAL_DATA_HASH_KEY)
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    settings = Settings.from_env()
    assert settings.runtime.environment == "production"  # what an unset ENVIRONMENT means
    assert settings.internal.token.get_secret_value() == "from-a-file-0123456789abcdef0123456789"
    assert settings.events.secret.get_secret_value() == "events-from-a-file-0123456789abcdef0123"
    assert settings.internal.auth_service_url == "http://auth:8001"
    assert settings.jwt.account_state_ttl_seconds == 1.5
    assert settings.database.async_url == "postgresql+asyncpg://u@h/tiketq_user"
