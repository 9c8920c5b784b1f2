"""payment-service composition root: settings → adapters → domain services → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with httpx transports (respx) in place of Midtrans, Xendit and transaction-service.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from adapters.midtrans import MidtransClient
from adapters.unit_of_work import PgChargeReader, PgPaymentUnitOfWork, PgStandaloneWrites
from adapters.xendit import XenditClient
from config import Settings
from domain.charges import ChargeDesk
from domain.gateways import MIDTRANS, XENDIT, Gateways
from domain.notification_log import NotificationRetention
from domain.notifications import NotificationDesk
from domain.refunds import RefundDesk
from domain.repository import Clock, UnitOfWork
from domain.xendit_callbacks import XenditCallbackDesk
from routes import charges, webhooks
from routes.deps import PaymentServices
from routes.errors import ERROR_MAP
from shared.background import BackgroundTasks
from shared.db import ReadPool, create_asyncpg_pool, ping
from shared.http import make_client
from shared.idempotency import IdempotencyStore, purge_expired_forever
from shared.outbox import OutboxRelay, OutboxRetention, SignedWebhookDelivery
from shared.service_app import create_service_app

VERSION = "1.0.0"
# A slow transaction-service holds up only the relay; an unanswered event is retried with backoff.
EVENT_DELIVERY_TIMEOUT_SECONDS = 5.0
# How long a unit of work or a read waits for a pooled connection: longer is a 503
# database-unavailable (shared.db.DatabaseBusy).
POOL_TIMEOUT_SECONDS = 30.0


def utc_now() -> datetime:
    return datetime.now(UTC)


def trusted_callback_token(settings: Settings) -> str:
    """The Xendit callback token, or "" (which no callback matches) where it is still the published
    placeholder outside local development: then no callback is believed, whether or not Xendit
    takes new payments."""
    token = settings.xendit.callback_token.get_secret_value()
    if not settings.runtime.is_local and "change-me" in token:
        return ""
    return token


def create_app(
    settings: Settings | None = None,
    *,
    midtrans_transport: httpx.AsyncBaseTransport | None = None,
    xendit_transport: httpx.AsyncBaseTransport | None = None,
    events_transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Overrides replace what talks to the outside world: Midtrans, Xendit and transaction-service."""
    settings = settings or Settings.from_env()
    mt = settings.midtrans
    xe = settings.xendit

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The payments' units of work, their reads and standalone inserts (adapters/unit_of_work.py),
        # the outbox relay's passes, its retention and the Idempotency-Keys (shared/) on one plain
        # asyncpg pool.
        pool = await create_asyncpg_pool(settings.database)
        reader = PgChargeReader(ReadPool(pool, acquire_timeout=POOL_TIMEOUT_SECONDS))
        writes = PgStandaloneWrites(pool, acquire_timeout=POOL_TIMEOUT_SECONDS)
        midtrans_http = make_client(
            timeout=mt.timeout_seconds,
            connect_timeout=min(mt.timeout_seconds, 5.0),
            transport=midtrans_transport,
        )
        xendit_http = make_client(
            timeout=xe.timeout_seconds,
            connect_timeout=min(xe.timeout_seconds, 5.0),
            transport=xendit_transport if xendit_transport is not None else midtrans_transport,
        )
        events_http = make_client(
            settings.events.transaction_service_url,
            timeout=EVENT_DELIVERY_TIMEOUT_SECONDS,
            transport=events_transport,
        )
        relay = OutboxRelay(
            pool,
            "outbox",
            SignedWebhookDelivery(
                events_http, settings.events.events_url, settings.events.webhook_secret.get_secret_value()
            ),
            poll_interval=settings.events.poll_interval_seconds,
            idle_ceiling_seconds=settings.idle_poll.max_seconds,
            max_backoff_seconds=settings.events.max_backoff_seconds,
            concurrency=settings.events.concurrency,
        )
        gateway = MidtransClient(
            midtrans_http,
            midtrans_http,
            server_key=mt.server_key.get_secret_value(),
            snap_base_url=mt.snap_base_url,
            core_base_url=mt.core_base_url,
            notification_url=mt.notification_url,
        )
        xendit = XenditClient(
            xendit_http,
            secret_key=xe.secret_key.get_secret_value(),
            base_url=xe.base_url,
            success_redirect_url=xe.success_redirect_url,
            failure_redirect_url=xe.failure_redirect_url,
        )
        gateways = Gateways(
            {MIDTRANS: gateway, XENDIT: xendit},
            enabled=settings.enabled_gateways,
            default=settings.gateways.default,
        )

        def unit_of_work() -> UnitOfWork:
            return PgPaymentUnitOfWork(pool, relay, acquire_timeout=POOL_TIMEOUT_SECONDS)

        idempotency = IdempotencyStore.configured(pool, "idempotency_keys", settings.idempotency)

        app.state.pool = pool
        app.state.outbox_relay = relay
        app.state.idempotency = idempotency
        app.state.services = PaymentServices(
            charges=ChargeDesk(unit_of_work, gateways, clock, reader, writes),
            notifications=NotificationDesk(
                unit_of_work, gateway, clock, mt.server_key.get_secret_value(), reader, writes
            ),
            refunds=RefundDesk(unit_of_work, gateways, clock),
            xendit_callbacks=XenditCallbackDesk(
                unit_of_work, xendit, clock, trusted_callback_token(settings), reader, writes
            ),
        )
        retention = NotificationRetention(
            unit_of_work,
            clock,
            reject_retention=timedelta(hours=settings.notifications.reject_retention_hours),
            body_retention=timedelta(hours=settings.notifications.body_retention_hours),
        )
        background = BackgroundTasks()
        if settings.events.relay_enabled:
            background.start(relay.run(), name="payment-events-relay")
        background.start(
            purge_expired_forever(idempotency, settings.idempotency.purge_interval_seconds),
            name="idempotency-purge",
        )
        background.start(
            retention.purge_forever(settings.notifications.purge_interval_seconds),
            name="notifications-retention",
        )
        if settings.outbox_retention.purge_enabled:
            outbox_retention = OutboxRetention(pool, ["outbox"], settings.outbox_retention.retention)
            background.start(
                outbox_retention.purge_forever(settings.outbox_retention.purge_interval_seconds),
                name="outbox-retention",
            )
        try:
            yield
        finally:
            await background.aclose()
            await events_http.aclose()
            await xendit_http.aclose()
            await midtrans_http.aclose()
            await pool.close()

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    app = create_service_app(
        name="payment-service",
        title="TiketQ Payments",
        version=VERSION,
        description=(
            "Payments through Midtrans (Snap tokens and redirect URLs) or Xendit (invoices), and"
            " their notifications and callbacks: each one verified with the gateway, recorded, and"
            " relayed to transaction-service. Charges, cancellations and refunds are internal"
            " (transaction-service only); the Midtrans and Xendit webhooks are public."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[
            {
                "name": "webhooks",
                "description": "Notifications from Midtrans and callbacks from Xendit (public).",
            }
        ],
    )
    app.state.internal_token = settings.internal.token.get_secret_value()  # read by shared.internal
    app.include_router(webhooks.router)
    app.include_router(charges.router)  # /internal/charges: not in the OpenAPI schema
    return app
