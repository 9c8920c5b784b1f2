"""Ports: what the payments domain needs from the outside world. adapters/ implements them;
tests/fakes.py implements them in memory."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from domain.models import Charge, GatewayStatus

Clock = Callable[[], datetime]  # aware, UTC


@dataclass(frozen=True)
class SnapToken:
    """What starting a payment gives back: Midtrans's Snap token, or Xendit's invoice id (then also
    the `reference` every later call names), and the page the payer opens."""

    token: str
    redirect_url: str
    reference: str | None = None


class PaymentGateway(Protocol):
    """One payment gateway (adapters/midtrans.py, adapters/xendit.py). Every method raises
    GatewayUnavailable (transport, 5xx, garbage), GatewayTimeout, or GatewayRejected(status_code,
    message) for an error (Midtrans's status_code, or the HTTP status of Xendit's error).

    `reference` is the gateway's own id of the payment where it needs one (Xendit's invoice id;
    Midtrans names a payment by our order_id and ignores it). A payment the gateway never started
    (no reference yet, or Midtrans before the payer chose a method) is GatewayRejected(404)."""

    async def create_snap(self, payload: dict[str, Any]) -> SnapToken: ...

    async def status(self, order_id: str, reference: str | None = None) -> GatewayStatus: ...

    async def cancel(self, order_id: str, reference: str | None = None) -> GatewayStatus: ...

    async def expire(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        """Midtrans answers status_code 407 on success; that is not an error."""
        ...

    async def refund(
        self, order_id: str, refund_key: str, amount: Decimal, reason: str, reference: str | None = None
    ) -> GatewayStatus: ...


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    FORGED = "forged"
    UNKNOWN_ORDER = "unknown-order"
    AMOUNT_MISMATCH = "amount-mismatch"
    INVALID = "invalid"
    UNCONFIRMED = "unconfirmed"  # the gateway could not be asked for the status; it retries


@dataclass(frozen=True)
class ReceivedNotification:
    """A notification or callback as stored: the body whole when accepted; a rejected one keeps
    only a capped summary (domain/notification_log.py), so junk cannot grow the database."""

    id: uuid.UUID
    received_at: datetime
    verdict: Verdict
    raw_body: str
    body: dict[str, Any] | None
    order_id: str | None
    transaction_status: str | None
    detail: str | None = None
    gateway: str = "midtrans"


@dataclass(frozen=True)
class StoredNotification:
    """An accepted notification whose body is still whole, as the retention job reads it."""

    id: uuid.UUID
    gateway: str
    raw_body: str
    body: dict[str, Any] | None


@dataclass(frozen=True)
class Refund:
    refund_key: str
    order_id: str
    amount: Decimal
    reason: str
    status: str
    transaction_status: str
    refunded_amount: Decimal
    created_at: datetime


class ChargeRepository(Protocol):
    async def get(self, order_id: str, *, lock: bool = False) -> Charge | None:
        """lock=True: SELECT … FOR UPDATE, so concurrent reports on one charge run one at a time."""
        ...

    async def add(self, charge: Charge) -> bool:
        """False (and nothing inserted) when the key or the order_id is already taken."""
        ...

    async def save(self, charge: Charge) -> None: ...


class ChargeReader(Protocol):
    async def read(self, order_id: str) -> Charge | None:
        """The charge as last committed, read on its own (no transaction, no lock): for a check
        before a gateway call, never for a change, which takes the row lock in a unit of work."""
        ...


class UnitOfWorkChargeReader:
    """A ChargeReader through a unit of work, for stores that have no cheaper read."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def read(self, order_id: str) -> Charge | None:
        async with self._uow() as uow:
            return await uow.charges.get(order_id)


class StandaloneWrites(Protocol):
    """Rows that are a whole change by themselves, each one statement committed as it runs (no
    BEGIN and COMMIT round trips around it): at READ COMMITTED a transaction around a single
    statement decides nothing more."""

    async def add_charge(self, charge: Charge) -> bool:
        """A new charge's row; False (and nothing inserted) when the key or the order_id is
        already taken, as ChargeRepository.add."""
        ...

    async def add_notification(self, notification: ReceivedNotification) -> None:
        """A notification or callback recorded with no change to the charge: a refused one, or
        one that is nothing new (domain/status_updates.py, nothing_new)."""
        ...


class UnitOfWorkStandaloneWrites:
    """StandaloneWrites through a unit of work each, for stores that have no cheaper write."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def add_charge(self, charge: Charge) -> bool:
        async with self._uow() as uow:
            added = await uow.charges.add(charge)
            if added:
                await uow.commit()
            return added

    async def add_notification(self, notification: ReceivedNotification) -> None:
        async with self._uow() as uow:
            await uow.notifications.add(notification)
            await uow.commit()


class NotificationLog(Protocol):
    async def add(self, notification: ReceivedNotification) -> None: ...

    async def purge_rejected(self, received_before: datetime) -> int:
        """Deletes rejected notifications received before then; how many went."""
        ...

    async def accepted_to_reduce(self, received_before: datetime, limit: int) -> list[StoredNotification]:
        """Up to `limit` accepted notifications received before then whose bodies are still whole,
        oldest first, locked for this transaction (rows another transaction holds are skipped)."""
        ...

    async def reduce(self, notification_id: uuid.UUID, body: dict[str, Any], reduced_at: datetime) -> None:
        """Replaces the body as received (raw and parsed) by the reduced one."""
        ...


class RefundRepository(Protocol):
    async def get(self, refund_key: str) -> Refund | None: ...

    async def add(self, refund: Refund) -> None: ...


class EventOutbox(Protocol):
    async def add_once(self, event_id: uuid.UUID, topic: str, payload: dict[str, Any]) -> bool:
        """Insert in the current transaction; False when that event id exists already."""
        ...

    async def forget_payment_instructions(self, delivered_before: datetime, limit: int) -> int:
        """Drops `payment_instructions` (virtual account numbers, QR codes) from up to `limit`
        events delivered before `delivered_before`, skipping rows another transaction holds;
        returns how many were changed."""
        ...


class UnitOfWork(Protocol):
    charges: ChargeRepository
    notifications: NotificationLog
    refunds: RefundRepository
    events: EventOutbox

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Rolls back whatever was not committed."""
        ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
