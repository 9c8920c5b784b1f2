from __future__ import annotations

import pytest
from fastapi import FastAPI

from app import create_app
from config import Settings
from shared.settings import DatabaseSettings, RuntimeSettings
from testkit.service_shell import MakeApp


@pytest.fixture
def make_app() -> MakeApp:
    """This service configured for tests, on the given database."""

    def make(database_url: str) -> FastAPI:
        settings = Settings(
            runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
            database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        )
        return create_app(settings)

    return make


@pytest.fixture
def app(make_app: MakeApp, migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)
