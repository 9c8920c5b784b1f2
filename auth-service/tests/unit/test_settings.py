from __future__ import annotations

import pytest
from pydantic import ValidationError

from config import AuthJwtSettings, BootstrapAdminSettings, EventSettings, Settings
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
    settings = EventSettings(USER_SERVICE_URL="http://user-service:8002/")  # type: ignore[call-arg]
    assert settings.events_url == "http://user-service:8002/internal/events"
