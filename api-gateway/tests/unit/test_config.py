"""Settings: the defaults agree with the service catalogue; the JWKS URL follows auth-service."""

from __future__ import annotations

import pytest

from config import DEFAULT_SERVICE_URLS, CorsSettings, Settings, UpstreamSettings
from devstack.catalog import SERVICES
from domain.routing import TIKETQ_ROUTES, RoutingTable
from shared.settings import JwtVerifySettings

TOKEN = "config-tests-internal-token-0123456789abcdef"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("JWT_JWKS_URL", "CORS_ORIGINS", "UPSTREAM_TIMEOUT_SECONDS", "INTERNAL_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    for spec in SERVICES:
        monkeypatch.delenv(spec.url_env, raising=False)
    monkeypatch.setenv("INTERNAL_TOKEN", TOKEN)
    monkeypatch.setenv("ENVIRONMENT", "test")
    return monkeypatch


def test_default_urls_are_the_catalogues_ports() -> None:
    assert {spec.name: f"http://127.0.0.1:{spec.port}" for spec in SERVICES} == DEFAULT_SERVICE_URLS


def test_every_routed_service_has_a_url() -> None:
    assert RoutingTable(TIKETQ_ROUTES).services == set(DEFAULT_SERVICE_URLS)


def test_service_urls_and_timeout_come_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FLIGHTS_SERVICE_URL", "http://flights:8004/")
    clean_env.setenv("UPSTREAM_TIMEOUT_SECONDS", "2.5")
    settings = Settings.from_env()
    assert settings.upstreams.urls()["flights"] == ("http://flights:8004",)
    assert settings.upstreams.urls()["auth"] == ("http://127.0.0.1:8001",)
    assert settings.upstreams.timeout_seconds == 2.5


def test_jwks_url_follows_auth_service_unless_given(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("AUTH_SERVICE_URL", "http://auth:8001")
    assert Settings.from_env().jwks_url == "http://auth:8001/auth/.well-known/jwks.json"
    clean_env.setenv("JWT_JWKS_URL", "http://keys.example/jwks.json")
    assert Settings.from_env().jwks_url == "http://keys.example/jwks.json"


def test_cors_origins_are_a_comma_list(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CORS_ORIGINS", " https://app.tiketq.id/ ,http://localhost:3000,, ")
    assert Settings.from_env().cors.origins == ["https://app.tiketq.id", "http://localhost:3000"]
    assert CorsSettings(CORS_ORIGINS="").origins == []  # type: ignore[call-arg]


def test_revocation_bound_cannot_exceed_five_seconds() -> None:
    with pytest.raises(ValueError, match="less than or equal to 5"):
        JwtVerifySettings(account_state_ttl_seconds=6)


def test_a_placeholder_internal_token_is_refused_outside_local(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("ENVIRONMENT", "production")
    clean_env.setenv("INTERNAL_TOKEN", "change-me-change-me-change-me-change-me")
    with pytest.raises(ValueError, match="INTERNAL_TOKEN"):
        Settings.from_env()


def test_a_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        UpstreamSettings(UPSTREAM_TIMEOUT_SECONDS=0)  # type: ignore[call-arg]


def test_a_service_url_may_list_the_services_replicas(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv(
        "FLIGHTS_SERVICE_URL", " http://flights-1:8004/ , http://flights-2:8004,,https://flights-3 "
    )
    clean_env.setenv("AUTH_SERVICE_URL", "http://auth-1:8001,http://auth-2:8001")
    settings = Settings.from_env()
    assert settings.upstreams.urls()["flights"] == (
        "http://flights-1:8004",
        "http://flights-2:8004",
        "https://flights-3",
    )
    # The key source asks the first address; the auth client spreads it like every other call.
    assert settings.jwks_url == "http://auth-1:8001/auth/.well-known/jwks.json"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "no URL given"),
        (" , ", "no URL given"),
        ("flights:8004", "not an http"),
        ("ftp://flights:8004", "not an http"),
        ("http://flights:8004?x=1", "no query"),
        ("http://a:1,http://a:1/", "listed twice"),
        ("http://a:1/v1,http://b:1/v2", "differ in their path"),
    ],
)
def test_a_service_url_list_that_names_no_usable_instance_is_refused(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UpstreamSettings(FLIGHTS_SERVICE_URL=value)  # type: ignore[call-arg]
