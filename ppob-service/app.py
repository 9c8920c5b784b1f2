"""ppob-service composition root: settings → adapters → domain services → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with a fake aggregator, clock or token sources in place of the real ones.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from functools import partial

from fastapi import FastAPI

from adapters.alerts import PrometheusAlerts
from adapters.db import IDEMPOTENCY_KEYS, SqlUnitOfWork
from adapters.digiflazz import DigiflazzCallbacks, DigiflazzClient
from config import Settings
from domain.catalogue import Catalogue
from domain.models import Margin
from domain.ports import Aggregator, Alerts, CallbackReader, Clock
from domain.price_list import PriceListCache
from domain.purchases import PurchasePolicy, Purchases
from routes import admin, bookings, catalogue, webhooks
from routes.errors import ERROR_MAP
from shared.background import BackgroundTasks
from shared.db import close_idle_pooled_connection, create_asyncpg_pool, ping
from shared.http import make_client
from shared.idempotency import IdempotencyStore, purge_expired_forever
from shared.idle_backoff import IdleBackoff
from shared.rate_limit import LimitsRateLimiter, rate_limit_storage
from shared.service_app import create_service_app
from shared.tokens import AccountStateSource, KeySource, verifier_backed_by_auth_service

VERSION = "1.0.0"
logger = logging.getLogger("ppob.app")


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _check_pending_forever(purchases: Purchases, idle: IdleBackoff) -> None:
    """Pending purchases with no callback are settled by status checks with back-off. A round
    that checked nothing sleeps longer each time, but not past the next check that is due."""
    while True:
        try:
            if await purchases.check_due():
                idle.worked()
            else:
                await idle.found_nothing(await purchases.seconds_to_next_check())
        except Exception:  # the checker must never die; the next round tries again
            logger.exception("pending purchase check failed")
            await idle.found_nothing()
        await idle.sleep()


def create_app(
    settings: Settings | None = None,
    *,
    aggregator: Aggregator | None = None,
    callback_reader: CallbackReader | None = None,
    alerts: Alerts | None = None,
    key_source: KeySource | None = None,
    account_states: AccountStateSource | None = None,
    clock: Clock = utc_now,
    workers: bool | None = None,
) -> FastAPI:
    """Overrides replace what talks to the outside world: the aggregator, auth-service's keys and
    account states. `workers=False` keeps the pending-purchase checker off (tests call it)."""
    settings = settings or Settings.from_env()
    run_workers = settings.ppob.workers_enabled if workers is None else workers
    internal_token = settings.internal.token.get_secret_value()
    p = settings.ppob

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # The units of work (adapters/db.py) and the Idempotency-Keys on one plain asyncpg pool,
            # twice DATABASE_POOL_SIZE: an issue and a status check hold their unit's connection
            # (the booking's row lock) through the aggregator's answer.
            db = settings.database
            pool = await create_asyncpg_pool(db.model_copy(update={"pool_size": 2 * db.pool_size}))
            stack.push_async_callback(pool.close)
            supplier = aggregator
            if supplier is None:
                d = settings.digiflazz
                http = make_client(d.base_url, timeout=d.timeout_seconds)
                stack.push_async_callback(http.aclose)
                supplier = DigiflazzClient(
                    http,
                    username=d.username,
                    api_key=d.api_key.get_secret_value(),
                    callback_url=d.callback_url,
                )
            auth_client = make_client(settings.internal.auth_service_url)
            stack.push_async_callback(auth_client.aclose)

            def unit_of_work() -> SqlUnitOfWork:
                return SqlUnitOfWork(pool)

            prices = PriceListCache(supplier, clock, p.price_list_refresh_seconds)
            shop = Catalogue(
                supplier,
                prices,
                unit_of_work,
                clock,
                default_margin=Margin(p.margin_flat, p.margin_percent),
                quote_ttl_seconds=p.quote_ttl_seconds,
                inquiries=LimitsRateLimiter(
                    rate_limit_storage(None, "tiketq-ppob"),
                    limit=settings.inquiries.limit,
                    window_seconds=settings.inquiries.window_seconds,
                ),
            )
            policy = PurchasePolicy(
                quote_ttl_seconds=p.quote_ttl_seconds,
                low_deposit_threshold=p.low_deposit_threshold,
                deposit_cache_seconds=p.deposit_cache_seconds,
                first_check_seconds=p.first_check_seconds,
                longest_check_seconds=p.longest_check_seconds,
            )
            idle = IdleBackoff(
                p.poll_interval_seconds,
                settings.idle_poll.max_seconds,
                let_go=partial(close_idle_pooled_connection, pool),
            )
            purchases = Purchases(
                supplier, shop, unit_of_work, clock, alerts or PrometheusAlerts(), policy, idle.wake
            )
            app.state.pool = pool
            app.state.catalogue = shop
            app.state.purchases = purchases
            app.state.price_list = prices
            hold_keys = IdempotencyStore.configured(pool, IDEMPOTENCY_KEYS, settings.idempotency)
            app.state.hold_keys = hold_keys
            app.state.callback_reader = callback_reader or DigiflazzCallbacks(
                settings.digiflazz.webhook_secret.get_secret_value()
            )
            app.state.token_verifier = verifier_backed_by_auth_service(
                auth_client,
                settings.jwt,
                internal_token,
                key_source=key_source,
                account_states=account_states,
            )
            background = BackgroundTasks()
            stack.push_async_callback(background.aclose)
            # Not behind `workers`: that switch is the status checker's, and a purge in every
            # process only deletes the same expired rows.
            background.start(
                purge_expired_forever(hold_keys, settings.idempotency.purge_interval_seconds),
                name="idempotency-purge",
            )
            if run_workers:
                background.start(_check_pending_forever(purchases, idle), name="ppob-status-checks")
            yield

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    app = create_service_app(
        name="ppob-service",
        title="TiketQ PPOB",
        version=VERSION,
        description=(
            "PPOB through a Digiflazz-shaped aggregator: phone credit (pulsa) and data for every operator, "
            "PLN prepaid tokens, e-money top-ups and postpaid bills (PLN, BPJS, PDAM, Telkom). Browsing and "
            "inquiries are public; purchases go through orders; admins see the deposit, margin and pending "
            "purchases."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[
            {"name": "ppob", "description": "Catalogue and inquiries (public)."},
            {"name": "ppob admin", "description": "Deposit, margin and purchases (admin)."},
            {"name": "webhooks", "description": "The aggregator's signed callbacks."},
        ],
    )
    app.state.internal_token = internal_token  # read by shared.internal.require_internal
    app.state.trusted_proxies = settings.inquiries.trusted_networks  # read by routes.catalogue
    app.include_router(catalogue.router)
    app.include_router(admin.router)
    app.include_router(webhooks.router)
    app.include_router(bookings.router)  # /internal/bookings: not in the OpenAPI schema
    return app
