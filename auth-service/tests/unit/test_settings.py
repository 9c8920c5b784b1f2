from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from config import AuthJwtSettings, BootstrapAdminSettings, EventSettings, RateLimitSettings, Settings
from shared.settings import Environment
from testkit.keys import TestKeys
from tests.app_factory import settings_for_tests


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_outside_local_a_missing_signing_key_stops_start_up(environment: Environment) -> None:
    with pytest.raises(ValueError, match="JWT_PRIVATE_KEY"):
        settings_for_tests("postgresql://x@db/auth", "", environment=environment)


def test_outside_local_placeholder_secrets_stop_start_up(test_keys: TestKeys) -> None:
    with pytest.raises(ValueError, match="JWT_PRIVATE_KEY"):
        settings_for_tests("postgresql://x@db/auth", "change-me-pem-private-key", environment="production")
    settings = settings_for_tests("postgresql://x@db/auth", test_keys.private_pem(), environment="production")
    assert isinstance(settings, Settings)


def test_a_pem_squeezed_into_one_line_gets_its_newlines_back(test_keys: TestKeys) -> None:
    one_line = test_keys.private_pem().decode().replace("\n", "\\n")

    settings = AuthJwtSettings(private_key=one_line)  # type: ignore[arg-type]

    assert settings.private_key is not None
    assert settings.private_key.get_secret_value() == test_keys.private_pem().decode()


def test_secrets_come_from_files(tmp_path, monkeypatch: pytest.MonkeyPatch, test_keys: TestKeys) -> None:  # type: ignore[no-untyped-def]
    key_file = tmp_path / "jwt.pem"
    key_file.write_bytes(test_keys.private_pem())
    password_file = tmp_path / "admin.txt"
    password_file.write_text("from-a-file-123\n")
    monkeypatch.setenv("JWT_PRIVATE_KEY_FILE", str(key_file))
    monkeypatch.setenv("BOOTSTRAP_ADMIN_EMAIL", "root@tiketq.id")
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD_FILE", str(password_file))
    monkeypatch.delenv("JWT_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)

    jwt_settings = AuthJwtSettings()
    bootstrap = BootstrapAdminSettings()

    assert jwt_settings.private_key is not None
    assert jwt_settings.private_key.get_secret_value() == test_keys.private_pem().decode().strip()
    assert bootstrap.password is not None
    assert bootstrap.password.get_secret_value() == "from-a-file-123"


@pytest.mark.parametrize(
    "values",
    [
        {"email": "root@tiketq.id"},
        {"password": "long enough"},
        {"email": "root@tiketq.id", "password": "short"},
        {"email": "not-an-email", "password": "long enough"},
    ],
)
def test_bootstrap_admin_settings_must_be_complete_and_valid(values: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        BootstrapAdminSettings(**values)  # type: ignore[arg-type]


def test_the_events_url_is_user_service_internal_events() -> None:
    settings = EventSettings(  # type: ignore[call-arg]
        USER_SERVICE_URL="http://user-service:8002/", ACCOUNT_EVENTS_SECRET=SecretStr("s" * 32)
    )
    assert settings.events_url == "http://user-service:8002/internal/events"


def test_user_service_may_be_several_instances_and_nothing_else() -> None:
    settings = EventSettings(  # type: ignore[call-arg]
        USER_SERVICE_URL="http://10.0.0.5:8002,http://10.0.0.6:8002",
        ACCOUNT_EVENTS_SECRET=SecretStr("s" * 32),
    )
    # Written against the first; the relay's client spreads it over both (shared.http).
    assert settings.events_url == "http://10.0.0.5:8002/internal/events"
    with pytest.raises(ValidationError, match="USER_SERVICE_URL"):
        EventSettings(  # type: ignore[call-arg]
            USER_SERVICE_URL="http://10.0.0.5:8002,user-service", ACCOUNT_EVENTS_SECRET=SecretStr("s" * 32)
        )


def test_account_events_have_their_own_strong_secret(
    test_keys: TestKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACCOUNT_EVENTS_SECRET", raising=False)
    monkeypatch.delenv("ACCOUNT_EVENTS_SECRET_FILE", raising=False)
    with pytest.raises(ValidationError, match="ACCOUNT_EVENTS_SECRET"):
        EventSettings()  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="at least 32"):
        EventSettings(ACCOUNT_EVENTS_SECRET=SecretStr("short"))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="ACCOUNT_EVENTS_SECRET"):
        settings_for_tests(
            "postgresql://x@db/auth",
            test_keys.private_pem(),
            environment="production",
            events_secret="change-me-account-events-secret-32-chars",
        )


def test_sign_in_limits_default_to_five_per_account_and_address_and_a_hundred_per_address() -> None:
    settings = RateLimitSettings()
    assert (settings.failures_per_email, settings.failures_per_ip, settings.window_seconds) == (5, 100, 900)
    # Only the local gateway is believed about client addresses unless proxies are configured.
    assert [str(n) for n in settings.trusted_networks] == ["127.0.0.1/32", "::1/128"]
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES"):
        RateLimitSettings(TRUSTED_PROXIES="api-gateway")  # type: ignore[call-arg]


def test_an_unset_environment_is_production(monkeypatch: pytest.MonkeyPatch, test_keys: TestKeys) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://auth:a-real-password@db/auth")
    monkeypatch.setenv("INTERNAL_TOKEN", "i" * 40)
    monkeypatch.setenv("ACCOUNT_EVENTS_SECRET", "e" * 40)
    monkeypatch.delenv("JWT_PRIVATE_KEY_FILE", raising=False)
    monkeypatch.delenv("JWT_PRIVATE_KEY", raising=False)

    # Without a signing key an unconfigured deployment stops instead of signing with a throwaway.
    with pytest.raises(ValueError, match="JWT_PRIVATE_KEY"):
        Settings.from_env()
    monkeypatch.setenv("JWT_PRIVATE_KEY", test_keys.private_pem().decode())
    assert Settings.from_env().runtime.environment == "production"
