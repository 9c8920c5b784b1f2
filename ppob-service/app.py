"""ppob-service composition root: settings → adapters → FastAPI app.

The product catalogue, bill inquiry and the internal purchase contract arrive with the PPOB
issue; until then the service answers health, readiness, docs and metrics so the platform is
whole.
"""

from __future__ import annotations

from fastapi import FastAPI

from config import Settings
from shared.service_app import create_database_service_app

VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    return create_database_service_app(
        name="ppob-service",
        title="TiketQ PPOB",
        version=VERSION,
        description=(
            "PPOB products: phone credit (pulsa), data packages, PLN electricity tokens and postpaid bills."
        ),
        runtime=settings.runtime,
        database=settings.database,
    )
