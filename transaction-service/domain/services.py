"""The money path's use cases (DESIGN.md §6), over the ports: the unit of work
(`domain.repository`), the BookingGateway, the PaymentGateway and a Clock.

Each state change goes through `_move` (transition table check + audit row), and the audit
rows, outbox events and work-queue jobs are written in the same unit of work as the change they
describe. Calls to other services are never made while a unit of work holds row locks.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.errors import (
    ChargePaid,
    HoldExpired,
    InvalidTransition,
    NotEditable,
    NotFound,
    NotPayable,
    NotRefundable,
    RefundRequired,
    RequestInProgress,
    ServiceTypeUnavailable,
    SetByPayment,
    TransactionExists,
    UpstreamProblem,
)
from domain.models import (
    OPEN_PAYMENT,
    PAYABLE_TRANSACTION,
    OrderStatus,
    PaymentStatus,
    RefundStatus,
    TransactionStatus,
    can_move,
    check,
)
from domain.ports import BookingGateway, ChargeItem, ChargeRequest, Clock, HoldRequest, PaymentGateway
from domain.records import AuditEntry, Order, Payment, Refund, Transaction
from domain.repository import LedgerUnitOfWork, OrderFilter, TransactionFilter, UnitOfWorkFactory
from domain.rules import (
    CHARGE_TO_PAYMENT,
    charge_expiry_minutes,
    decide_payment,
    derived_key,
    money,
    order_number,
    refund_amount,
)

logger = logging.getLogger("transaction_service.money_path")

PAYMENT_STATUS_CHANGED = "payment.status_changed"
JOB_ISSUE = "booking.issue"
JOB_RELEASE = "booking.release"
JOB_REFUND = "payment.refund"
OPEN = [str(p) for p in OPEN_PAYMENT]
_ENTITY = {Order: "order", Transaction: "transaction", Payment: "payment", Refund: "refund"}


@dataclass(frozen=True)
class Caller:
    """Who asks: an account (user or admin)."""

    account_id: str
    is_admin: bool = False


SYSTEM = Caller("system", is_admin=True)


def instant(value: Any) -> datetime | None:
    """An ISO-8601 instant from an event (UTC when it carries no offset); None if absent/garbage."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _owned(record: Any, caller: Caller, what: str) -> Any:
    if record is None or (not caller.is_admin and record.user_id != caller.account_id):
        raise NotFound(what)
    return record


