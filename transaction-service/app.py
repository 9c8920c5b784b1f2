"""transaction-service composition root: settings → adapters → FastAPI app.

Orders, transactions, payments, refunds, the audit log and reports arrive with the transaction
issues; until then the service answers health, readiness, docs and metrics so the platform is
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
        name="transaction-service",
        title="TiketQ Transactions",
        version=VERSION,
        description=(
            "Orders, transactions, payments, refunds and reports: the money path from a held"
            " booking to an issued ticket."
        ),
        runtime=settings.runtime,
        database=settings.database,
    )
