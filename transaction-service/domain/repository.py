"""The storage port of the money path: one unit of work = one database transaction.

`lock=True` reads take a row lock held until the unit of work ends. Use cases lock in one order
everywhere — orders → transactions → payments → refunds — so two flows touching one order never
deadlock. Nothing is written until `commit()`; leaving the `async with` without it rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from domain.records import AuditEntry, Order, Payment, Record, Refund, Transaction


@dataclass(frozen=True)
class OrderFilter:
    user_id: str | None  # None: every user's (admin)
    status: str | None = None
    service_type: str | None = None


@dataclass(frozen=True)
class TransactionFilter:
    user_id: str | None
    status: str | None = None
    transaction_type: str | None = None
    created_from: date | None = None  # Asia/Jakarta days, inclusive (as the reports)
    created_to: date | None = None


class LedgerUnitOfWork(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    # --- reads ---
    async def order(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None: ...

    async def transaction(self, transaction_id: uuid.UUID, *, lock: bool = False) -> Transaction | None: ...

    async def transaction_of_order(
        self, order_id: uuid.UUID, *, lock: bool = False
    ) -> Transaction | None: ...

    async def order_with_transaction_id(self, order_id: uuid.UUID) -> tuple[Order, uuid.UUID | None] | None:
        """The order and its transaction's id in one read (no locks)."""
        ...

    # The chains: each reads and locks its rows in one round trip, in the one order every flow
    # locks them (orders → transactions → payments → refunds).
    async def order_chain(self, order_id: uuid.UUID) -> tuple[Order, Transaction] | None:
        """An order with its transaction, both locked; None if either is missing."""
        ...

    async def transaction_chain(self, transaction_id: uuid.UUID) -> tuple[Order, Transaction] | None:
        """A transaction with its order, both locked; None if the transaction is unknown."""
        ...

    async def payment_chain(self, payment_id: uuid.UUID) -> tuple[Order, Transaction, Payment] | None:
        """A payment with its transaction and order, all locked; None if the payment is unknown."""
        ...

    async def payment(self, payment_id: uuid.UUID, *, lock: bool = False) -> Payment | None: ...

    async def payments_of(
        self, transaction_id: uuid.UUID, statuses: Sequence[str] | None = None, *, lock: bool = False
    ) -> list[Payment]: ...

    async def refund_by_key(self, refund_key: str, *, lock: bool = False) -> Refund | None: ...

    async def refund(self, refund_id: uuid.UUID, *, lock: bool = False) -> Refund | None: ...

    async def pending_refunds_total(self, payment_id: uuid.UUID) -> Decimal: ...

    async def expired_holds(self, now: datetime, limit: int) -> list[uuid.UUID]: ...

    async def unpaid_orders(self, user_id: str, now: datetime, *, lock: bool = False) -> int:
        """How many of this account's orders wait for payment (DRAFT or CONFIRMED, hold not run
        out). `lock=True` also serialises order recording for the account until the unit of
        work ends, so two orders made at once cannot both slip under the cap."""
        ...

    async def overdue_payments(self, before: datetime, limit: int) -> list[uuid.UUID]: ...

    async def list_orders(
        self, where: OrderFilter, limit: int, offset: int
    ) -> tuple[list[tuple[Order, uuid.UUID | None]], int]:
        """Newest first, each with its transaction id."""
        ...

    async def list_transactions(
        self, where: TransactionFilter, limit: int, offset: int
    ) -> tuple[list[Transaction], int]: ...

    async def audit_trail(self, transaction: Transaction) -> list[AuditEntry]: ...

    # --- writes ---
    async def add(self, record: Record) -> None: ...

    async def save(self, record: Record) -> None: ...

    async def audit(
        self,
        entity: str,
        entity_id: uuid.UUID,
        from_status: str | None,
        to_status: str,
        actor: str,
        reason: str | None,
        at: datetime,
    ) -> None: ...

    async def add_event(self, topic: str, payload: dict[str, Any]) -> None:
        """An outbox event, published after commit."""
        ...

    async def add_job(self, topic: str, payload: dict[str, Any]) -> None:
        """A work-queue job, run after commit (retried with back-off until it returns)."""
        ...

    async def record_event(self, event_id: uuid.UUID, topic: str) -> bool:
        """False if this event id was recorded before (a replay); waits for a concurrent copy."""
        ...


UnitOfWorkFactory = Callable[[], LedgerUnitOfWork]
"""Makes units of work. The reading kind (`Ledger.reading`) is for reads of one statement that
neither lock nor write: it runs without a database transaction, each statement seeing the latest
commit, and saves the round trips of opening and ending one."""
