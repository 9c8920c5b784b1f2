"""In-memory stand-ins for the ports, for use-case tests without a database or network:
a unit of work whose writes land only on commit, a booking gateway and a payment gateway."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from domain.errors import ChargePaid
from domain.models import BookingStatus
from domain.ports import Booking, Charge, ChargeRequest, Customer, HoldRequest, Quote, QuoteItem, RefundResult
from domain.records import AuditEntry, Order, Payment, Record, Refund, Transaction
from domain.repository import OrderFilter, TransactionFilter

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@dataclass
class Store:
    records: dict[uuid.UUID, Record] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    jobs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    processed: set[uuid.UUID] = field(default_factory=set)
    fail_next_commit: bool = False

    def of(self, kind: type[Any]) -> list[Any]:
        return [r for r in self.records.values() if isinstance(r, kind)]


class MemoryUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._records: dict[uuid.UUID, Record] = {}
        self._audit: list[AuditEntry] = []
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._jobs: list[tuple[str, dict[str, Any]]] = []
        self._processed: set[uuid.UUID] = set()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        if self.store.fail_next_commit:
            self.store.fail_next_commit = False
            raise RuntimeError("database went away")
        self.store.records.update(copy.deepcopy(self._records))
        self.store.audit += self._audit
        self.store.events += self._events
        self.store.jobs += self._jobs
        self.store.processed |= self._processed

    def _get(self, record_id: uuid.UUID, kind: type[Any]) -> Any:
        record = self._records.get(record_id) or self.store.records.get(record_id)
        return copy.deepcopy(record) if isinstance(record, kind) else None

    def _all(self, kind: type[Any]) -> list[Any]:
        merged = {**self.store.records, **self._records}
        return [copy.deepcopy(r) for r in merged.values() if isinstance(r, kind)]

    async def order(self, order_id: uuid.UUID, *, lock: bool = False) -> Order | None:
        result: Order | None = self._get(order_id, Order)
        return result

    async def transaction(self, transaction_id: uuid.UUID, *, lock: bool = False) -> Transaction | None:
        result: Transaction | None = self._get(transaction_id, Transaction)
        return result

    async def transaction_of_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Transaction | None:
        return next((t for t in self._all(Transaction) if t.order_id == order_id), None)

    async def order_with_transaction_id(self, order_id: uuid.UUID) -> tuple[Order, uuid.UUID | None] | None:
        order = await self.order(order_id)
        tx = await self.transaction_of_order(order_id)
        return None if order is None else (order, tx.id if tx else None)

    async def order_chain(self, order_id: uuid.UUID) -> tuple[Order, Transaction] | None:
        order, tx = await self.order(order_id), await self.transaction_of_order(order_id)
        return None if order is None or tx is None else (order, tx)

    async def transaction_chain(self, transaction_id: uuid.UUID) -> tuple[Order, Transaction] | None:
        tx = await self.transaction(transaction_id)
        order = await self.order(tx.order_id) if tx else None
        return None if order is None or tx is None else (order, tx)

    async def payment_chain(self, payment_id: uuid.UUID) -> tuple[Order, Transaction, Payment] | None:
        payment = await self.payment(payment_id)
        chain = await self.transaction_chain(payment.transaction_id) if payment else None
        return None if chain is None or payment is None else (*chain, payment)

    async def payment(self, payment_id: uuid.UUID, *, lock: bool = False) -> Payment | None:
        result: Payment | None = self._get(payment_id, Payment)
        return result

    async def payments_of(
        self, transaction_id: uuid.UUID, statuses: Sequence[str] | None = None, *, lock: bool = False
    ) -> list[Payment]:
        found = [p for p in self._all(Payment) if p.transaction_id == transaction_id]
        if statuses is not None:
            found = [p for p in found if str(p.status) in [str(s) for s in statuses]]
        return sorted(found, key=lambda p: p.created_at)

    async def refund_by_key(self, refund_key: str, *, lock: bool = False) -> Refund | None:
        return next((r for r in self._all(Refund) if r.refund_key == refund_key), None)

    async def refund(self, refund_id: uuid.UUID, *, lock: bool = False) -> Refund | None:
        result: Refund | None = self._get(refund_id, Refund)
        return result

    async def pending_refunds_total(self, payment_id: uuid.UUID) -> Decimal:
        return sum(
            (r.amount for r in self._all(Refund) if r.payment_id == payment_id and r.status == "PENDING"),
            Decimal(0),
        )

    async def expired_holds(self, now: datetime, limit: int) -> list[uuid.UUID]:
        return [
            o.id
            for o in self._all(Order)
            if o.status == "CONFIRMED" and o.hold_expires_at is not None and o.hold_expires_at <= now
        ][:limit]

    async def unpaid_orders(self, user_id: str, now: datetime, *, lock: bool = False) -> int:
        return sum(
            1
            for o in self._all(Order)
            if o.user_id == user_id
            and o.status in ("DRAFT", "CONFIRMED")
            and (o.hold_expires_at is None or o.hold_expires_at > now)
        )

    async def overdue_payments(self, before: datetime, limit: int) -> list[uuid.UUID]:
        return [
            p.id
            for p in self._all(Payment)
            if p.status in ("PENDING", "CHALLENGE") and p.expires_at is not None and p.expires_at < before
        ][:limit]

    async def list_orders(
        self, where: OrderFilter, limit: int, offset: int
    ) -> tuple[list[tuple[Order, uuid.UUID | None]], int]:
        raise NotImplementedError

    async def list_transactions(
        self, where: TransactionFilter, limit: int, offset: int
    ) -> tuple[list[Transaction], int]:
        raise NotImplementedError

    async def audit_trail(self, transaction: Transaction) -> list[AuditEntry]:
        raise NotImplementedError

    async def add(self, record: Record) -> None:
        assert record.id not in self.store.records
        self._records[record.id] = copy.deepcopy(record)

    async def save(self, record: Record) -> None:
        self._records[record.id] = copy.deepcopy(record)

    async def audit(
        self,
        entity: str,
        entity_id: uuid.UUID,
        from_status: str | None,
        to_status: str,
        actor: str,
        reason: str | None,
        at: datetime,
    ) -> None:
        self._audit.append(
            AuditEntry(
                entity,
                entity_id,
                None if from_status is None else str(from_status),
                str(to_status),
                actor,
                None,
                reason,
                at,
            )
        )

    async def add_event(self, topic: str, payload: dict[str, Any]) -> None:
        self._events.append((topic, payload))

    async def add_job(self, topic: str, payload: dict[str, Any]) -> None:
        self._jobs.append((topic, payload))

    async def record_event(self, event_id: uuid.UUID, topic: str) -> bool:
        if event_id in self.store.processed or event_id in self._processed:
            return False
        self._processed.add(event_id)
        return True


CUSTOMER = Customer("Budi", "Santoso", "budi@example.co.id", "+6281234567890")
E_TICKET = {"kind": "e-ticket", "reference": "975-1", "title": "E-ticket Budi Santoso", "fields": {}}


@dataclass
class MemoryBookings:
    """A product service in memory. `issue_answers` is what issuing answers: `issued` at once,
    or `pending` and later (each GET takes the next of `later`) `pending`, `issued` or `failed`."""

    total: Decimal = Decimal("1500000.00")
    items: tuple[QuoteItem, ...] | None = None  # default: one line of the total
    holds_inventory: bool = True
    issue_answers: str = "issued"
    later: list[str] = field(default_factory=list)
    supported: frozenset[str] = frozenset({"flight"})
    held: dict[str, Booking] = field(default_factory=dict)
    forwarded: list[HoldRequest] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    hold_error: Exception | None = None
    issue_error: Exception | None = None
    get_error: Exception | None = None
    cancel_error: Exception | None = None
    # What the supplier refunds for cancelling an issued booking (None: it names no amount).
    cancel_refund: Decimal | None = Decimal("1350000.00")

    def supports(self, service_type: str) -> bool:
        return service_type in self.supported

    def _set(self, reference: str, **changes: Any) -> Booking:
        booking = replace(self.held[reference], **changes)
        self.held[reference] = booking
        return booking

    async def hold(self, service_type: str, idempotency_key: str, request: HoldRequest) -> Booking:
        if self.hold_error is not None:
            raise self.hold_error
        self.forwarded.append(request)
        items = self.items or (QuoteItem("Adult fare CGK-DPS", 1, self.total),)
        booking = Booking(
            reference=str(uuid.uuid4()),
            service_type=service_type,
            status=BookingStatus.HELD,
            supplier="duffel",
            supplier_reference="HJK1EY",
            holds_inventory=self.holds_inventory,
            hold_expires_at=NOW + timedelta(minutes=20),
            quote=Quote(items, self.total, "IDR"),
            customer=CUSTOMER,
            details={**request.booking_details, "normalised": True},
        )
        self.held[booking.reference] = booking
        return booking

    async def get(self, service_type: str, reference: str) -> Booking:
        if self.get_error is not None:
            raise self.get_error
        status = self.later.pop(0) if self.later else str(self.held[reference].status)
        if status == "issued":
            return self._set(reference, status=BookingStatus.ISSUED, documents=[E_TICKET])
        if status == "failed":
            return self._set(
                reference, status=BookingStatus.FAILED, failure_reason="biller refused the number"
            )
        return self._set(reference, status=BookingStatus(status))

    async def issue(self, service_type: str, reference: str) -> Booking:
        if self.issue_error is not None:
            raise self.issue_error
        if self.issue_answers == "pending":
            return self._set(reference, status=BookingStatus.PENDING)
        return self._set(reference, status=BookingStatus.ISSUED, documents=[E_TICKET])

    async def cancel(self, service_type: str, reference: str) -> Booking:
        if self.cancel_error is not None:
            raise self.cancel_error
        self.cancelled.append(reference)
        issued = self.held[reference].status == BookingStatus.ISSUED
        return self._set(
            reference, status=BookingStatus.CANCELLED, refund_amount=self.cancel_refund if issued else None
        )


@dataclass
class MemoryPayments:
    charges: dict[str, str] = field(default_factory=dict)  # order_id -> status
    requests: list[ChargeRequest] = field(default_factory=list)
    refunds: list[tuple[str, str, Decimal]] = field(default_factory=list)
    create_error: Exception | None = None
    cancel_error: Exception | None = None
    refund_error: Exception | None = None
    # Runs once a charge is stopped, before cancel answers: the stopped charge's event arriving first.
    on_cancelled: Callable[[str], Awaitable[None]] | None = None

    def _charge(self, order_id: str, status: str) -> Charge:
        return Charge(
            order_id=order_id,
            status=status,
            transaction_status=None,
            token="tok-" + order_id[:8],
            redirect_url="http://pay/" + order_id,
            gross_amount=Decimal("1500000.00"),
            currency="IDR",
            payment_type=None,
            gateway_transaction_id=None,
            refunded_amount=Decimal(0),
            expires_at=NOW + timedelta(minutes=20),
            raw={},
        )

    async def create_charge(self, idempotency_key: str, request: ChargeRequest) -> Charge:
        if self.create_error is not None:
            raise self.create_error
        self.requests.append(request)
        self.charges[request.order_id] = "pending"
        return self._charge(request.order_id, "pending")

    async def sync(self, order_id: str) -> Charge:
        return self._charge(order_id, self.charges[order_id])

    async def cancel(self, order_id: str) -> Charge:
        if self.cancel_error is not None:
            raise self.cancel_error
        if self.charges.get(order_id) == "paid":
            raise ChargePaid()
        self.charges[order_id] = "cancelled"
        if self.on_cancelled is not None:
            await self.on_cancelled(order_id)
        return self._charge(order_id, "cancelled")

    async def refund(self, order_id: str, refund_key: str, amount: Decimal, reason: str) -> RefundResult:
        if self.refund_error is not None:
            raise self.refund_error
        self.refunds.append((order_id, refund_key, amount))
        return RefundResult(refund_key, amount, amount, "refund")
