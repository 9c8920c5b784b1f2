"""hotels-service composition root: settings → adapters → FastAPI app.

Availability search, rate checks and the internal booking contract arrive with the hotels issue;
until then the service answers health, readiness, docs and metrics so the platform is whole.
"""

from __future__ import annotations

from fastapi import FastAPI

from config import Settings
from shared.service_app import create_database_service_app

VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    return create_database_service_app(
        name="hotels-service",
        title="TiketQ Hotels",
        version=VERSION,
        description="Hotel availability, rates and bookings across suppliers.",
        runtime=settings.runtime,
        database=settings.database,
    )
