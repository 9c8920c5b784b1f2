"""auth-service composition root: settings → adapters → use cases → FastAPI app.

Everything that needs the database is built in the lifespan; tests build the app through the
same function, passing cheaper or fake collaborators as keyword overrides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import asyncpg
import httpx
from fastapi import FastAPI
from limits.aio.storage import Storage
from starlette.middleware import Middleware

from adapters.account_states import AccountReader, DatabaseAccountStates
from adapters.clock import SystemClock
from adapters.login_throttle import LimitsLoginThrottle, rate_limit_storage
from adapters.passwords import Argon2PasswordHasher
from adapters.repositories import OUTBOX
from adapters.signing import JwtAccessTokenIssuer, SigningKey, jwks
from adapters.unit_of_work import AuthUnitOfWork
from config import Settings
from domain.administration import AccountAdministration
from domain.registration import BootstrapOutcome, Registration
from domain.repository import Clock, PasswordHasher, UnitOfWork
from domain.retention import RefreshTokenRetention
from domain.sessions import Sessions
from routes import auth, internal, users
from routes.deps import AuthServices
from routes.errors import ERROR_MAP, install_auth_error_handlers
from routes.me_fast_path import MeFastPath
from shared.background import BackgroundTasks
from shared.db import DatabaseBusy, ReadPool, create_asyncpg_pool, ping
from shared.http import make_client
from shared.outbox import OutboxRelay, OutboxRetention, SignedWebhookDelivery
from shared.service_app import create_service_app
from shared.tokens import StaticKeySource, TokenVerifier

VERSION = "1.0.0"
BOOTSTRAP_RETRY_SECONDS = 2.0
# A slow user-service holds up only the relay; an unanswered event is retried with backoff.
EVENT_DELIVERY_TIMEOUT_SECONDS = 5.0
# How long a unit of work or a read waits for a pooled connection: longer is a 503
# database-unavailable (shared.db.DatabaseBusy).
POOL_TIMEOUT_SECONDS = 30.0
# What a database that is down, busy, still starting or not migrated yet raises: the bootstrap
# admin is then retried, not fatal.
DATABASE_NOT_READY = (
    OSError,
    DatabaseBusy,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)

logger = logging.getLogger("auth-service")


def create_app(
    settings: Settings | None = None,
    *,
    password_hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
    signing_key: SigningKey | None = None,
    rate_limit_store: Storage | None = None,
    user_service_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or Settings.from_env()
    pem = settings.jwt.private_key.get_secret_value() if settings.jwt.private_key else None
    ephemeral_key = signing_key is None and pem is None
    # Settings refuse a missing key outside local/test; locally a throwaway key keeps `make dev`
    # and the OpenAPI export working (tokens then die with the process).
    key = signing_key or (SigningKey.from_pem(pem) if pem else SigningKey.generate())
    hasher = password_hasher or Argon2PasswordHasher()
    clock = clock or SystemClock()
    issuer = JwtAccessTokenIssuer(
        key,
        issuer=settings.jwt.issuer,
        audience=settings.jwt.audience,
        ttl_seconds=settings.jwt.access_ttl_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if ephemeral_key:
            logger.warning("JWT_PRIVATE_KEY is not set: signing with a throwaway key (local only)")
        # One plain asyncpg pool for the units of work, the token checks and account look-ups
        # (one autocommit statement each, shared.db.ReadPool), the relay's passes and both
        # retentions: twice DATABASE_POOL_SIZE. The engine once had twice it for the units of
        # work, beside this pool for the rest; a read holds its connection for one round trip
        # and each background job takes one, so twice is enough. Connections open as needed and
        # close after a few idle seconds: the ceiling costs nothing at rest.
        pool = await create_asyncpg_pool(
            settings.database.model_copy(update={"pool_size": 2 * settings.database.pool_size})
        )
        read_pool = ReadPool(pool, acquire_timeout=POOL_TIMEOUT_SECONDS)
        reader = AccountReader(read_pool)
        client = make_client(
            settings.events.user_service_url,
            timeout=EVENT_DELIVERY_TIMEOUT_SECONDS,
            transport=user_service_transport,
        )
        relay = OutboxRelay(
            pool,
            OUTBOX,
            SignedWebhookDelivery(
                client, settings.events.events_url, settings.events.secret.get_secret_value()
            ),
            poll_interval=settings.events.poll_interval_seconds,
            idle_ceiling_seconds=settings.idle_poll.max_seconds,
        )
        store = rate_limit_store or rate_limit_storage(settings.rate_limit.redis_url)
        throttle = LimitsLoginThrottle(
            store,
            per_account=settings.rate_limit.failures_per_email,
            per_address=settings.rate_limit.failures_per_ip,
            window_seconds=settings.rate_limit.window_seconds,
        )

        def unit_of_work() -> UnitOfWork:
            return AuthUnitOfWork(pool, relay, acquire_timeout=POOL_TIMEOUT_SECONDS)

        services = AuthServices(
            registration=Registration(unit_of_work, hasher, clock),
            sessions=Sessions(
                unit_of_work,
                hasher,
                issuer,
                throttle,
                clock,
                refresh_ttl=timedelta(seconds=settings.jwt.refresh_ttl_seconds),
            ),
            administration=AccountAdministration(unit_of_work, clock, reader),
        )
        app.state.pool = pool
        app.state.services = services
        app.state.outbox_relay = relay
        app.state.login_throttle = throttle
        app.state.token_retention = RefreshTokenRetention(
            unit_of_work, clock, settings.retention.keep_after_expiry
        )
        # auth-service checks tokens against its own key and its own table: no HTTP to itself.
        app.state.token_verifier = TokenVerifier(
            StaticKeySource({key.kid: key.public_key}),
            DatabaseAccountStates(reader),
            issuer=settings.jwt.issuer,
            audience=settings.jwt.audience,
            leeway=settings.jwt.leeway_seconds,
        )
        await services.sessions.prepare()
        app.state.bootstrap_pending = False
        background = BackgroundTasks()
        if settings.bootstrap.enabled and not await _bootstrap_admin(services.registration, settings):
            app.state.bootstrap_pending = True
            background.start(_retry_bootstrap(app, services.registration, settings), name="admin-bootstrap")
        if settings.events.relay_enabled:
            background.start(relay.run(), name="outbox-relay")
        if settings.retention.purge_enabled:
            background.start(
                app.state.token_retention.purge_forever(settings.retention.purge_interval_seconds),
                name="refresh-token-purge",
            )
        if settings.outbox_retention.purge_enabled:
            outbox_retention = OutboxRetention(
                pool, [OUTBOX], settings.outbox_retention.retention, acquire_timeout=POOL_TIMEOUT_SECONDS
            )
            background.start(
                outbox_retention.purge_forever(settings.outbox_retention.purge_interval_seconds),
                name="outbox-retention",
            )
        try:
            yield
        finally:
            await background.aclose()
            await client.aclose()
            await pool.close()

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)
        if settings.rate_limit.redis_url and not await app.state.login_throttle.healthy():
            raise RuntimeError("rate-limit storage unavailable")
        if app.state.bootstrap_pending:
            raise RuntimeError("bootstrap admin not created yet")

    app = create_service_app(
        name="auth-service",
        title="TiketQ Auth",
        version=VERSION,
        description=(
            "Accounts, sign-in and roles. Access tokens are RS256 JWTs (15 minutes) verifiable with "
            "the JWKS at `/auth/.well-known/jwks.json`; refresh tokens are opaque and rotate on use. "
            "Use **Authorize** with your email as the username."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[
            {"name": "auth", "description": "Register, sign in, refresh, sign out."},
            {"name": "users (admin)", "description": "Account administration; admins only."},
        ],
    )
    install_auth_error_handlers(app)
    app.state.internal_token = settings.internal.token.get_secret_value()
    app.state.trusted_proxies = settings.rate_limit.trusted_networks
    app.state.jwks = jwks([key])
    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(internal.router)
    # Innermost, inside the shell (request id, metrics, body cap), as the router is.
    app.user_middleware.append(Middleware(MeFastPath))
    return app


async def _bootstrap_admin(registration: Registration, settings: Settings) -> bool:
    """True when done. A database that is not reachable yet is retried, not fatal: the service
    starts, and /readyz reports not ready until the admin exists."""
    email, password = settings.bootstrap.email, settings.bootstrap.password
    assert email is not None
    assert password is not None
    try:
        outcome = await registration.ensure_bootstrap_admin(email, password.get_secret_value())
    except DATABASE_NOT_READY as exc:
        logger.warning("bootstrap admin not created yet: %s", type(exc).__name__)
        return False
    if outcome is BootstrapOutcome.CREATED:
        logger.info("bootstrap admin created", extra={"email": email})
    elif outcome is BootstrapOutcome.EXISTS_WITHOUT_ADMIN_ROLE:
        logger.warning(
            "BOOTSTRAP_ADMIN_EMAIL belongs to an existing account without the admin role; left unchanged",
            extra={"email": email},
        )
    return True


async def _retry_bootstrap(app: FastAPI, registration: Registration, settings: Settings) -> None:
    # A retry with a pause, not a wait for an event: nothing signals when the database is back.
    while not await _bootstrap_admin(registration, settings):  # noqa: ASYNC110
        await asyncio.sleep(BOOTSTRAP_RETRY_SECONDS)
    app.state.bootstrap_pending = False
