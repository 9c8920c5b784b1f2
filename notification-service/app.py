"""notification-service composition root: settings → adapters → domain services → FastAPI app.

The only module that knows every layer. `create_app(settings, **overrides)` is also how tests
build the app, with fake senders, preferences, clock or token sources in place of the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from functools import partial

from fastapi import FastAPI

from adapters.db import SqlNotificationReader
from adapters.event_consumer import RabbitMqEventConsumer
from adapters.event_log import PgEventLog
from adapters.infobip_sms import InfobipSmsSender
from adapters.smtp_sender import SmtpSender
from adapters.templates_renderer import TemplateRenderer
from adapters.ticket_pdf import FpdfTicketPrinter
from adapters.unit_of_work import PgUnitOfWork
from adapters.user_preferences import UserServicePreferences
from config import Settings
from domain.deliver import Deliveries, RetryPolicy
from domain.models import Channel
from domain.ports import Clock, PreferenceSource, Sender
from domain.reads import NotificationReads
from domain.receive_event import ReceiveEvent
from domain.retention import PurgeOldRecords, RetentionPolicy
from routes import events, notifications
from routes.errors import ERROR_MAP
from shared.background import BackgroundTasks
from shared.db import ReadPool, close_idle_pooled_connection, create_asyncpg_pool, ping
from shared.http import make_client
from shared.idle_backoff import IdleBackoff
from shared.service_app import create_service_app
from shared.tokens import AccountStateSource, KeySource, verifier_backed_by_auth_service

VERSION = "1.0.0"


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None,
    *,
    senders: Mapping[Channel, Sender] | None = None,
    preferences: PreferenceSource | None = None,
    key_source: KeySource | None = None,
    account_states: AccountStateSource | None = None,
    clock: Clock = utc_now,
    workers: bool | None = None,
) -> FastAPI:
    """Overrides replace what talks to the outside world: the SMTP server and SMS gateway, the
    profiles in user-service, auth-service's keys and account states. `workers=False` keeps the
    delivery loop off (tests drive it)."""
    settings = settings or Settings.from_env()
    run_workers = settings.delivery.workers_enabled if workers is None else workers
    internal_token = settings.internal.token.get_secret_value()
    d = settings.delivery

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            # The events, the deliveries' units of work and the reads of GET /notifications/.
            pool = await create_asyncpg_pool(settings.database)
            stack.push_async_callback(pool.close)
            channels = senders
            if channels is None:
                sms_http = make_client(settings.infobip.base_url, timeout=settings.infobip.timeout_seconds)
                stack.push_async_callback(sms_http.aclose)
                smtp = settings.smtp
                email = SmtpSender(
                    host=smtp.host,
                    port=smtp.port,
                    sender=smtp.sender,
                    sender_name=smtp.sender_name,
                    username=smtp.username,
                    password=smtp.password.get_secret_value() if smtp.password else None,
                    start_tls=smtp.start_tls,
                    use_tls=smtp.use_tls,
                    timeout=smtp.timeout_seconds,
                )
                stack.push_async_callback(email.aclose)  # its kept connection
                channels = {
                    Channel.EMAIL: email,
                    Channel.SMS: InfobipSmsSender(
                        sms_http, settings.infobip.api_key.get_secret_value(), settings.infobip.sender_id
                    ),
                }
            profiles = preferences
            if profiles is None:
                user_http = make_client(d.user_service_url, timeout=5.0)
                stack.push_async_callback(user_http.aclose)
                profiles = UserServicePreferences(user_http, internal_token, d.preferences_cache_seconds)
            auth_client = make_client(settings.internal.auth_service_url)
            stack.push_async_callback(auth_client.aclose)

            def unit_of_work() -> PgUnitOfWork:
                return PgUnitOfWork(pool)

            policy = RetryPolicy(d.first_retry_seconds, d.max_retry_seconds, d.max_attempts)
            # An empty pass before a long sleep closes the connection it used, which the pool
            # would keep a few seconds (shared.db.create_asyncpg_pool).
            idle = IdleBackoff(
                d.poll_interval_seconds,
                settings.idle_poll.max_seconds,
                let_go=partial(close_idle_pooled_connection, pool),
            )
            deliveries = Deliveries(unit_of_work, channels, clock, policy, idle)
            app.state.pool = pool
            app.state.deliveries = deliveries
            app.state.receive_event = ReceiveEvent(
                PgEventLog(pool),
                profiles,
                TemplateRenderer(),
                FpdfTicketPrinter(),
                clock,
                wake=deliveries.wake,
            )
            app.state.reads = NotificationReads(SqlNotificationReader(ReadPool(pool, acquire_timeout=30.0)))
            r = settings.retention
            app.state.retention = PurgeOldRecords(
                unit_of_work, clock, RetentionPolicy(r.messages_days, r.events_days, r.batch_size)
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
            if run_workers:
                background.start(deliveries.run(), name="notification-delivery")
                background.start(app.state.retention.run(r.interval_seconds), name="notification-retention")
            broker = settings.broker
            if broker.url:  # events from the queue; without a broker they come to /internal/events
                consumer = RabbitMqEventConsumer(
                    broker.url, broker.topology(), app.state.receive_event.handle, prefetch=broker.prefetch
                )
                app.state.event_consumer = consumer
                background.start(consumer.run(), name="event-consumer")
            yield

    async def readiness(app: FastAPI) -> None:
        await ping(app.state.pool)

    app = create_service_app(
        name="notification-service",
        title="TiketQ Notifications",
        version=VERSION,
        description=(
            "Email and SMS to customers about their orders: payment instructions, the issued booking "
            "with its e-ticket or voucher, failures and refunds, in Indonesian or English. Messages come "
            "from the money path's events, exactly once per fact, and are retried until the mail server "
            "or SMS gateway takes them. Customers read their own messages; admins anyone's."
        ),
        runtime=settings.runtime,
        lifespan=lifespan,
        readiness=readiness,
        error_map=ERROR_MAP,
        openapi_tags=[{"name": "notifications", "description": "Messages sent to customers."}],
    )
    app.state.order_events_secret = settings.order_events.secret.get_secret_value()  # /internal/events
    app.include_router(notifications.router)
    app.include_router(events.router)  # /internal/events: not in the OpenAPI schema
    return app
