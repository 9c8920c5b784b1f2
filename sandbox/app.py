"""The provider sandbox: the outside world's flight suppliers and payment gateway, served locally
with seeded inventory and fault knobs (docs/providers.md). Amadeus-shaped under /amadeus, Duffel-shaped
under /duffel, Midtrans-shaped under /midtrans, Xendit-shaped under /xendit, administration under
/sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import admin
import amadeus
import digiflazz
import digiflazz_state
import duffel
import ferry_api
import hotelbeds
import midtrans
import notify_page
import notify_smtp
import xendit
from fastapi import FastAPI
from holds import Clock, utc_now
from state import SandboxState

from config import Settings
from shared.service_app import create_service_app

VERSION = "0.1.0"


def create_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            midtrans.running(app.state.sandbox.midtrans),
            digiflazz_state.running(app.state.sandbox.digiflazz),
            xendit.running(app.state.sandbox.xendit),
            notify_smtp.running(app.state.notify),
        ):
            yield

    app = create_service_app(
        name="sandbox",
        title="TiketQ provider sandbox",
        version=VERSION,
        description="Local stand-ins for the providers TiketQ calls: Amadeus- and Duffel-shaped flight "
        "suppliers with deterministic inventory and fault knobs, and a Midtrans-shaped payment gateway "
        "(Snap, payment page, Core API, signed notifications) and a Xendit-shaped one (invoices, invoice "
        "page, refunds, callbacks). Never deployed to production.",
        runtime=settings.runtime,
        lifespan=lifespan,
    )
    app.state.sandbox = SandboxState.build(settings, clock)
    # A request is matched against the routes in this order, each included router's one by one:
    # the money path's (Midtrans, the SMS gateway, the flight suppliers) come first, the most
    # asked first. Their paths are theirs alone (/midtrans, /infobip, /amadeus, /duffel,
    # /sandbox/<their name>), so the order decides no request's route.
    midtrans.install(app)
    notify_page.install(app)  # the SMTP sink's and SMS gateway's page
    amadeus.install(app)
    duffel.install(app)
    hotelbeds.install(app)
    ferry_api.install(app)
    digiflazz.install(app)
    xendit.install(app)  # before admin's /knobs/{supplier}
    app.include_router(admin.router)
    return app
