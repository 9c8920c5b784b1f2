"""The provider sandbox: the outside world's flight suppliers, served locally with seeded
inventory and fault knobs (DESIGN.md §8). Amadeus-shaped under /amadeus, Duffel-shaped under
/duffel, administration under /sandbox."""

from __future__ import annotations

import admin
import amadeus
import duffel
from fastapi import FastAPI
from holds import Clock, utc_now
from state import SandboxState

from config import Settings
from shared.service_app import create_service_app

VERSION = "0.1.0"


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings.from_env()
    app = create_service_app(
        name="sandbox",
        title="TiketQ provider sandbox",
        version=VERSION,
        description="Local stand-ins for the providers TiketQ calls: Amadeus- and Duffel-shaped flight "
        "suppliers with deterministic inventory and fault knobs. Never deployed to production.",
        runtime=settings.runtime,
    )
    app.state.sandbox = SandboxState.build(settings, clock)
    amadeus.install(app)
    duffel.install(app)
    app.include_router(admin.router)
    return app
