"""payment-service tables (charges, raw notifications, refunds, the outbox, Idempotency-Keys) and
the SQLAlchemy implementations of the payment ports. Repositories never commit; the unit of work
does, when a use case says so."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from domain.models import Charge, ChargeStatus
from domain.repository import (
    ChargeRepository,
    EventOutbox,
    NotificationLog,
    ReceivedNotification,
    Refund,
    RefundRepository,
    StoredNotification,
    Verdict,
)
from shared.db import SqlAlchemyUnitOfWork
from shared.idempotency import idempotency_table
from shared.money import money_string
from shared.outbox import add_event_once, outbox_table

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

STATUSES = tuple(s.value for s in ChargeStatus)
VERDICTS = tuple(v.value for v in Verdict)
MONEY = Numeric(14, 2)

charges = Table(
    "charges",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("order_id", String(50), nullable=False, unique=True),  # Midtrans's order_id (the caller's)
    Column("gateway", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("transaction_status", String(40), nullable=True),
    Column("fraud_status", String(40), nullable=True),
    Column("status_code", String(10), nullable=True),
    Column("gross_amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_type", String(40), nullable=True),
    Column("gateway_transaction_id", String(100), nullable=True),
    Column("token", String(200), nullable=True),
    Column("redirect_url", Text, nullable=True),
    Column("refunded_amount", MONEY, nullable=False),
    Column("settlement_time", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("request", JSONB, nullable=False),  # the Snap body we sent (it holds no secret)
    Column("idempotency_key", String(200), nullable=False, unique=True),  # the key it was created under
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
    CheckConstraint("gross_amount > 0", name="gross_positive"),
    CheckConstraint("refunded_amount >= 0 AND refunded_amount <= gross_amount", name="refunded_within_gross"),
)

# Every notification (Midtrans) or callback (Xendit) anyone posted, with what we made of it: an
# accepted one whole, a rejected one as a capped summary, purged after a retention.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("gateway", String(20), nullable=False, server_default="midtrans"),
    Column("order_id", String(100), nullable=True),
    Column("transaction_status", String(100), nullable=True),
    Column("verdict", String(20), nullable=False),
    Column("detail", Text, nullable=True),
    Column("raw_body", Text, nullable=False),
    Column("body", JSONB, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # When an accepted body was reduced to what we act on (domain/personal_data.py); null: whole.
    Column("reduced_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(f"verdict IN {VERDICTS!r}", name="verdict_known"),
    Index("ix_notifications_order_id", "order_id"),
    # The retention job's query: old rejects.
    Index(
        "ix_notifications_rejected_received_at",
        "received_at",
        postgresql_where=text("verdict <> 'accepted'"),
    ),
    # …and accepted ones whose bodies are still whole.
    Index(
        "ix_notifications_unreduced_received_at",
        "received_at",
        postgresql_where=text("verdict = 'accepted' AND reduced_at IS NULL"),
    ),
)

refunds = Table(
    "refunds",
    metadata,
    Column("refund_key", String(200), primary_key=True),  # the Idempotency-Key, Midtrans's refund_key
    Column("order_id", String(50), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("reason", Text, nullable=False),
    Column("result", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
    Index("ix_refunds_order_id", "order_id"),
)

outbox = outbox_table(metadata)
# Idempotency-Key records of POST /internal/charges and …/refunds (shared.idempotency).
idempotency_keys = idempotency_table(metadata)


# --- rows <-> domain --------------------------------------------------------------------------


def charge_from_row(row: RowMapping) -> Charge:
    return Charge(
        id=row["id"],
        order_id=row["order_id"],
        idempotency_key=row["idempotency_key"],
        gross_amount=row["gross_amount"],
        currency=row["currency"],
        request=row["request"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        gateway=row["gateway"],
        status=ChargeStatus(row["status"]),
        transaction_status=row["transaction_status"],
        fraud_status=row["fraud_status"],
        status_code=row["status_code"],
        payment_type=row["payment_type"],
        gateway_transaction_id=row["gateway_transaction_id"],
        settlement_time=row["settlement_time"],
        token=row["token"],
        redirect_url=row["redirect_url"],
        refunded_amount=row["refunded_amount"],
    )


# The statements of the notification and charge paths, built once: building a statement and
# its cache key each call cost more CPU than running it through SQLAlchemy's compiled cache.
_CHARGE_BY_ORDER_ID = select(charges).where(charges.c.order_id == bindparam("order_id"))
_CHARGE_BY_ORDER = (_CHARGE_BY_ORDER_ID, _CHARGE_BY_ORDER_ID.with_for_update())  # [lock]
# The columns a saved charge may change.
_MUTABLE = (
    "status",
    "transaction_status",
    "fraud_status",
    "status_code",
    "payment_type",
    "gateway_transaction_id",
    "settlement_time",
    "token",
    "redirect_url",
    "request",  # the customer leaves it once the gateway has it
    "refunded_amount",
    "updated_at",
)
_ADD_CHARGE = (
    pg_insert(charges)
    .values({column.name: bindparam(column.name) for column in charges.c})
    .on_conflict_do_nothing()  # the key or the order_id: the caller re-reads
)
_SAVE_CHARGE = (
    update(charges)
    .where(charges.c.id == bindparam("charge_id"))
    .values({name: bindparam(f"new_{name}") for name in _MUTABLE})
)


def _mutable_columns(charge: Charge) -> dict[str, Any]:
    values = {name: getattr(charge, name) for name in _MUTABLE}
    values["status"] = charge.status.value
    return values


def refund_to_json(refund: Refund) -> dict[str, Any]:
    return {
        "refund_key": refund.refund_key,
        "order_id": refund.order_id,
        "amount": money_string(refund.amount),
        "reason": refund.reason,
        "status": refund.status,
        "transaction_status": refund.transaction_status,
        "refunded_amount": money_string(refund.refunded_amount),
        "created_at": refund.created_at.isoformat(),
    }


def refund_from_row(row: RowMapping) -> Refund:
    result = row["result"]
    return Refund(
        refund_key=row["refund_key"],
        order_id=row["order_id"],
        amount=row["amount"],
        reason=row["reason"],
        status=result["status"],
        transaction_status=result["transaction_status"],
        refunded_amount=Decimal(result["refunded_amount"]),
        created_at=datetime.fromisoformat(result["created_at"]),
    )


# --- repositories -------------------------------------------------------------------------------


class SqlChargeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, order_id: str, *, lock: bool = False) -> Charge | None:
        row = (await self._session.execute(_CHARGE_BY_ORDER[lock], {"order_id": order_id})).mappings().first()
        return charge_from_row(row) if row is not None else None

    async def add(self, charge: Charge) -> bool:
        result = await self._session.execute(
            _ADD_CHARGE,
            {
                "id": charge.id,
                "order_id": charge.order_id,
                "gateway": charge.gateway,
                "gross_amount": charge.gross_amount,
                "currency": charge.currency,
                "expires_at": charge.expires_at,
                "idempotency_key": charge.idempotency_key,
                "created_at": charge.created_at,
                **_mutable_columns(charge),
            },
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def save(self, charge: Charge) -> None:
        values = _mutable_columns(charge)
        await self._session.execute(
            _SAVE_CHARGE, {"charge_id": charge.id, **{f"new_{k}": v for k, v in values.items()}}
        )


class SqlChargeReader:
    """One SELECT on a pooled connection in autocommit: no BEGIN and no ROLLBACK around it (with
    asyncpg, switching a connection to autocommit and back costs no round trip)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def read(self, order_id: str) -> Charge | None:
        async with self._engine.connect() as conn:
            single = await conn.execution_options(isolation_level="AUTOCOMMIT")
            row = (await single.execute(_CHARGE_BY_ORDER[False], {"order_id": order_id})).mappings().first()
        return charge_from_row(row) if row is not None else None


class SqlNotificationLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notification: ReceivedNotification) -> None:
        await self._session.execute(
            notifications.insert().values(
                id=notification.id,
                gateway=notification.gateway,
                order_id=notification.order_id,
                transaction_status=notification.transaction_status,
                verdict=notification.verdict.value,
                detail=notification.detail,
                raw_body=notification.raw_body.replace("\x00", ""),  # PostgreSQL text has no NUL
                body=notification.body if "\\u0000" not in notification.raw_body else None,
                received_at=notification.received_at,
            )
        )

    async def purge_rejected(self, received_before: datetime) -> int:
        result = await self._session.execute(
            delete(notifications).where(
                notifications.c.verdict != Verdict.ACCEPTED.value,
                notifications.c.received_at < received_before,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def accepted_to_reduce(self, received_before: datetime, limit: int) -> list[StoredNotification]:
        rows = (
            await self._session.execute(
                select(
                    notifications.c.id,
                    notifications.c.gateway,
                    notifications.c.raw_body,
                    notifications.c.body,
                )
                .where(
                    notifications.c.verdict == Verdict.ACCEPTED.value,
                    notifications.c.reduced_at.is_(None),
                    notifications.c.received_at < received_before,
                )
                .order_by(notifications.c.received_at)
                .limit(limit)
                .with_for_update(skip_locked=True)  # another replica's round takes other rows
            )
        ).mappings()
        return [StoredNotification(r["id"], r["gateway"], r["raw_body"], r["body"]) for r in rows]

    async def reduce(self, notification_id: uuid.UUID, body: dict[str, Any], reduced_at: datetime) -> None:
        text_body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        await self._session.execute(
            update(notifications)
            .where(notifications.c.id == notification_id)
            .values(
                raw_body=text_body.replace("\\u0000", ""),  # PostgreSQL text and JSONB hold no NUL
                body=body if "\\u0000" not in text_body else None,
                reduced_at=reduced_at,
            )
        )


class SqlRefundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, refund_key: str) -> Refund | None:
        row = (
            (await self._session.execute(select(refunds).where(refunds.c.refund_key == refund_key)))
            .mappings()
            .first()
        )
        return refund_from_row(row) if row is not None else None

    async def add(self, refund: Refund) -> None:
        await self._session.execute(
            refunds.insert().values(
                refund_key=refund.refund_key,
                order_id=refund.order_id,
                amount=refund.amount,
                reason=refund.reason,
                result=refund_to_json(refund),
                created_at=refund.created_at,
            )
        )


class SqlEventOutbox:
    def __init__(self, session: AsyncSession, on_added: Callable[[], None]) -> None:
        self._session = session
        self._on_added = on_added

    async def add_once(self, event_id: uuid.UUID, topic: str, payload: dict[str, Any]) -> bool:
        added = await add_event_once(self._session, outbox, topic, payload, event_id)
        if added:
            self._on_added()
        return added

    async def forget_payment_instructions(self, delivered_before: datetime, limit: int) -> int:
        # SKIP LOCKED: the relay (or another replica's purge) holding a row keeps it this round.
        result = await self._session.execute(
            text(
                "UPDATE outbox SET payload = payload - 'payment_instructions' WHERE id IN ("
                "SELECT id FROM outbox WHERE delivered_at < :before "
                "AND payload ? 'payment_instructions' LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING id"
            ),
            {"before": delivered_before, "limit": limit},
        )
        return len(result.all())


class PaymentUnitOfWork(SqlAlchemyUnitOfWork):
    """Wakes the outbox relay after a commit that wrote an event, so it leaves now."""

    charges: ChargeRepository
    notifications: NotificationLog
    refunds: RefundRepository
    events: EventOutbox

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_events_committed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(sessions)
        self._on_events_committed = on_events_committed
        self._events_pending = False

    def _bind(self, session: AsyncSession) -> None:
        self.charges = SqlChargeRepository(session)
        self.notifications = SqlNotificationLog(session)
        self.refunds = SqlRefundRepository(session)
        self.events = SqlEventOutbox(session, self._event_added)

    def _event_added(self) -> None:
        self._events_pending = True

    async def commit(self) -> None:
        await super().commit()
        if self._events_pending and self._on_events_committed is not None:
            self._on_events_committed()
        self._events_pending = False
