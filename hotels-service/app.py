"""hotels-service composition root: settings → adapters → domain services → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with a fake supplier, cache or clock in place of the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from adapters.cache import MemorySearchCache
from adapters.db import IDEMPOTENCY_KEYS, SqlBookingUnitOfWork
from adapters.hotelbeds import HotelbedsClient
from config import Settings
from domain.booking_desk import BookingDesk
from domain.ports import Clock, HotelSupplier, SearchCache
from domain.search import HotelSearch, SearchPolicy
from routes import bookings, hotels
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
    supplier: HotelSupplier | None = None,
    cache: SearchCache | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Overrides replace what would otherwise talk to the outside world: the hotel supplier, the
    search cache and the clock."""
    settings = settings or Settings.from_env()
    policy = SearchPolicy(
        search_ttl_seconds=settings.search.search_ttl_seconds,
        offer_ttl_seconds=settings.search.offer_ttl_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # The bookings' units of work and the Idempotency-Keys on one plain asyncpg pool of
            # twice DATABASE_POOL_SIZE, as many as the units of work had on their own before:
            # issue and cancel hold their connection (the row lock) across the supplier's call, and
            # a key's claim or finish is one short statement beside them. The pool opens
            # connections only as needed and closes any idle for a few seconds: the bound costs
            # nothing while idle.
            pool = await create_asyncpg_pool(
                settings.database.model_copy(update={"pool_size": 2 * settings.database.pool_size})
            )
            stack.push_async_callback(pool.close)
            hotel_supplier = supplier
            if hotel_supplier is None:
                http = make_client(settings.hotelbeds.base_url, timeout=settings.hotelbeds.timeout_seconds)
                stack.push_async_callback(http.aclose)
                hotel_supplier = HotelbedsClient(
                    http,
                    api_key=settings.hotelbeds.api_key,
                    secret=settings.hotelbeds.secret.get_secret_value(),
                )
            search_cache = cache or MemorySearchCache()
            app.state.pool = pool
            app.state.clock = clock
            app.state.hotel_search = HotelSearch(hotel_supplier, search_cache, policy)
            app.state.destination_answers = KeptAnswers()
            app.state.booking_desk = BookingDesk(
                hotel_supplier,
                search_cache,
                lambda: SqlBookingUnitOfWork(pool),
                clock,
                quote_ttl_seconds=settings.search.quote_ttl_seconds,
                offer_ttl_seconds=settings.search.offer_ttl_seconds,
            )
            hold_keys = IdempotencyStore.configured(pool, IDEMPOTENCY_KEYS, settings.idempotency)
            app.state.hold_keys = hold_keys
            tasks = BackgroundTasks()
            stack.push_async_callback(tasks.aclose)
            tasks.start(
                purge_expired_forever(hold_keys, settings.idempotency.purge_interval_seconds),
                "idempotency-purge",
            )
            yield

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    app = create_service_app(
        name="hotels-service",
        title="TiketQ Hotels",
        version=VERSION,
        description=(
            "Hotel destinations, availability and rates (Hotelbeds-shaped supplier) with boards and "
            "cancellation policies in the hotel's local time; cached search. Browsing is public: no "
            "token is needed."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[{"name": "hotels", "description": "Destinations, search and hotel details (public)."}],
    )
    app.state.internal_token = settings.internal.token.get_secret_value()  # for shared.internal
    app.include_router(hotels.router)
    app.include_router(bookings.router)  # /internal/bookings: not in the OpenAPI schema
    return app