class MoneyPath:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        bookings: BookingGateway,
        payments: PaymentGateway,
        clock: Clock,
        *,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._uow = unit_of_work
        self._bookings = bookings
        self._payments = payments
        self._clock = clock
        self._wake = wake  # tells the outbox and work-queue relays there is something new

    async def _move(
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
        now = self._clock()
        record.status = type(record.status)(target)  # type: ignore[assignment]
        if not isinstance(record, Refund):
            record.updated_at = now
        await uow.save(record)
        await uow.audit(entity, record.id, current, target, actor, reason, now)

    async def _chain(self, uow: LedgerUnitOfWork, order_id: uuid.UUID) -> tuple[Order, Transaction | None]:
        order = await uow.order(order_id, lock=True)
        if order is None:
            raise NotFound("order")
        return order, await uow.transaction_of_order(order_id, lock=True)

    # --- reads ----------------------------------------------------------------------------------

    async def get_order(self, order_id: uuid.UUID, caller: Caller) -> tuple[Order, uuid.UUID | None]:
        async with self._uow() as uow:
            order: Order = _owned(await uow.order(order_id), caller, "order")
            tx = await uow.transaction_of_order(order_id)
        return order, tx.id if tx else None

    async def list_orders(
        self, caller: Caller, status: str | None, service_type: str | None, limit: int, offset: int
    ) -> tuple[list[tuple[Order, uuid.UUID | None]], int]:
        where = OrderFilter(None if caller.is_admin else caller.account_id, status, service_type)
        async with self._uow() as uow:
            return await uow.list_orders(where, limit, offset)

    async def get_transaction(self, tx_id: uuid.UUID, caller: Caller) -> tuple[Transaction, list[Payment]]:
        async with self._uow() as uow:
            tx: Transaction = _owned(await uow.transaction(tx_id), caller, "transaction")
            return tx, await uow.payments_of(tx_id)

    async def list_transactions(
        self, caller: Caller, where: TransactionFilter, limit: int, offset: int
    ) -> tuple[list[Transaction], int]:
        # A user sees their own; an admin everyone's.
        where = TransactionFilter(
            None if caller.is_admin else caller.account_id,
            where.status,
            where.transaction_type,
            where.created_from,
            where.created_to,
        )
        async with self._uow() as uow:
            return await uow.list_transactions(where, limit, offset)

    async def get_payment(self, payment_id: uuid.UUID, caller: Caller) -> Payment:
        async with self._uow() as uow:
            payment = await uow.payment(payment_id)
            tx = await uow.transaction(payment.transaction_id) if payment else None
            _owned(tx, caller, "payment")
            assert payment is not None
            return payment

    async def audit_trail(self, tx_id: uuid.UUID) -> list[AuditEntry]:
        async with self._uow() as uow:
            tx = await uow.transaction(tx_id)
            if tx is None:
                raise NotFound("transaction")
            return await uow.audit_trail(tx)

    # --- orders ---------------------------------------------------------------------------------

    async def create_order(
        self,
        caller: Caller,
        client_key: str,
        service_type: str,
        offer_id: str,
        passengers: list[dict[str, Any]],
        contact: dict[str, Any],
    ) -> tuple[Order, uuid.UUID]:
        """Holds the booking (idempotent at the booking service by a key derived from the caller
        and their key), then records the order CONFIRMED and its transaction PENDING."""
        if not self._bookings.supports(service_type):
            raise ServiceTypeUnavailable(service_type)
        hold_key = "order-" + derived_key(caller.account_id, client_key)[:64]
        booking = await self._bookings.hold(
            service_type, hold_key, HoldRequest(offer_id, passengers, contact)
        )
        now = self._clock()
        quantity = max(1, len(booking.passengers) or len(passengers))
        total = money(booking.total_price)
        order = Order(
            id=uuid.uuid4(),
            user_id=caller.account_id,
            order_number=order_number(now),
            service_type=service_type,
            service_id=offer_id,
            quantity=quantity,
            unit_price=money(total / quantity),
            total_amount=total,
            currency=booking.currency,
            status=OrderStatus.CONFIRMED,
            booking_details={
                "passengers": booking.passengers or passengers,
                "contact": booking.contact or contact,
                "supplier": booking.supplier,
                "supplier_reference": booking.supplier_reference,
                "booking_status": booking.status,
                "tickets": booking.tickets,
            },
            booking_reference=booking.reference,
            hold_expires_at=booking.hold_expires_at,
            created_at=now,
            updated_at=now,
        )
        tx = Transaction(
            id=uuid.uuid4(),
            user_id=caller.account_id,
            order_id=order.id,
            transaction_type=service_type,
            amount=total,
            currency=booking.currency,
            status=TransactionStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        actor = caller.account_id
        try:
            async with self._uow() as uow:
                await uow.add(order)
                await uow.add(tx)
                await uow.audit("order", order.id, None, order.status, actor, "booking held", now)
                await uow.audit("transaction", tx.id, None, tx.status, actor, None, now)
                await uow.add_event(
                    "transaction.created",
                    {
                        "transaction_id": str(tx.id),
                        "order_id": str(order.id),
                        "user_id": caller.account_id,
                        "service_type": service_type,
                        "amount": str(total),
                        "currency": booking.currency,
                        "booking_reference": booking.reference,
                    },
                )
                await uow.commit()
        except Exception:
            logger.exception("order not recorded; releasing the hold %s", booking.reference)
            try:
                await self._bookings.cancel(service_type, booking.reference)
            except Exception:
                logger.exception("could not release hold %s", booking.reference)
            raise
        self._wake()
        return order, tx.id

    async def set_order_status(
        self, order_id: uuid.UUID, target: str, reason: str, caller: Caller
    ) -> tuple[Order, uuid.UUID | None]:
        """Admin: only legal transitions. Cancelling an unpaid order is a cancel (charge stopped,
        hold released); a paid one is cancelled through a full refund. PAID is never set by
        hand: no money came with it, and the real payment would then look late and be refunded.
        PAID → COMPLETED by hand stays possible (a ticket issued by phone)."""
        if target == OrderStatus.PAID:
            raise SetByPayment(target)
        if target == OrderStatus.CANCELLED:
            async with self._uow() as uow:
                current = await uow.order(order_id)
            if current is None:
                raise NotFound("order")
            if current.status in (OrderStatus.DRAFT, OrderStatus.CONFIRMED):
                await self._end_unpaid(order_id, TransactionStatus.CANCELLED, reason, caller.account_id)
                return await self.get_order(order_id, caller)
            if current.status in (OrderStatus.PAID, OrderStatus.COMPLETED):
                raise RefundRequired()
        async with self._uow() as uow:
            order, tx = await self._chain(uow, order_id)
            await self._move(uow, order, target, caller.account_id, reason)
            await uow.commit()
        return order, tx.id if tx else None

    # --- transactions ---------------------------------------------------------------------------

    async def create_transaction(self, caller: Caller, order_id: uuid.UUID) -> Transaction:
        async with self._uow() as uow:
            order: Order = _owned(await uow.order(order_id, lock=True), caller, "order")
            existing = await uow.transaction_of_order(order_id)
            if existing is not None:
                raise TransactionExists(str(existing.id))
            if order.status not in (OrderStatus.DRAFT, OrderStatus.CONFIRMED):
                raise NotPayable(order.status)
            now = self._clock()
            tx = Transaction(
                id=uuid.uuid4(),
                user_id=order.user_id,
                order_id=order_id,
                transaction_type=order.service_type,
                amount=order.total_amount,
                currency=order.currency,
                status=TransactionStatus.PENDING,
                created_at=now,
                updated_at=now,
            )
            await uow.add(tx)
            await uow.audit("transaction", tx.id, None, tx.status, caller.account_id, None, now)
            await uow.commit()
        return tx

    async def update_transaction(
        self, tx_id: uuid.UUID, caller: Caller, payment_method: str | None, notes: str | None
    ) -> Transaction:
        async with self._uow() as uow:
            tx: Transaction = _owned(await uow.transaction(tx_id, lock=True), caller, "transaction")
            if tx.status != TransactionStatus.PENDING:
                raise NotEditable(tx.status)
            if payment_method is not None:
                tx.payment_method = payment_method
            if notes is not None:
                tx.metadata = {**tx.metadata, "notes": notes}
            tx.updated_at = self._clock()
            await uow.save(tx)
            await uow.commit()
        return tx

    async def cancel_transaction(self, tx_id: uuid.UUID, caller: Caller, reason: str | None) -> Transaction:
        async with self._uow() as uow:
            tx: Transaction = _owned(await uow.transaction(tx_id), caller, "transaction")
        if tx.status not in PAYABLE_TRANSACTION:
            raise InvalidTransition("transaction", tx.status, TransactionStatus.CANCELLED)
        default = "cancelled by an admin" if caller.is_admin else "cancelled by the customer"
        await self._end_unpaid(tx.order_id, TransactionStatus.CANCELLED, reason or default, caller.account_id)
        return (await self.get_transaction(tx_id, SYSTEM))[0]

    async def _end_unpaid(
        self, order_id: uuid.UUID, target: TransactionStatus, reason: str, actor: str
    ) -> bool:
        """Stops every open charge, then ends the order (CANCELLED) and its transaction
        (`target`) and queues the hold's release. Raises ChargePaid when a charge turns out to be
        paid (the paid event settles it). For the system, False when there is nothing to end."""
        system = actor.startswith("system:")
        async with self._uow() as uow:
            tx = await uow.transaction_of_order(order_id)
            open_payments = await uow.payments_of(tx.id, OPEN) if tx else []
        outcomes: dict[uuid.UUID, PaymentStatus] = {}
        for payment in open_payments:
            try:
                charge = await self._payments.cancel(str(payment.id))
            except UpstreamProblem as exc:
                if exc.status != 404:  # 404: it never reached the gateway, nothing to stop
                    raise
                outcomes[payment.id] = PaymentStatus.CANCELLED
                continue
            status = CHARGE_TO_PAYMENT.get(charge.status, PaymentStatus.CANCELLED)
            if status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
                raise ChargePaid()
            ended = (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED)
            outcomes[payment.id] = status if status in ended else PaymentStatus.CANCELLED
        async with self._uow() as uow:
            order, tx = await self._chain(uow, order_id)
            if tx is not None and tx.status not in PAYABLE_TRANSACTION:
                if system:
                    return False
                raise InvalidTransition("transaction", tx.status, target)
            if order.status not in (OrderStatus.CONFIRMED, OrderStatus.DRAFT):
                if system:
                    return False
                raise InvalidTransition("order", order.status, OrderStatus.CANCELLED)
            if tx is not None:
                still_open = await uow.payments_of(tx.id, OPEN, lock=True)
                if any(p.id not in outcomes for p in still_open):
                    # A payment started meanwhile: its charge was not stopped, so do not end yet.
                    if system:
                        return False
                    raise RequestInProgress()
                for payment in still_open:
                    if can_move("payment", payment.status, outcomes[payment.id]):
                        await self._move(uow, payment, outcomes[payment.id], actor, reason)
                await self._move(uow, tx, target, actor, reason)
            order.failure_reason = reason
            await self._move(uow, order, OrderStatus.CANCELLED, actor, reason)
            await uow.add_job(JOB_RELEASE, {"order_id": str(order_id)})
            await uow.add_event(
                "transaction.failed",
                {
                    "transaction_id": str(tx.id) if tx else None,
                    "order_id": str(order_id),
                    "user_id": order.user_id,
                    "status": str(target),
                    "reason": reason,
                },
            )
            await uow.commit()
        self._wake()
        return True

    async def expire_holds(self, limit: int = 100) -> int:
        """The sweeper's pass: CONFIRMED orders whose hold expired end CANCELLED/FAILED."""
        async with self._uow() as uow:
            ids = await uow.expired_holds(self._clock(), limit)
        ended = 0
        for order_id in ids:
            try:
                if await self._end_unpaid(
                    order_id, TransactionStatus.FAILED, "hold expired", "system:hold-expiry"
                ):
                    ended += 1
            except ChargePaid:
                logger.info("order %s: paid at the last second; the paid event settles it", order_id)
            except UpstreamProblem as exc:
                logger.warning("order %s: cannot stop its charge now (%s); next pass", order_id, exc.slug)
        return ended

    async def sync_overdue_payments(self, grace_seconds: float = 120.0, limit: int = 50) -> int:
        """The sweeper's second pass: open payments whose charge expired more than
        `grace_seconds` ago with no event are checked at the gateway, so a lost notification
        cannot leave an order waiting. Returns how many changed."""
        async with self._uow() as uow:
            ids = await uow.overdue_payments(self._clock() - timedelta(seconds=grace_seconds), limit)
        changed = 0
        for payment_id in ids:
            try:
                if await self._sync(payment_id, "system:payment-expiry") == "applied":
                    changed += 1
            except UpstreamProblem as exc:
                logger.warning("payment %s: cannot check it now (%s); next pass", payment_id, exc.slug)
        return changed

    # --- payments -------------------------------------------------------------------------------

    async def create_payment(self, caller: Caller, tx_id: uuid.UUID) -> Payment:
        """Starts (or returns the still-open) payment of a transaction."""
        now = self._clock()
        async with self._uow() as uow:
            found: Transaction = _owned(await uow.transaction(tx_id), caller, "transaction")
            order, tx = await self._chain(uow, found.order_id)
            assert tx is not None
            if tx.status not in PAYABLE_TRANSACTION:
                raise NotPayable(tx.status)
            if order.status != OrderStatus.CONFIRMED:
                raise NotPayable(order.status)
            if order.hold_expires_at is not None and order.hold_expires_at <= now:
                raise HoldExpired()
            open_payments = sorted(await uow.payments_of(tx_id, OPEN, lock=True), key=lambda p: p.created_at)
            latest = open_payments[-1] if open_payments else None
            if latest is not None and latest.token and (latest.expires_at is None or latest.expires_at > now):
                return latest
            if latest is not None and not latest.token:
                payment = latest  # its charge failed to start (an outage): start it again
            else:
                payment = Payment(
                    id=uuid.uuid4(),
                    transaction_id=tx_id,
                    amount=tx.amount,
                    currency=tx.currency,
                    status=PaymentStatus.PENDING,
                    created_at=now,
                    updated_at=now,
                )
                await uow.add(payment)
                await uow.audit("payment", payment.id, None, payment.status, caller.account_id, None, now)
            request = self._charge_request(order, tx, payment, now)
            await uow.commit()
        try:
            charge = await self._payments.create_charge(f"payment-{payment.id}", request)
        except UpstreamProblem as exc:
            if exc.is_permanent or exc.status == 502:
                async with self._uow() as uow:
                    failed = await uow.payment(payment.id, lock=True)
                    if failed is not None and can_move("payment", failed.status, PaymentStatus.FAILED):
                        await self._move(
                            uow,
                            failed,
                            PaymentStatus.FAILED,
                            caller.account_id,
                            f"charge refused: {exc.slug}",
                        )
                        await uow.commit()
            raise
        async with self._uow() as uow:
            order, tx = await self._chain(uow, found.order_id)
            assert tx is not None
            stored = await uow.payment(payment.id, lock=True)
            assert stored is not None
            stored.token = charge.token
            stored.redirect_url = charge.redirect_url
            stored.expires_at = charge.expires_at
            stored.gateway_response = charge.raw
            stored.updated_at = self._clock()
            await uow.save(stored)
            if tx.status == TransactionStatus.PENDING:
                await self._move(uow, tx, TransactionStatus.PROCESSING, caller.account_id)
            await uow.commit()
        return stored

    @staticmethod
    def _charge_request(order: Order, tx: Transaction, payment: Payment, now: datetime) -> ChargeRequest:
        details = order.booking_details or {}
        contact = details.get("contact") or {}
        first = (details.get("passengers") or [{}])[0]
        return ChargeRequest(
            order_id=str(payment.id),
            gross_amount=money(tx.amount),
            currency=tx.currency,
            items=[
                ChargeItem(
                    id=order.service_type,
                    name=f"TiketQ {order.service_type} {order.order_number}"[:50],
                    price=money(tx.amount),
                    quantity=1,
                )
            ],
            customer={
                "first_name": str(first.get("first_name") or "TiketQ"),
                "last_name": str(first.get("last_name") or "Customer"),
                "email": str(contact.get("email") or ""),
                "phone": str(contact.get("phone") or ""),
            },
            expiry_minutes=charge_expiry_minutes(order.hold_expires_at, now),
        )

    async def confirm_payment(self, payment_id: uuid.UUID, caller: Caller) -> Payment:
        """Admin: the gateway's status now, applied exactly as an event would be."""
        async with self._uow() as uow:
            if await uow.payment(payment_id) is None:
                raise NotFound("payment")
        await self._sync(payment_id, caller.account_id)
        return await self.get_payment(payment_id, caller)

    async def _sync(self, payment_id: uuid.UUID, actor: str) -> str:
        charge = await self._payments.sync(str(payment_id))
        data = {
            "order_id": charge.order_id,
            "status": charge.status,
            "transaction_status": charge.transaction_status,
            "payment_type": charge.payment_type,
            "gross_amount": str(charge.gross_amount),
            "currency": charge.currency,
            "gateway_transaction_id": charge.gateway_transaction_id,
            "refunded_amount": str(charge.refunded_amount),
            "settlement_time": charge.raw.get("settlement_time"),
        }
        async with self._uow() as uow:
            outcome = await self._apply_charge(uow, payment_id, data, actor)
            await uow.commit()
        self._wake()
        return outcome

    async def handle_payment_event(self, event_id: uuid.UUID, topic: str, data: dict[str, Any]) -> str:
        """A signed event from payment-service, applied once (by event_id) in one unit of work.
        Returns the outcome: applied | duplicate | stale | ignored."""
        async with self._uow() as uow:
            if not await uow.record_event(event_id, topic[:100]):
                return "duplicate"
            outcome = "ignored"
            if topic != PAYMENT_STATUS_CHANGED:
                logger.info("event %s: topic %s is not ours", event_id, topic)
            else:
                try:
                    payment_id = uuid.UUID(str(data.get("order_id")))
                except ValueError:
                    logger.warning(
                        "event %s: order_id %r is not one of our payments", event_id, data.get("order_id")
                    )
                else:
                    outcome = await self._apply_charge(uow, payment_id, data, f"event:{event_id}")
            await uow.commit()
        if outcome == "applied":
            self._wake()
        return outcome

    async def _apply_charge(
        self, uow: LedgerUnitOfWork, payment_id: uuid.UUID, data: dict[str, Any], actor: str
    ) -> str:
        found = await uow.payment(payment_id)
        tx_found = await uow.transaction(found.transaction_id) if found else None
        if found is None or tx_found is None:
            logger.warning("payment %s is unknown; event ignored", payment_id)
            return "ignored"
        order, tx = await self._chain(uow, tx_found.order_id)
        assert tx is not None
        payment = await uow.payment(payment_id, lock=True)
        assert payment is not None
        try:
            gross: Decimal | None = money(str(data.get("gross_amount")))
        except ArithmeticError:
            gross = None
        if gross != money(payment.amount):
            logger.error("payment %s: amount %s is not %s; ignored", payment_id, gross, payment.amount)
            return "ignored"
        status = str(data.get("status") or "failed")
        try:
            refunded_at_gateway = money(str(data.get("refunded_amount") or "0"))
        except ArithmeticError:
            refunded_at_gateway = Decimal(0)
        now = self._clock()
        others_open = [
            p
            for p in await uow.payments_of(tx.id, OPEN)
            if p.id != payment_id and (p.expires_at is None or p.expires_at > now)
        ]
        decision = decide_payment(
            status,
            payment.status,
            tx.status,
            order.status,
            refunded_at_gateway=refunded_at_gateway,
            refunded_here=money(payment.refunded_amount),
            another_payment_open=bool(others_open),
        )
        if not decision.changes_anything:
            logger.info(
                "payment %s: %s while payment %s / transaction %s / order %s changes nothing",
                payment_id,
                status,
                payment.status,
                tx.status,
                order.status,
            )
            return "stale"
        payment_type = data.get("payment_type")
        gateway_tx = data.get("gateway_transaction_id")
        paid_at = instant(data.get("settlement_time")) or now
        if decision.payment is not None:
            payment.gateway_response = data
            if decision.payment is PaymentStatus.PAID:
                payment.paid_at = paid_at
                payment.payment_method = payment_type
                payment.gateway_transaction_id = gateway_tx
            await self._move(uow, payment, decision.payment, actor, decision.reason)
        if decision.transaction is not None:
            if decision.transaction is TransactionStatus.COMPLETED:
                tx.payment_method = payment_type
                tx.payment_gateway = payment.gateway
                tx.gateway_transaction_id = gateway_tx
                tx.completed_at = paid_at
            await self._move(uow, tx, decision.transaction, actor, decision.reason)
        if decision.order is not None:
            if decision.order is OrderStatus.CANCELLED:
                order.failure_reason = decision.reason
            await self._move(uow, order, decision.order, actor, decision.reason)
        if decision.issue_booking:
            await uow.add_job(JOB_ISSUE, {"order_id": str(order.id)})
            await uow.add_event(
                "payment.confirmed",
                {
                    "transaction_id": str(tx.id),
                    "order_id": str(order.id),
                    "payment_id": str(payment_id),
                    "user_id": tx.user_id,
                    "amount": str(payment.amount),
                    "currency": payment.currency,
                    "payment_method": payment_type,
                },
            )
        if decision.release_booking:
            await uow.add_job(JOB_RELEASE, {"order_id": str(order.id)})
            await uow.add_event(
                "transaction.failed",
                {
                    "transaction_id": str(tx.id),
                    "order_id": str(order.id),
                    "user_id": tx.user_id,
                    "status": str(decision.transaction or tx.status),
                    "reason": decision.reason,
                },
            )
        if decision.refund_late_payment:
            # Paid twice (the transaction was settled by another payment): the refund returns
            # the extra money and leaves the transaction and order as they are.
            settles = tx.status not in (TransactionStatus.COMPLETED, TransactionStatus.REFUNDED)
            if settles:
                tx.payment_method = tx.payment_method or payment_type
                tx.payment_gateway = payment.gateway
                tx.gateway_transaction_id = tx.gateway_transaction_id or gateway_tx
                tx.completed_at = tx.completed_at or paid_at
                tx.updated_at = now
                await uow.save(tx)
                order.failure_reason = decision.reason
                order.updated_at = now
                await uow.save(order)
            await uow.add_job(
                JOB_REFUND,
                {
                    "payment_id": str(payment_id),
                    "amount": None,
                    "reason": decision.reason,
                    "refund_key": f"auto-{payment_id}",
                    "settles_transaction": settles,
                },
            )
        if decision.reconcile_refunds:
            await self._reconcile_refunds(uow, order, tx, payment, refunded_at_gateway, actor)
        return "applied"

    async def _reconcile_refunds(
        self,
        uow: LedgerUnitOfWork,
        order: Order,
        tx: Transaction,
        payment: Payment,
        refunded_at_gateway: Decimal,
        actor: str,
    ) -> None:
        """A refund made at the gateway directly (not through us): bring our amounts in line."""
        delta = min(refunded_at_gateway, money(payment.amount)) - money(payment.refunded_amount)
        if delta <= 0:
            return
        payment.refunded_amount = money(payment.refunded_amount) + delta
        full = payment.refunded_amount >= money(payment.amount)
        target = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        await self._move(uow, payment, target, actor, "refunded at the gateway")
        await self._refund_transaction_amounts(uow, order, tx, delta, actor, "refunded at the gateway")

    async def _refund_transaction_amounts(
        self, uow: LedgerUnitOfWork, order: Order, tx: Transaction, amount: Decimal, actor: str, reason: str
    ) -> None:
        tx.refunded_amount = min(money(tx.amount), money(tx.refunded_amount) + amount)
        tx.updated_at = self._clock()
        await uow.save(tx)
        if tx.refunded_amount < money(tx.amount):
            return  # partial: the sale stands
        if can_move("transaction", tx.status, TransactionStatus.REFUNDED):
            await self._move(uow, tx, TransactionStatus.REFUNDED, actor, reason)
        if can_move("order", order.status, OrderStatus.CANCELLED):
            # Held (never issued) or issued: either way the booking is still live at the provider,
            # so cancelling the order cancels it there too (DESIGN.md §6.6).
            booked = order.status in (OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.COMPLETED)
            order.failure_reason = order.failure_reason or reason
            await self._move(uow, order, OrderStatus.CANCELLED, actor, reason)
            if booked and order.booking_reference:
                await uow.add_job(JOB_RELEASE, {"order_id": str(order.id)})

    # --- refunds --------------------------------------------------------------------------------

    async def refund_transaction(
        self, tx_id: uuid.UUID, amount: Decimal | None, reason: str, client_key: str, caller: Caller
    ) -> Refund:
        async with self._uow() as uow:
            tx = await uow.transaction(tx_id)
            if tx is None:
                raise NotFound("transaction")
            paid = [
                p
                for p in await uow.payments_of(tx_id, [PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED])
                if p.paid_at is not None
            ]
        if not paid or tx.status != TransactionStatus.COMPLETED:
            raise NotRefundable(tx.status)
        latest = max(paid, key=lambda p: p.paid_at or p.created_at)
        return await self.refund_payment(latest.id, amount, reason, client_key, caller)

    async def refund_payment(
        self, payment_id: uuid.UUID, amount: Decimal | None, reason: str, client_key: str, caller: Caller
    ) -> Refund:
        refund_key = "rf-" + derived_key(str(payment_id), client_key)[:40]
        return await self._refund(
            payment_id, amount, reason, refund_key, caller.account_id, caller.account_id
        )

    async def _refund(
        self,
        payment_id: uuid.UUID,
        requested: Decimal | None,
        reason: str,
        refund_key: str,
        processed_by: str,
        actor: str,
        settles_transaction: bool = True,
    ) -> Refund:
        """A PENDING refund row first (its unique refund_key is also the gateway's, so a retry
        never refunds twice), then payment-service, then the outcome."""
        async with self._uow() as uow:
            found = await uow.payment(payment_id)
            tx_found = await uow.transaction(found.transaction_id) if found else None
            if found is None or tx_found is None:
                raise NotFound("payment")
            order, tx = await self._chain(uow, tx_found.order_id)
            assert tx is not None
            payment = await uow.payment(payment_id, lock=True)
            assert payment is not None
            refund = await uow.refund_by_key(refund_key)
            if refund is None:
                if payment.status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
                    raise NotRefundable(payment.status)
                pending = await uow.pending_refunds_total(payment_id)
                amount = refund_amount(
                    requested, money(payment.amount), money(payment.refunded_amount) + pending
                )
                now = self._clock()
                refund = Refund(
                    id=uuid.uuid4(),
                    transaction_id=tx.id,
                    payment_id=payment_id,
                    amount=amount,
                    reason=reason[:255],
                    status=RefundStatus.PENDING,
                    refund_key=refund_key,
                    processed_by=processed_by[:64],
                    created_at=now,
                )
                await uow.add(refund)
                await uow.audit("refund", refund.id, None, refund.status, actor, reason, now)
                await uow.commit()
        if refund.status != RefundStatus.PENDING:
            return refund
        try:
            await self._payments.refund(str(payment_id), refund_key, money(refund.amount), reason)
        except UpstreamProblem as exc:
            if exc.is_permanent:
                async with self._uow() as uow:
                    refused = await uow.refund(refund.id, lock=True)
                    if refused is not None and refused.status == RefundStatus.PENDING:
                        refused.processed_at = self._clock()
                        await self._move(uow, refused, RefundStatus.FAILED, actor, exc.slug)
                        await uow.commit()
            raise
        async with self._uow() as uow:
            order, tx = await self._chain(uow, order.id)
            assert tx is not None
            payment = await uow.payment(payment_id, lock=True)
            current = await uow.refund(refund.id, lock=True)
            assert payment is not None
            assert current is not None
            if current.status == RefundStatus.PENDING:
                current.processed_at = self._clock()
                await self._move(uow, current, RefundStatus.SUCCEEDED, actor, reason)
                amount = money(current.amount)
                payment.refunded_amount = min(money(payment.amount), money(payment.refunded_amount) + amount)
                full = payment.refunded_amount >= money(payment.amount)
                target = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
                if can_move("payment", payment.status, target):
                    await self._move(uow, payment, target, actor, reason)
                else:
                    payment.updated_at = self._clock()
                    await uow.save(payment)
                if settles_transaction:
                    await self._refund_transaction_amounts(uow, order, tx, amount, actor, reason)
                await uow.add_event(
                    "refund.processed",
                    {
                        "refund_id": str(current.id),
                        "transaction_id": str(tx.id),
                        "order_id": str(order.id),
                        "payment_id": str(payment_id),
                        "user_id": tx.user_id,
                        "amount": str(amount),
                        "currency": payment.currency,
                        "reason": reason,
                    },
                )
                await uow.commit()
        self._wake()
        return current

    # --- work-queue jobs ------------------------------------------------------------------------

    async def run_job(self, topic: str, payload: dict[str, Any]) -> None:
        """One work-queue job. Returns when done (or done for good); raises to be retried."""
        if topic == JOB_ISSUE:
            await self._issue(uuid.UUID(payload["order_id"]))
        elif topic == JOB_RELEASE:
            await self._release(uuid.UUID(payload["order_id"]))
        elif topic == JOB_REFUND:
            amount = payload.get("amount")
            try:
                await self._refund(
                    uuid.UUID(payload["payment_id"]),
                    Decimal(amount) if amount is not None else None,
                    str(payload.get("reason") or "automatic refund"),
                    str(payload["refund_key"]),
                    "system",
                    f"system:{JOB_REFUND}",
                    settles_transaction=bool(payload.get("settles_transaction", True)),
                )
            except UpstreamProblem as exc:
                if exc.is_transient:
                    raise
                logger.error("automatic refund %s refused for good: %s", payload.get("refund_key"), exc.slug)
            except (NotRefundable, NotFound) as exc:
                logger.error("automatic refund %s impossible: %s", payload.get("refund_key"), exc)
        else:
            logger.error("unknown job %s dropped", topic)

    async def _issue(self, order_id: uuid.UUID) -> None:
        actor = f"system:{JOB_ISSUE}"
        async with self._uow() as uow:
            order = await uow.order(order_id)
        if order is None or order.status != OrderStatus.PAID or not order.booking_reference:
            return
        try:
            booking = await self._bookings.issue(order.service_type, order.booking_reference)
        except UpstreamProblem as exc:
            if exc.is_transient:
                raise
            await self._issue_refused(order_id, exc.slug, actor)
            return
        async with self._uow() as uow:
            order, _tx = await self._chain(uow, order_id)
            if order.status != OrderStatus.PAID:
                return
            order.booking_details = {
                **order.booking_details,
                "tickets": booking.tickets,
                "booking_status": booking.status,
            }
            await self._move(uow, order, OrderStatus.COMPLETED, actor, "tickets issued")
            await uow.commit()

    async def _issue_refused(self, order_id: uuid.UUID, slug: str, actor: str) -> None:
        """Refused for good: the payer gets everything back, and the order says why."""
        reason = f"ticket could not be issued ({slug}); refunded in full"
        async with self._uow() as uow:
            order, tx = await self._chain(uow, order_id)
            if order.status != OrderStatus.PAID or tx is None:
                return
            order.failure_reason = reason
            order.updated_at = self._clock()
            await uow.save(order)
            await uow.audit("order", order.id, order.status, order.status, actor, reason, self._clock())
            for payment in await uow.payments_of(tx.id, [PaymentStatus.PAID]):
                await uow.add_job(
                    JOB_REFUND,
                    {
                        "payment_id": str(payment.id),
                        "amount": None,
                        "reason": reason,
                        "refund_key": f"auto-{payment.id}",
                    },
                )
            await uow.commit()
        self._wake()

    async def _release(self, order_id: uuid.UUID) -> None:
        """Cancels the order's booking at the booking service: a hold is released, an issued
        booking (a full refund) cancelled at the provider. Idempotent there (an already cancelled
        or expired booking comes back as it is, which is done); transient failures raise to be
        retried; a refusal for good is logged and audited, and the booking status kept."""
        actor = f"system:{JOB_RELEASE}"
        async with self._uow() as uow:
            order = await uow.order(order_id)
        if order is None or not order.booking_reference:
            return
        try:
            booking = await self._bookings.cancel(order.service_type, order.booking_reference)
        except UpstreamProblem as exc:
            if exc.is_transient:
                raise
            logger.warning("booking of order %s not cancelled at the provider: %s", order_id, exc.slug)
            async with self._uow() as uow:
                locked = await uow.order(order_id, lock=True)
                assert locked is not None
                reason = f"booking not cancelled at the provider ({exc.slug})"
                await uow.audit(
                    "order", locked.id, locked.status, locked.status, actor, reason, self._clock()
                )
                await uow.commit()
            return
        async with self._uow() as uow:
            locked = await uow.order(order_id, lock=True)
            assert locked is not None
            was = locked.booking_details.get("booking_status")
            details = {**locked.booking_details, "booking_status": booking.status}
            if booking.refund_amount is not None:
                details["supplier_refund_amount"] = str(booking.refund_amount)
            locked.booking_details = details
            locked.updated_at = self._clock()
            await uow.save(locked)
            if was != booking.status:
                reason = f"booking {was or 'unknown'} → {booking.status} at the provider"
                await uow.audit(
                    "order", locked.id, locked.status, locked.status, actor, reason, self._clock()
                )
            await uow.commit()
