"""ferries-service composition root: settings → adapters → domain services → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with a fake operator, cache or clock in place of the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from adapters.cache import MemoryOfferCache
from adapters.db import IDEMPOTENCY_KEYS, SqlBookingUnitOfWork
from adapters.operator import FerryOperatorClient
from config import Settings
from domain.booking_desk import BookingDesk
from domain.repository import Clock, FerryOperator, OfferCache
from domain.search import Catalogue, FerrySearch
from routes import bookings, ferries
from routes.errors import ERROR_MAP
from shared.background import BackgroundTasks
from shared.db import create_asyncpg_pool, ping
from shared.http import make_client
from shared.idempotency import IdempotencyStore, purge_expired_forever
from shared.kept_answers import KeptAnswers
from shared.service_app import create_service_app

VERSION = "1.0.0"


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    operator: FerryOperator | None = None,
    cache: OfferCache | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Overrides replace what would otherwise talk to the outside world: the ferry operator and
    the offer cache (Redis when REDIS_URL is set, else in memory)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # The bookings' units of work and the Idempotency-Keys on one plain asyncpg pool of
            # twice DATABASE_POOL_SIZE, as many as the units of work had on their own before:
            # issue and cancel hold their connection (the row lock) across the operator's call, and
            # a key's claim or finish is one short statement beside them. The pool opens
            # connections only as needed and closes any idle for a few seconds: the bound costs
            # nothing while idle.
            pool = await create_asyncpg_pool(
                settings.database.model_copy(update={"pool_size": 2 * settings.database.pool_size})
            )
            stack.push_async_callback(pool.close)
            client = operator
            if client is None:
                http = make_client(settings.operator.base_url, timeout=settings.operator.timeout_seconds)
                stack.push_async_callback(http.aclose)
                client = FerryOperatorClient(
                    http,
                    client_id=settings.operator.client_id,
                    client_secret=settings.operator.client_secret.get_secret_value(),
                )
            offer_cache = cache
            if offer_cache is None and settings.search.redis_url:
                from redis.asyncio import Redis  # only with REDIS_URL: adapters/redis_cache.py

                from adapters.redis_cache import RedisOfferCache

                redis = Redis.from_url(
                    settings.search.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
                )
                stack.push_async_callback(redis.aclose)
                offer_cache = RedisOfferCache(redis)
            offer_cache = offer_cache or MemoryOfferCache()
            app.state.pool = pool
            app.state.clock = clock
            app.state.catalogue = Catalogue(client, clock)
            app.state.port_answers = KeptAnswers()
            app.state.ferry_search = FerrySearch(
                client, offer_cache, ttl_seconds=settings.search.offer_ttl_seconds
            )
            app.state.booking_desk = BookingDesk(
                client, offer_cache, lambda: SqlBookingUnitOfWork(pool), clock
            )
            idempotency = IdempotencyStore.configured(pool, IDEMPOTENCY_KEYS, settings.idempotency)
            app.state.idempotency = idempotency
            tasks = BackgroundTasks()
            stack.push_async_callback(tasks.aclose)
            tasks.start(
                purge_expired_forever(idempotency, settings.idempotency.purge_interval_seconds),
                "idempotency-purge",
            )
            yield

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    app = create_service_app(
        name="ferries-service",
        title="TiketQ Ferries",
        version=VERSION,
        description=(
            "Ferry ports, routes and sailing search across Indonesia's straits for passengers and "
            "vehicles (golongan I–IX), with fares per passenger type and vehicle, and bookings held "
            "with the operator. Browsing is public: no token is needed."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[{"name": "ferries", "description": "Ports, routes and sailing search (public)."}],
    )
    app.state.internal_token = settings.internal.token.get_secret_value()  # read by require_internal
    app.include_router(ferries.router)
    app.include_router(bookings.router)  # /internal/bookings: not in the OpenAPI schema
    return app
