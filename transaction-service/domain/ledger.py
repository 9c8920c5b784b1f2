"""The shared core every use case of the money path stands on: who is asking, the unit of work,
the clock, state moves that are checked and audited, row locks taken in one order, and the
names of the work-queue jobs.

Each state change goes through `Ledger.move` (transition table check + audit row), and the audit
rows, outbox events and work-queue jobs are written in the same unit of work as the change they
describe. Calls to other services are never made while a unit of work holds row locks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from domain.errors import NotFound
from domain.models import OPEN_PAYMENT, check
from domain.ports import Clock
from domain.records import Order, Payment, Refund, Transaction
from domain.repository import LedgerUnitOfWork, UnitOfWorkFactory

JOB_ISSUE = "booking.issue"  # ask the product to issue a paid booking
JOB_POLL = "booking.poll"  # read a pending booking again until the supplier has decided
JOB_RELEASE = "booking.release"  # cancel the booking at the product (a hold, or an issued one)
JOB_REFUND = "payment.refund"  # an automatic refund through payment-service
PAYMENT_STATUS_CHANGED = "payment.status_changed"
OPEN = [str(p) for p in OPEN_PAYMENT]

_ENTITY = {Order: "order", Transaction: "transaction", Payment: "payment", Refund: "refund"}
R = TypeVar("R", Order, Transaction)


@dataclass(frozen=True)
class Caller:
    """Who asks: an account (user or admin)."""

    account_id: str
    is_admin: bool = False


SYSTEM = Caller("system", is_admin=True)


def system_actor(job: str) -> str:
    """How the audit log names work the system did on its own (a job, the sweeper)."""
    return f"system:{job}"


def owned(record: R | None, caller: Caller, what: str) -> R:
    """The record, if the caller may see it. Someone else's answers exactly like a missing one,
    so ids cannot be probed."""
    if record is None or (not caller.is_admin and record.user_id != caller.account_id):
        raise NotFound(what)
    return record


def instant(value: Any) -> datetime | None:
    """An ISO-8601 instant from an event (UTC when it carries no offset); None if absent/garbage."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class Ledger:
    """The unit of work and the clock, shared by every use case (a unit of work hands the events
    and jobs it committed to their relays itself)."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        reading: UnitOfWorkFactory | None = None,
    ) -> None:
        self.unit_of_work = unit_of_work
        # For one-statement reads that neither lock nor write (a status poll, a cap's count).
        self.reading = reading or unit_of_work
        self.clock = clock

    async def move(
        self,
        uow: LedgerUnitOfWork,
        record: Order | Transaction | Payment | Refund,
        target: str,
        actor: str,
        reason: str | None = None,
    ) -> None:
        """Moves a record to `target` (checked against its table), audits and saves it."""
        entity = _ENTITY[type(record)]
        current = str(record.status)
        check(entity, current, target)
        now = self.clock()
        record.status = type(record.status)(target)
        if not isinstance(record, Refund):
            record.updated_at = now
        await uow.save(record)
        await uow.audit(entity, record.id, current, target, actor, reason, now)

    async def note(self, uow: LedgerUnitOfWork, order: Order, actor: str, reason: str) -> None:
        """An audit row for something that happened to an order without changing its status."""
        await uow.audit("order", order.id, order.status, order.status, actor, reason, self.clock())

    async def chain(self, uow: LedgerUnitOfWork, order_id: uuid.UUID) -> tuple[Order, Transaction | None]:
        """The order and its transaction, locked in the one order every flow uses (orders →
        transactions → payments → refunds), so two flows touching one order never deadlock: one
        round trip (an order without a transaction, which no flow leaves, takes a second)."""
        chain = await uow.order_chain(order_id)
        if chain is not None:
            return chain
        order = await uow.order(order_id, lock=True)
        if order is None:
            raise NotFound("order")
        return order, await uow.transaction_of_order(order_id, lock=True)

    async def transaction_chain(
        self, uow: LedgerUnitOfWork, transaction_id: uuid.UUID
    ) -> tuple[Order, Transaction] | None:
        """A transaction with its order, both locked in the one order, in one round trip; None if
        the transaction is unknown."""
        return await uow.transaction_chain(transaction_id)

    async def payment_chain(
        self, uow: LedgerUnitOfWork, payment_id: uuid.UUID
    ) -> tuple[Order, Transaction, Payment] | None:
        """A payment with its order and transaction, all locked in the one order, in one round
        trip; None if the payment is unknown."""
        return await uow.payment_chain(payment_id)
