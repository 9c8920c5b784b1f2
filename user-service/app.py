"""user-service composition root: settings → adapters → domain services → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with fakes in place of auth-service.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from adapters.auth_accounts import HttpAccountDirectory
from adapters.db import SqlMessagePreferences, SqlUnitOfWork
from adapters.personal_data import KEY_BYTES, PersonalDataCipher
from config import Settings
from domain.account_events import AccountEventConsumer
from domain.repository import AccountDirectory, Clock
from domain.services import ProfileService
from routes import internal_events, internal_preferences, users
from routes.errors import ERROR_MAP
from shared.db import ReadPool, create_asyncpg_pool, ping
from shared.http import make_client
from shared.service_app import create_service_app
from shared.tokens import AccountStateSource, KeySource, verifier_backed_by_auth_service

VERSION = "1.0.0"
# How long a read waits for a pooled connection before the answer is 503 (SQLAlchemy's pool
# timeout, which the units of work keep too).
POOL_TIMEOUT_SECONDS = 30.0

logger = logging.getLogger("user-service")


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    key_source: KeySource | None = None,
    account_states: AccountStateSource | None = None,
    account_directory: AccountDirectory | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """Overrides replace what would otherwise talk to auth-service: its signing keys (JWKS),
    the account states token checks use, and the accounts API."""
    settings = settings or Settings.from_env()
    internal_token = settings.internal.token.get_secret_value()
    cipher = personal_data_cipher(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # Units of work and the message-preference reads on one plain asyncpg pool of up to
            # twice DATABASE_POOL_SIZE connections: the ceiling the SQLAlchemy engine it replaces
            # had, so a burst waits for a connection no sooner than before. None is opened before
            # the first use and an idle one closes after a few seconds, so the ceiling costs an
            # idle service nothing.
            pool = await create_asyncpg_pool(
                settings.database.model_copy(update={"pool_size": 2 * settings.database.pool_size})
            )
            stack.push_async_callback(pool.close)
            # One pooled client for auth-service: JWKS, account states and the accounts API.
            auth_client = make_client(settings.internal.auth_service_url)
            stack.push_async_callback(auth_client.aclose)

            accounts = account_directory or HttpAccountDirectory(auth_client, internal_token)

            def unit_of_work() -> SqlUnitOfWork:
                return SqlUnitOfWork(pool, cipher)

            app.state.pool = pool
            app.state.internal_token = internal_token
            app.state.account_events_secret = settings.events.secret.get_secret_value()
            app.state.token_verifier = verifier_backed_by_auth_service(
                auth_client,
                settings.jwt,
                internal_token,
                key_source=key_source,
                account_states=account_states,
            )
            preferences = SqlMessagePreferences(ReadPool(pool, acquire_timeout=POOL_TIMEOUT_SECONDS))
            app.state.profile_service = ProfileService(unit_of_work, accounts, clock, preferences)
            app.state.account_events = AccountEventConsumer(unit_of_work, clock)
            yield

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    app = create_service_app(
        name="user-service",
        title="TiketQ Users",
        version=VERSION,
        description=(
            "Traveller profiles: name, phone, date of birth, nationality and identity number, "
            "keyed by the auth-service account id. A profile is created when an account registers."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[{"name": "users", "description": "Profiles of TiketQ accounts."}],
    )
    app.include_router(users.router)
    app.include_router(internal_events.router)
    app.include_router(internal_preferences.router)  # for notification-service
    return app


def personal_data_cipher(settings: Settings) -> PersonalDataCipher:
    """The configured keys. Settings refuse missing ones outside local/test; there a throwaway key
    lets the app build (the OpenAPI export), and what it encrypts dies with the process."""
    keys, hash_key = settings.personal_data.keys, settings.personal_data.hash_key
    if keys is not None and hash_key is not None:
        return PersonalDataCipher.from_text(keys.get_secret_value(), hash_key.get_secret_value())
    logger.warning(
        "PERSONAL_DATA_KEYS or PERSONAL_DATA_HASH_KEY is not set: using a throwaway key (local only)"
    )
    throwaway = os.urandom(KEY_BYTES)
    return PersonalDataCipher("throwaway", {"throwaway": throwaway}, os.urandom(KEY_BYTES))
