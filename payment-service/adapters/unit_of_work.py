"""The payments' unit of work straight on asyncpg: one transaction per unit, rolled back unless the
use case commits, its statements plain SQL (adapters/statements.py). Through SQLAlchemy's session
each statement of a charge and of a notification (the charge's look-up, insert, locked read and
update, the event, the notification recorded) cost several times the CPU of the same statement
here, in the session, connection and result wrappers and the greenlet hop, for no check these
statements need.

The unlocked read before a gateway call (`PgChargeReader`) is one statement on its own, outside a
transaction, on shared.db's ReadPool; so is a row that is a whole change by itself
(`PgStandaloneWrites`: a new charge's row, a notification that changes nothing), committed as it
runs. JSONB columns go as JSON text (`json.dumps`: a None is JSON null) and come back as text
(asyncpg's own codec), decoded here."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from adapters.db import charge_from_row, mutable_columns, refund_from_row, refund_to_json
from adapters.statements import (
    ADD_CHARGE,
    ADD_NOTIFICATION,
    ADD_REFUND,
    CHARGE,
    CHARGE_LOCKED,
    FORGET_INSTRUCTIONS,
    PURGE_REJECTED,
    REDUCE,
    REFUND,
    SAVE_CHARGE,
    TO_REDUCE,
)
from domain.models import Charge
from domain.repository import (
    ChargeRepository,
    EventOutbox,
    NotificationLog,
    ReceivedNotification,
    Refund,
    RefundRepository,
    StoredNotification,
)
from shared.db import AsyncpgUnitOfWork, ReadPool, pooled_connection
from shared.outbox import NO_DISPATCH, Dispatcher, OutboxEvent, add_event_once_on_connection


def _count(status: str) -> int:
    """The row count of a command's status ("INSERT 0 1", "DELETE 3")."""
    return int(status.rsplit(" ", 1)[-1])


def _from_json(value: str | None) -> Any:
    return json.loads(value) if value is not None else None


def _charge(record: asyncpg.Record | None) -> Charge | None:
    if record is None:
        return None
    row = dict(record.items())
    row["request"] = json.loads(row["request"])
    return charge_from_row(row)


class PgChargeRepository:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def get(self, order_id: str, *, lock: bool = False) -> Charge | None:
        statement = CHARGE_LOCKED if lock else CHARGE
        return _charge(await self._connection.fetchrow(statement.sql, *statement.args(order_id=order_id)))

    async def add(self, charge: Charge) -> bool:
        return await _add_charge(self._connection, charge)

    async def save(self, charge: Charge) -> None:
        values = {"charge_id": charge.id, **_mutable_values(charge)}
        await self._connection.execute(SAVE_CHARGE.sql, *SAVE_CHARGE.args(**values))


def _mutable_values(charge: Charge) -> dict[str, Any]:
    values = mutable_columns(charge)
    values["request"] = json.dumps(values["request"])
    return values


async def _add_charge(connection: asyncpg.Connection, charge: Charge) -> bool:
    values = {
        "id": charge.id,
        "order_id": charge.order_id,
        "gateway": charge.gateway,
        "gross_amount": charge.gross_amount,
        "currency": charge.currency,
        "expires_at": charge.expires_at,
        "idempotency_key": charge.idempotency_key,
        "created_at": charge.created_at,
        **_mutable_values(charge),
    }
    return _count(await connection.execute(ADD_CHARGE.sql, *ADD_CHARGE.args(**values))) > 0


async def _add_notification(connection: asyncpg.Connection, notification: ReceivedNotification) -> None:
    values = {
        "id": notification.id,
        "gateway": notification.gateway,
        "order_id": notification.order_id,
        "transaction_status": notification.transaction_status,
        "verdict": notification.verdict.value,
        "detail": notification.detail,
        "raw_body": notification.raw_body.replace("\x00", ""),  # PostgreSQL text has no NUL
        "body": json.dumps(notification.body if "\\u0000" not in notification.raw_body else None),
        "received_at": notification.received_at,
    }
    await connection.execute(ADD_NOTIFICATION.sql, *ADD_NOTIFICATION.args(**values))


