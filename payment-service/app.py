"""payment-service composition root: settings → adapters → FastAPI app.

Midtrans charges, the notification webhook and the outbox relay arrive with the payment issue;
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
        name="payment-service",
        title="TiketQ Payments",
        version=VERSION,
        description=(
            "Midtrans charges (Snap tokens and redirect URLs) and payment notifications: each one"
            " verified with Midtrans, recorded, and relayed to transaction-service."
        ),
        runtime=settings.runtime,
        database=settings.database,
    )
