"""transaction-service composition root: settings → adapters → use cases → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with auth-service's keys/account states replaced and the workers off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from adapters.event_bus import make_event_deliverer
from adapters.order_changes import OrderChanges
from adapters.reading import PgReadingUnitOfWork
from adapters.reports import SqlReportSource
from adapters.repository import PgLedgerUnitOfWork
from adapters.upstream import HttpBookingGateway, HttpPaymentGateway
from config import Settings
from domain.money_path import MoneyPath, build_money_path
from domain.ports import BookingGateway, Clock, PaymentGateway
from domain.reports import ReportSource
from routes import orders, payments, reports, transactions, webhooks
from routes.errors import install_error_handlers
from routes.order_wait import StatusWait
from shared.background import BackgroundTasks
from shared.db import ReadPool, create_asyncpg_pool, ping
from shared.http import make_client
from shared.idempotency import IdempotencyStore, purge_expired_forever
from shared.outbox import OutboxEvent, OutboxRelay, OutboxRetention, SignedWebhookDelivery
from shared.service_app import create_service_app
from shared.tokens import AccountStateSource, KeySource, verifier_backed_by_auth_service

VERSION = "1.0.0"
logger = logging.getLogger("transaction_service")


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _sweep_forever(money_path: MoneyPath, interval: float) -> None:
    while True:
        try:
            ended = await money_path.sweeper.expire_holds()
            synced = await money_path.sweeper.sync_overdue_payments()
            if ended or synced:
                logger.info("sweeper: %d expired holds ended, %d overdue payments settled", ended, synced)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("hold-expiry sweep failed")
        await asyncio.sleep(interval)


def create_app(
    settings: Settings | None = None,
    *,
    key_source: KeySource | None = None,
    account_states: AccountStateSource | None = None,
    booking_gateway: BookingGateway | None = None,
    payment_gateway: PaymentGateway | None = None,
    clock: Clock = utc_now,
    workers: bool | None = None,
    report_source: ReportSource | None = None,
) -> FastAPI:
    """Overrides replace what talks to other services: auth-service's keys and account states,
    the product services, payment-service, the reports' source. `workers=False` keeps the relays
    and the sweeper off (tests drive them through `app.state`)."""
    settings = settings or Settings.from_env()
    internal_token = settings.internal.token.get_secret_value()
    run_workers = settings.workers.relays_enabled if workers is None else workers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # Everything on one plain asyncpg pool, twice DATABASE_POOL_SIZE (each relay's passes
            # take fewer than half of it): the money path's units of work, its one-statement reads
            # (the status poll), the relays' passes, the Idempotency-Keys, the admin reports and
            # the outbox retention. The pool closes a connection idle for a few seconds itself (so
            # the sweeper's rounds leave no backend open between them).
            pool = await create_asyncpg_pool(
                settings.database.model_copy(update={"pool_size": 2 * settings.database.pool_size})
            )
            stack.push_async_callback(pool.close)
            read_pool = ReadPool(pool, acquire_timeout=30.0)
            auth_client = make_client(settings.internal.auth_service_url)
            stack.push_async_callback(auth_client.aclose)
            timeout = settings.upstream.timeout_seconds
            bookings = booking_gateway
            if bookings is None:
                # One pooled client per configured product: adding a product is one entry here.
                clients = {
                    service_type: make_client(base_url, timeout=timeout)
                    for service_type, base_url in settings.upstream.product_services.items()
                }
                for client in clients.values():
                    stack.push_async_callback(client.aclose)
                bookings = HttpBookingGateway(clients, internal_token)
            charges = payment_gateway
            if charges is None:
                payment_http = make_client(settings.upstream.payment_service_url, timeout=timeout)
                stack.push_async_callback(payment_http.aclose)
                charges = HttpPaymentGateway(payment_http, internal_token)

            webhook: SignedWebhookDelivery | None = None
            order_events = settings.workers.order_events_secret
            if settings.workers.notification_service_url and order_events is not None:
                notify_http = make_client(settings.workers.notification_service_url, timeout=timeout)
                stack.push_async_callback(notify_http.aclose)
                webhook = SignedWebhookDelivery(
                    notify_http, "/internal/events", order_events.get_secret_value()
                )
            broker = settings.broker
            deliverer = make_event_deliverer(broker.url, webhook=webhook, topology=broker.topology())
            stack.push_async_callback(deliverer.close)
            event_relay = OutboxRelay(
                pool,
                "outbox",
                deliverer,
                poll_interval=settings.workers.poll_interval_seconds,
                idle_ceiling_seconds=settings.idle_poll.max_seconds,
                max_backoff_seconds=settings.workers.max_backoff_seconds,
                concurrency=settings.workers.concurrency,
            )

            order_changes = OrderChanges(max_watchers=settings.orders.status_waiters_max)

            def unit_of_work() -> PgLedgerUnitOfWork:
                # The unit of work hands the events and jobs it committed to their relay, which
                # sends and runs them at once; and tells the status requests waiting for an order
                # it changed.
                return PgLedgerUnitOfWork(
                    pool, events=event_relay, jobs=work_relay, orders_changed=order_changes.changed
                )

            def reading() -> PgReadingUnitOfWork:
                return PgReadingUnitOfWork(read_pool)

            money_path = build_money_path(
                unit_of_work,
                bookings,
                charges,
                clock,
                max_unpaid_orders=settings.orders.max_unpaid_per_account,
                reading=reading,
            )

            async def run_job(event: OutboxEvent) -> None:
                await money_path.jobs.run(event.topic, event.payload)

            work_relay = OutboxRelay(
                pool,
                "work_queue",
                run_job,
                poll_interval=settings.workers.poll_interval_seconds,
                idle_ceiling_seconds=settings.idle_poll.max_seconds,
                max_backoff_seconds=settings.workers.max_backoff_seconds,
                concurrency=settings.workers.concurrency,
            )

            app.state.pool = pool
            app.state.report_source = report_source or SqlReportSource(read_pool)
            app.state.internal_token = internal_token
            app.state.payment_webhook_secret = settings.payment_events.secret.get_secret_value()
            app.state.token_verifier = verifier_backed_by_auth_service(
                auth_client,
                settings.jwt,
                internal_token,
                key_source=key_source,
                account_states=account_states,
            )
            app.state.money_path = money_path
            app.state.status_wait = StatusWait(order_changes, settings.orders.status_wait_max_seconds)
            idempotency = IdempotencyStore.configured(pool, "idempotency_keys", settings.idempotency)
            app.state.idempotency = idempotency
            app.state.event_relay = event_relay
            app.state.work_relay = work_relay

            background = BackgroundTasks()
            stack.push_async_callback(background.aclose)
            if run_workers:
                background.start(event_relay.run(), name="event-outbox-relay")
                background.start(work_relay.run(), name="work-queue-relay")
                sweep = settings.workers.sweep_interval_seconds
                background.start(_sweep_forever(money_path, sweep), name="hold-sweeper")
                background.start(
                    purge_expired_forever(idempotency, settings.idempotency.purge_interval_seconds),
                    name="idempotency-purge",
                )
                if settings.outbox_retention.purge_enabled:
                    # Both outbox-shaped tables: delivered events and jobs run keep payloads too.
                    outbox_retention = OutboxRetention(
                        pool, ["outbox", "work_queue"], settings.outbox_retention.retention
                    )
                    background.start(
                        outbox_retention.purge_forever(settings.outbox_retention.purge_interval_seconds),
                        name="outbox-retention",
                    )
            yield

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    app = create_service_app(
        name="transaction-service",
        title="TiketQ Transactions",
        version=VERSION,
        description=(
            "Orders, transactions, payments, refunds and reports: the money path from a held"
            " booking to an issued one, for every product (flights, ferries, hotels, PPOB). Every"
            " POST that creates money or a booking needs an `Idempotency-Key`. Someone else's order,"
            " transaction or payment answers 404."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        openapi_tags=[
            {"name": "orders", "description": "Hold (or quote) a booking and open its transaction."},
            {"name": "transactions", "description": "Transactions, cancellation, refunds, audit."},
            {"name": "payments", "description": "Midtrans payments through payment-service."},
            {"name": "webhooks", "description": "Signed events from payment-service."},
            {"name": "reports", "description": "Admin reports (JSON or CSV)."},
        ],
    )
    install_error_handlers(app)
    app.include_router(orders.router)
    app.include_router(transactions.router)
    app.include_router(payments.router)
    app.include_router(webhooks.router)
    app.include_router(reports.router)
    return app
