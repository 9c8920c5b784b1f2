from __future__ import annotations

import pytest
from fastapi import FastAPI

from app import create_app
from config import Settings
from shared.settings import DatabaseSettings, RuntimeSettings


@pytest.fixture
def app(migrated_database_url: str) -> FastAPI:
    settings = Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=migrated_database_url),  # type: ignore[call-arg]
    )
    return create_app(settings)
