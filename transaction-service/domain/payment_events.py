"""A payment's status from the gateway, applied once: the signed events payment-service relays,
an admin's /confirm and the sweeper's check of overdue charges all end here.

`domain.rules.decide_payment` says what a status means; this file applies the decision in one
unit of work: states (through the transition tables), the order's issue or release job, the
automatic refund of money that came too late or twice, outbox events.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal
from typing import Any

from domain.event_facts import order_facts
from domain.ledger import JOB_ISSUE, JOB_REFUND, JOB_RELEASE, OPEN, PAYMENT_STATUS_CHANGED, Ledger, instant
from domain.models import OrderStatus, PaymentStatus, TransactionStatus
from domain.payment_instructions import announce_payment_instructions
from domain.ports import PaymentGateway
from domain.records import Order, Payment, Transaction
from domain.refunds import count_refunded
from domain.repository import LedgerUnitOfWork
from domain.rules import PaymentDecision, decide_payment, weighs_other_payments, weighs_refunds
from shared.money import money_string, to_money

logger = logging.getLogger("transaction_service.payment_events")


def _amount(value: Any) -> Decimal | None:
    try:
        return to_money(str(value))
    except (ValueError, ArithmeticError):
        return None


class PaymentEvents:
    def __init__(self, ledger: Ledger, payments: PaymentGateway) -> None:
        self._ledger = ledger
        self._payments = payments

    async def handle(self, event_id: uuid.UUID, topic: str, data: dict[str, Any]) -> str:
        """A signed event from payment-service, applied once (by event_id) in one unit of work.
        Returns the outcome: applied | duplicate | stale | ignored."""
        async with self._ledger.unit_of_work() as uow:
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
                    outcome = await self._apply(uow, payment_id, data, f"event:{event_id}")
            await uow.commit()
        return outcome

    async def sync(self, payment_id: uuid.UUID, actor: str) -> str:
        """Asks payment-service for the charge's status now and applies it as an event."""
        charge = await self._payments.sync(str(payment_id))
        data = {
            "order_id": charge.order_id,
            "status": charge.status,
            "transaction_status": charge.transaction_status,
            "payment_type": charge.payment_type,
            "gross_amount": money_string(charge.gross_amount),
            "currency": charge.currency,
            "gateway_transaction_id": charge.gateway_transaction_id,
            "refunded_amount": money_string(charge.refunded_amount),
            "settlement_time": charge.raw.get("settlement_time"),
        }
        async with self._ledger.unit_of_work() as uow:
            outcome = await self._apply(uow, payment_id, data, actor)
            await uow.commit()
        return outcome

    async def _apply(
        self, uow: LedgerUnitOfWork, payment_id: uuid.UUID, data: dict[str, Any], actor: str
    ) -> str:
        chain = await self._ledger.payment_chain(uow, payment_id)
        if chain is None:
            logger.warning("payment %s is unknown; event ignored", payment_id)
            return "ignored"
        order, tx, payment = chain
        gross = _amount(data.get("gross_amount"))
        if gross != to_money(payment.amount):
            logger.error("payment %s: amount %s is not %s; ignored", payment_id, gross, payment.amount)
            return "ignored"
        status = str(data.get("status") or "failed")
        now = self._ledger.clock()
        # Each read only for a status whose decision weighs it: a paid event makes neither.
        others_open = [
            p
            for p in (await uow.payments_of(tx.id, OPEN) if weighs_other_payments(status) else [])
            if p.id != payment_id and (p.expires_at is None or p.expires_at > now)
        ]
        # A refund we asked for is counted when payment-service answers; its event can arrive
        # first (the relay is quick), so what is still in flight through us counts as ours here.
        in_flight = await uow.pending_refunds_total(payment_id) if weighs_refunds(status) else Decimal(0)
        decision = decide_payment(
            status,
            payment.status,
            tx.status,
            order.status,
            refunded_at_gateway=_amount(data.get("refunded_amount") or "0") or Decimal(0),
            refunded_here=to_money(payment.refunded_amount) + in_flight,
            another_payment_open=bool(others_open),
            ending=order.ending,
        )
        if not decision.changes_anything:
            if await announce_payment_instructions(uow, order, tx, payment, data):
                return "applied"
            logger.info(
                "payment %s: %s while payment %s / transaction %s / order %s changes nothing",
                payment_id,
                status,
                payment.status,
                tx.status,
                order.status,
            )
            return "stale"
        if decision.order is OrderStatus.CANCELLED and order.ending is not None:
            actor = order.ending.actor  # its ender stopped the charge: the order ends as theirs
        await self._apply_states(uow, order, tx, payment, decision, data, actor)
        await self._queue_follow_ups(uow, order, tx, payment, decision, data)
        if decision.reconcile_refunds:
            await self._reconcile_refunds(
                uow, order, tx, payment, _amount(data.get("refunded_amount")), actor
            )
        return "applied"

    async def _apply_states(
        self,
        uow: LedgerUnitOfWork,
        order: Order,
        tx: Transaction,
        payment: Payment,
        decision: PaymentDecision,
        data: dict[str, Any],
        actor: str,
    ) -> None:
        payment_type = data.get("payment_type")
        gateway_tx = data.get("gateway_transaction_id")
        paid_at = instant(data.get("settlement_time")) or self._ledger.clock()
        if decision.payment is not None:
            payment.gateway_response = data
            if decision.payment is PaymentStatus.PAID:
                payment.paid_at = paid_at
                payment.payment_method = payment_type
                payment.gateway_transaction_id = gateway_tx
            await self._ledger.move(uow, payment, decision.payment, actor, decision.reason)
        if decision.transaction is not None:
            if decision.transaction is TransactionStatus.COMPLETED:
                tx.payment_method = payment_type
                tx.payment_gateway = payment.gateway
                tx.gateway_transaction_id = gateway_tx
                tx.completed_at = paid_at
            await self._ledger.move(uow, tx, decision.transaction, actor, decision.reason)
        if decision.order is not None:
            if decision.order is OrderStatus.CANCELLED:
                order.failure_reason = decision.reason
            await self._ledger.move(uow, order, decision.order, actor, decision.reason)
        if decision.refund_late_payment and tx.status not in (
            TransactionStatus.COMPLETED,
            TransactionStatus.REFUNDED,
        ):
            # Paid after the order ended: the money is recorded on the transaction, and the
            # order says why it is given back.
            tx.payment_method = tx.payment_method or payment_type
            tx.payment_gateway = payment.gateway
            tx.gateway_transaction_id = tx.gateway_transaction_id or gateway_tx
            tx.completed_at = tx.completed_at or paid_at
            tx.updated_at = self._ledger.clock()
            await uow.save(tx)
            order.failure_reason = decision.reason
            order.updated_at = self._ledger.clock()
            await uow.save(order)

    async def _queue_follow_ups(
        self,
        uow: LedgerUnitOfWork,
        order: Order,
        tx: Transaction,
        payment: Payment,
        decision: PaymentDecision,
        data: dict[str, Any],
    ) -> None:
        if decision.issue_booking:
            await uow.add_job(JOB_ISSUE, {"order_id": str(order.id)})
            await uow.add_event(
                "payment.confirmed",
                {
                    "transaction_id": str(tx.id),
                    "order_id": str(order.id),
                    "payment_id": str(payment.id),
                    "user_id": tx.user_id,
                    "amount": money_string(payment.amount),
                    "currency": payment.currency,
                    "payment_method": data.get("payment_type"),
                    "order": order_facts(order),
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
                    "order": order_facts(order),
                },
            )
        if decision.refund_late_payment:
            # Paid twice (the transaction was settled by another payment): the refund returns the
            # extra money and leaves the transaction and order as they are. (A late payment moves
            # no transaction state, so its status here is still the one the money found.)
            settles = tx.status not in (TransactionStatus.COMPLETED, TransactionStatus.REFUNDED)
            await uow.add_job(
                JOB_REFUND,
                {
                    "payment_id": str(payment.id),
                    "amount": None,
                    "reason": decision.reason,
                    "refund_key": f"auto-{payment.id}",
                    "settles_transaction": settles,
                },
            )

    async def _reconcile_refunds(
        self,
        uow: LedgerUnitOfWork,
        order: Order,
        tx: Transaction,
        payment: Payment,
        refunded_at_gateway: Decimal | None,
        actor: str,
    ) -> None:
        """A refund made at the gateway directly (not through us): bring our amounts in line."""
        delta = min(refunded_at_gateway or Decimal(0), to_money(payment.amount)) - to_money(
            payment.refunded_amount
        )
        if delta <= 0:
            return
        payment.refunded_amount = to_money(payment.refunded_amount) + delta
        full = payment.refunded_amount >= to_money(payment.amount)
        target = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        await self._ledger.move(uow, payment, target, actor, "refunded at the gateway")
        await count_refunded(self._ledger, uow, order, tx, delta, actor, "refunded at the gateway")