class PgChargeReader:
    """The charge as last committed, one SELECT on its own (no BEGIN or ROLLBACK around it)."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def read(self, order_id: str) -> Charge | None:
        return _charge(await self._reads.fetchrow(CHARGE.sql, *CHARGE.args(order_id=order_id)))


class PgStandaloneWrites:
    """A new charge's row, or a notification recorded with no change to the charge: one INSERT on
    its own on a pooled connection, committed as it runs (no BEGIN or COMMIT around it), as the
    Idempotency-Key records are written."""

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout

    async def add_charge(self, charge: Charge) -> bool:
        async with pooled_connection(self._pool, self._acquire_timeout) as connection:
            return await _add_charge(connection, charge)

    async def add_notification(self, notification: ReceivedNotification) -> None:
        async with pooled_connection(self._pool, self._acquire_timeout) as connection:
            await _add_notification(connection, notification)


class PgNotificationLog:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def add(self, notification: ReceivedNotification) -> None:
        await _add_notification(self._connection, notification)

    async def purge_rejected(self, received_before: datetime) -> int:
        arguments = PURGE_REJECTED.args(before=received_before)
        return _count(await self._connection.execute(PURGE_REJECTED.sql, *arguments))

    async def accepted_to_reduce(self, received_before: datetime, limit: int) -> list[StoredNotification]:
        records = await self._connection.fetch(
            TO_REDUCE.sql, *TO_REDUCE.args(before=received_before, limit=limit)
        )
        return [
            StoredNotification(r["id"], r["gateway"], r["raw_body"], _from_json(r["body"])) for r in records
        ]

    async def reduce(self, notification_id: uuid.UUID, body: dict[str, Any], reduced_at: datetime) -> None:
        text_body = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        values = {
            "notification_id": notification_id,
            "raw_body": text_body.replace("\\u0000", ""),  # PostgreSQL text and JSONB hold no NUL
            "body": json.dumps(body if "\\u0000" not in text_body else None),
            "reduced_at": reduced_at,
        }
        await self._connection.execute(REDUCE.sql, *REDUCE.args(**values))


class PgRefundRepository:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def get(self, refund_key: str) -> Refund | None:
        record = await self._connection.fetchrow(REFUND.sql, *REFUND.args(refund_key=refund_key))
        if record is None:
            return None
        row = dict(record.items())
        row["result"] = json.loads(row["result"])
        return refund_from_row(row)

    async def add(self, refund: Refund) -> None:
        values = {
            "refund_key": refund.refund_key,
            "order_id": refund.order_id,
            "amount": refund.amount,
            "reason": refund.reason,
            "result": json.dumps(refund_to_json(refund)),
            "created_at": refund.created_at,
        }
        await self._connection.execute(ADD_REFUND.sql, *ADD_REFUND.args(**values))


class PgEventOutbox:
    """The events, written in the unit of work's transaction: leased for the relay to deliver
    right after the commit when it runs in this process (shared/outbox.py, dispatch)."""

    def __init__(self, connection: asyncpg.Connection, relay: Dispatcher) -> None:
        self._connection = connection
        self._relay = relay
        self.added: list[OutboxEvent] = []

    async def add_once(self, event_id: uuid.UUID, topic: str, payload: dict[str, Any]) -> bool:
        event = OutboxEvent.new(topic, payload, event_id)
        dispatched = self._relay.dispatches
        added = await add_event_once_on_connection(self._connection, "outbox", event, dispatched=dispatched)
        if added and dispatched:
            self.added.append(event)
        return added

    async def forget_payment_instructions(self, delivered_before: datetime, limit: int) -> int:
        values = {"before": delivered_before, "limit": limit}
        return len(await self._connection.fetch(FORGET_INSTRUCTIONS.sql, *FORGET_INSTRUCTIONS.args(**values)))


class PgPaymentUnitOfWork(AsyncpgUnitOfWork):
    """Hands the events it committed to the outbox relay, which delivers them at once."""

    charges: ChargeRepository
    notifications: NotificationLog
    refunds: RefundRepository
    events: EventOutbox

    def __init__(
        self,
        pool: asyncpg.Pool,
        relay: Dispatcher = NO_DISPATCH,
        *,
        acquire_timeout: float = 30.0,
    ) -> None:
        super().__init__(pool, acquire_timeout=acquire_timeout)
        self._relay = relay

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.charges = PgChargeRepository(connection)
        self.notifications = PgNotificationLog(connection)
        self.refunds = PgRefundRepository(connection)
        self._outbox = PgEventOutbox(connection, self._relay)
        self.events = self._outbox

    async def commit(self) -> None:
        await super().commit()
        added, self._outbox.added = self._outbox.added, []
        self._relay.dispatch(added)
