"""flights-service composition root: settings → adapters → domain services → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with fake suppliers, cache, airports or clock in place of the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from adapters.airports import AirportsDataDirectory
from adapters.amadeus import AmadeusClient
from adapters.cache import MemoryOfferCache
from adapters.duffel import DuffelClient
from adapters.unit_of_work import PgBookingUnitOfWork, PgReadingUnitOfWork
from config import Settings
from domain.booking_desk import BookingDesk
from domain.repository import AirportDirectory, BookingSupplier, Clock, OfferCache
from domain.services import FlightSearch, OfferDesk, SearchPolicy
from routes import bookings, flights
from routes.encoded import EncodedResults
from routes.errors import ERROR_MAP
from routes.schemas import SearchOut
from shared.background import BackgroundTasks
from shared.db import ReadPool, create_asyncpg_pool, ping
from shared.http import make_client
from shared.idempotency import IdempotencyStore, purge_expired_forever
from shared.kept_answers import KeptAnswers
from shared.rate_limit import LimitsRateLimiter, rate_limit_storage
from shared.service_app import create_service_app

VERSION = "1.0.0"


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    suppliers: Sequence[BookingSupplier] | None = None,
    cache: OfferCache | None = None,
    airports: AirportDirectory | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Overrides replace what would otherwise talk to the outside world: the suppliers, the
    offer cache (Redis when REDIS_URL is set) and the airport dataset."""
    settings = settings or Settings.from_env()
    policy = SearchPolicy(
        deadline_seconds=settings.search.deadline_seconds,
        offer_ttl_seconds=settings.search.offer_ttl_seconds,
    )
    # A supplier call never needs longer than the search deadline, plus slack for pricing.
    supplier_timeout = settings.search.deadline_seconds + 2.0

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            directory = airports or AirportsDataDirectory()

            clients: list[BookingSupplier] = list(suppliers) if suppliers is not None else []
            if suppliers is None:
                enabled = settings.suppliers.enabled
                if "amadeus" in enabled:
                    amadeus_http = make_client(settings.suppliers.amadeus_base_url, timeout=supplier_timeout)
                    stack.push_async_callback(amadeus_http.aclose)
                    clients.append(
                        AmadeusClient(
                            amadeus_http,
                            client_id=settings.suppliers.amadeus_client_id,
                            client_secret=settings.suppliers.amadeus_client_secret.get_secret_value(),
                            airports=directory,
                        )
                    )
                if "duffel" in enabled:
                    duffel_http = make_client(settings.suppliers.duffel_base_url, timeout=supplier_timeout)
                    stack.push_async_callback(duffel_http.aclose)
                    clients.append(
                        DuffelClient(
                            duffel_http,
                            access_token=settings.suppliers.duffel_access_token.get_secret_value(),
                            airports=directory,
                        )
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

            disabled = settings.suppliers.disabled if suppliers is None else ()
            search = FlightSearch(clients, offer_cache, policy, disabled=disabled)
            app.state.airports = directory
            app.state.airport_answers = KeptAnswers()
            app.state.clock = clock
            app.state.flight_search = search
            app.state.search_answers = EncodedResults(SearchOut)
            limits = settings.price_checks
            price_checks = LimitsRateLimiter(
                rate_limit_storage(settings.search.redis_url, "tiketq-flights"),
                limit=limits.limit,
                window_seconds=limits.window_seconds,
            )
            app.state.offer_desk = OfferDesk(search.suppliers, offer_cache, policy, price_checks)
            # The bookings' units of work (adapters/unit_of_work.py) and the Idempotency-Keys of
            # holds on a plain asyncpg pool.
            pool = await create_asyncpg_pool(settings.database)
            stack.push_async_callback(pool.close)
            app.state.pool = pool
            reading = PgReadingUnitOfWork(ReadPool(pool, acquire_timeout=30.0))
            app.state.hold_keys = IdempotencyStore.configured(pool, "idempotency_keys", settings.idempotency)
            tasks = BackgroundTasks()
            stack.push_async_callback(tasks.aclose)
            tasks.start(
                purge_expired_forever(app.state.hold_keys, settings.idempotency.purge_interval_seconds),
                "idempotency-purge",
            )
            app.state.booking_desk = BookingDesk(
                {c.name: c for c in clients},
                offer_cache,
                directory,
                lambda: PgBookingUnitOfWork(pool),
                clock,
                offer_ttl_seconds=policy.offer_ttl_seconds,
                reading=lambda: reading,
            )
            yield

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    internal_token = settings.internal.token.get_secret_value()
    app = create_service_app(
        name="flights-service",
        title="TiketQ Flights",
        version=VERSION,
        description=(
            "Flight search across suppliers (Amadeus- and Duffel-shaped) under one deadline, "
            "normalised and de-duplicated offers in IDR, cached offers and re-pricing. "
            "Browsing is public: no token is needed."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[{"name": "flights", "description": "Airports, search, offers and pricing (public)."}],
    )
    app.state.internal_token = internal_token  # read by shared.internal.InternalCaller
    app.state.trusted_proxies = settings.price_checks.trusted_networks  # read by routes.flights
    app.include_router(flights.router)
    app.include_router(bookings.router)  # /internal/bookings: not in the OpenAPI schema
    return app
