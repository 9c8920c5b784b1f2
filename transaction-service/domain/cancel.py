"""Ending an unpaid order: by its buyer or an admin (cancel), or by the sweeper when the hold
lapsed. Every open charge is stopped first (a charge that turns out to be paid wins: the paid
event settles the order), then the order ends CANCELLED, its transaction CANCELLED or FAILED, and
the booking's release is queued."""

from __future__ import annotations

import uuid

from domain.errors import ChargeNotFound, ChargePaid, InvalidTransition, PaymentStartedMeanwhile
from domain.event_facts import order_facts
from domain.ledger import JOB_RELEASE, OPEN, SYSTEM, Caller, Ledger, owned
from domain.models import PAYABLE_TRANSACTION, PaymentStatus, TransactionStatus, can_move
from domain.ports import PaymentGateway
from domain.records import Transaction
from domain.rules import CHARGE_TO_PAYMENT

_PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
_ENDED = (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED)


class EndUnpaid:
    def __init__(self, ledger: Ledger, payments: PaymentGateway) -> None:
        self._ledger = ledger
        self._payments = payments

    async def __call__(self, order_id: uuid.UUID, target: TransactionStatus, reason: str, actor: str) -> bool:
        """Stops every open charge, then ends the order (CANCELLED) and its transaction
        (`target`) and queues the booking's release. Raises ChargePaid when a charge turns out to
        be paid. For the system, False when there is nothing (more) to end."""
        system = actor.startswith("system:")
        async with self._ledger.unit_of_work() as uow:
            tx = await uow.transaction_of_order(order_id)
            open_payments = await uow.payments_of(tx.id, OPEN) if tx else []
        outcomes: dict[uuid.UUID, PaymentStatus] = {}
        for payment in open_payments:
            try:
                charge = await self._payments.cancel(str(payment.id))
            except ChargeNotFound:
                outcomes[payment.id] = PaymentStatus.CANCELLED  # never reached the gateway
                continue
            status = CHARGE_TO_PAYMENT.get(charge.status, PaymentStatus.CANCELLED)
            if status in _PAID:
                raise ChargePaid()
            outcomes[payment.id] = status if status in _ENDED else PaymentStatus.CANCELLED
        async with self._ledger.unit_of_work() as uow:
            order, tx = await self._ledger.chain(uow, order_id)
            if tx is not None and tx.status not in PAYABLE_TRANSACTION:
                if system:
                    return False
                raise InvalidTransition("transaction", tx.status, target)
            if not order.is_unpaid:
                if system:
                    return False
                raise InvalidTransition("order", order.status, "CANCELLED")
            if tx is not None:
                still_open = await uow.payments_of(tx.id, OPEN, lock=True)
                if any(p.id not in outcomes for p in still_open):
                    # A payment started meanwhile: its charge was not stopped, so do not end yet.
                    if system:
                        return False
                    raise PaymentStartedMeanwhile()
                for payment in still_open:
                    if can_move("payment", payment.status, outcomes[payment.id]):
                        await self._ledger.move(uow, payment, outcomes[payment.id], actor, reason)
                await self._ledger.move(uow, tx, target, actor, reason)
            order.failure_reason = reason
            await self._ledger.move(uow, order, "CANCELLED", actor, reason)
            await uow.add_job(JOB_RELEASE, {"order_id": str(order_id)})
            await uow.add_event(
                "transaction.failed",
                {
                    "transaction_id": str(tx.id) if tx else None,
                    "order_id": str(order_id),
                    "user_id": order.user_id,
                    "status": str(target),
                    "reason": reason,
                    "order": order_facts(order),
                },
            )
            await uow.commit()
        return True


class CancelTransaction:
    def __init__(self, ledger: Ledger, end_unpaid: EndUnpaid) -> None:
        self._ledger = ledger
        self._end_unpaid = end_unpaid

    async def __call__(self, tx_id: uuid.UUID, caller: Caller, reason: str | None) -> Transaction:
        """PENDING/PROCESSING only: the charge stopped, the booking released, all CANCELLED."""
        async with self._ledger.unit_of_work() as uow:
            tx = owned(await uow.transaction(tx_id), caller, "transaction")
        if tx.status not in PAYABLE_TRANSACTION:
            raise InvalidTransition("transaction", tx.status, TransactionStatus.CANCELLED)
        default = "cancelled by an admin" if caller.is_admin else "cancelled by the customer"
        await self._end_unpaid(tx.order_id, TransactionStatus.CANCELLED, reason or default, caller.account_id)
        async with self._ledger.unit_of_work() as uow:
            ended = owned(await uow.transaction(tx_id), SYSTEM, "transaction")
        return ended
