"""Refunds, by an admin or automatic (a booking that could not be issued, money that arrived
after the order ended): a PENDING refund row first (its unique refund_key is also the gateway's,
so a retry never refunds twice), then payment-service, then the outcome. A full refund ends the
transaction REFUNDED and the order CANCELLED, and cancels a live booking at the product; a
partial one leaves the sale and the booking as they are."""

from __future__ import annotations

import uuid
from decimal import Decimal

from domain.errors import NotFound, NotRefundable, PaymentRefused
from domain.event_facts import order_facts
from domain.ledger import JOB_RELEASE, Caller, Ledger
from domain.models import OrderStatus, PaymentStatus, RefundStatus, TransactionStatus, can_move
from domain.ports import PaymentGateway
from domain.records import Order, Refund, Transaction
from domain.repository import LedgerUnitOfWork
from domain.rules import derived_key, refund_amount
from shared.money import money_string, to_money

_REFUNDABLE = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


async def count_refunded(
    ledger: Ledger,
    uow: LedgerUnitOfWork,
    order: Order,
    tx: Transaction,
    amount: Decimal,
    actor: str,
    reason: str,
) -> None:
    """Adds a refunded amount to the transaction; once everything is refunded, the transaction
    is REFUNDED and the order CANCELLED, and a booking still live at the product (held, or
    issued) is cancelled there too."""
    tx.refunded_amount = min(to_money(tx.amount), to_money(tx.refunded_amount) + amount)
    tx.updated_at = ledger.clock()
    await uow.save(tx)
    if tx.refunded_amount < to_money(tx.amount):
        return  # partial: the sale stands
    if can_move("transaction", tx.status, TransactionStatus.REFUNDED):
        await ledger.move(uow, tx, TransactionStatus.REFUNDED, actor, reason)
    if can_move("order", order.status, OrderStatus.CANCELLED):
        booked = order.status in (OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.COMPLETED)
        order.failure_reason = order.failure_reason or reason
        await ledger.move(uow, order, OrderStatus.CANCELLED, actor, reason)
        if booked and order.booking_reference and order.booking.is_live:
            await uow.add_job(JOB_RELEASE, {"order_id": str(order.id)})


class Refunds:
    def __init__(self, ledger: Ledger, payments: PaymentGateway) -> None:
        self._ledger = ledger
        self._payments = payments

    async def of_transaction(
        self, tx_id: uuid.UUID, amount: Decimal | None, reason: str, client_key: str, caller: Caller
    ) -> Refund:
        """Refunds the transaction's latest paid payment (COMPLETED transactions only)."""
        async with self._ledger.unit_of_work() as uow:
            tx = await uow.transaction(tx_id)
            if tx is None:
                raise NotFound("transaction")
            paid = [p for p in await uow.payments_of(tx_id, list(_REFUNDABLE)) if p.paid_at is not None]
        if not paid or tx.status != TransactionStatus.COMPLETED:
            raise NotRefundable(tx.status)
        latest = max(paid, key=lambda p: p.paid_at or p.created_at)
        return await self.of_payment(latest.id, amount, reason, client_key, caller)

    async def of_payment(
        self, payment_id: uuid.UUID, amount: Decimal | None, reason: str, client_key: str, caller: Caller
    ) -> Refund:
        refund_key = "rf-" + derived_key(str(payment_id), client_key)[:40]
        return await self.refund(payment_id, amount, reason, refund_key, caller.account_id, caller.account_id)

    async def refund(
        self,
        payment_id: uuid.UUID,
        requested: Decimal | None,
        reason: str,
        refund_key: str,
        processed_by: str,
        actor: str,
        settles_transaction: bool = True,
    ) -> Refund:
        """`settles_transaction=False`: a second payment of a settled transaction is returned
        without touching the transaction or the order."""
        refund = await self._pending_refund(payment_id, requested, reason, refund_key, processed_by, actor)
        if refund.status != RefundStatus.PENDING:
            return refund
        try:
            await self._payments.refund(str(payment_id), refund_key, to_money(refund.amount), reason)
        except PaymentRefused as exc:
            await self._refused(refund.id, actor, exc.slug)
            raise
        return await self._succeeded(payment_id, refund.id, actor, reason, settles_transaction)

    async def _pending_refund(
        self,
        payment_id: uuid.UUID,
        requested: Decimal | None,
        reason: str,
        refund_key: str,
        processed_by: str,
        actor: str,
    ) -> Refund:
        async with self._ledger.unit_of_work() as uow:
            chain = await self._ledger.payment_chain(uow, payment_id)
            if chain is None:
                raise NotFound("payment")
            _order, tx, payment = chain
            refund = await uow.refund_by_key(refund_key)
            if refund is not None:
                return refund
            if payment.status not in _REFUNDABLE:
                raise NotRefundable(payment.status)
            pending = await uow.pending_refunds_total(payment_id)
            amount = refund_amount(
                requested, to_money(payment.amount), to_money(payment.refunded_amount) + pending
            )
            now = self._ledger.clock()
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
        return refund

    async def _refused(self, refund_id: uuid.UUID, actor: str, slug: str) -> None:
        async with self._ledger.unit_of_work() as uow:
            refused = await uow.refund(refund_id, lock=True)
            if refused is not None and refused.status == RefundStatus.PENDING:
                refused.processed_at = self._ledger.clock()
                await self._ledger.move(uow, refused, RefundStatus.FAILED, actor, slug)
                await uow.commit()

    async def _succeeded(
        self, payment_id: uuid.UUID, refund_id: uuid.UUID, actor: str, reason: str, settles_transaction: bool
    ) -> Refund:
        async with self._ledger.unit_of_work() as uow:
            chain = await self._ledger.payment_chain(uow, payment_id)
            current = await uow.refund(refund_id, lock=True)
            assert chain is not None
            assert current is not None
            order, tx, payment = chain
            if current.status == RefundStatus.PENDING:
                current.processed_at = self._ledger.clock()
                await self._ledger.move(uow, current, RefundStatus.SUCCEEDED, actor, reason)
                amount = to_money(current.amount)
                payment.refunded_amount = min(
                    to_money(payment.amount), to_money(payment.refunded_amount) + amount
                )
                full = payment.refunded_amount >= to_money(payment.amount)
                target = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
                if can_move("payment", payment.status, target):
                    await self._ledger.move(uow, payment, target, actor, reason)
                else:
                    payment.updated_at = self._ledger.clock()
                    await uow.save(payment)
                if settles_transaction:
                    await count_refunded(self._ledger, uow, order, tx, amount, actor, reason)
                await uow.add_event(
                    "refund.processed",
                    {
                        "refund_id": str(current.id),
                        "transaction_id": str(tx.id),
                        "order_id": str(order.id),
                        "payment_id": str(payment_id),
                        "user_id": tx.user_id,
                        "amount": money_string(amount),
                        "currency": payment.currency,
                        "reason": reason,
                        "order": order_facts(order),
                    },
                )
                await uow.commit()
        return current
