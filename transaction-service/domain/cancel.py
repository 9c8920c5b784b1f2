"""Ending an unpaid order: by its buyer or an admin (cancel), or by the sweeper when the hold
lapsed. Every open charge is stopped first (a charge that turns out to be paid wins: the paid
event settles the order), then the order ends CANCELLED, its transaction CANCELLED or FAILED, and
the booking's release is queued.

Before a charge is stopped the order records its `Ending` (who ends it, how, why): payment-service
announces the stopped charge as an event, and that event may be applied before this use case's
last step. It then ends the order the ender's way, and the last step finds its work done."""

from __future__ import annotations

import uuid

from domain.errors import ChargeNotFound, ChargePaid, InvalidTransition, PaymentStartedMeanwhile
from domain.event_facts import order_facts
from domain.ledger import JOB_RELEASE, OPEN, SYSTEM, Caller, Ledger, owned
from domain.models import PAYABLE_TRANSACTION, OrderStatus, PaymentStatus, TransactionStatus, can_move
from domain.ports import PaymentGateway
from domain.records import Ending, Order, Payment, Transaction
from domain.repository import LedgerUnitOfWork
from domain.rules import CHARGE_TO_PAYMENT

_PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
_ENDED = (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED)


def _endable(order: Order, tx: Transaction | None, target: TransactionStatus, system: bool) -> bool:
    """Whether the order can still end; for a person, InvalidTransition when it cannot (the
    sweeper simply has nothing to do)."""
    if tx is not None and tx.status not in PAYABLE_TRANSACTION:
        if system:
            return False
        raise InvalidTransition("transaction", tx.status, target)
    if not order.is_unpaid:
        if system:
            return False
        raise InvalidTransition("order", order.status, "CANCELLED")
    return True


class EndUnpaid:
    def __init__(self, ledger: Ledger, payments: PaymentGateway) -> None:
        self._ledger = ledger
        self._payments = payments

    async def __call__(self, order_id: uuid.UUID, target: TransactionStatus, reason: str, actor: str) -> bool:
        """Stops every open charge, then ends the order (CANCELLED) and its transaction
        (`target`) and queues the booking's release. Raises ChargePaid when a charge turns out to
        be paid. For the system, False when there is nothing (more) to end."""
        system = actor.startswith("system:")
        ending = Ending(target, reason, actor)
        async with self._ledger.unit_of_work() as uow:
            order, tx = await self._ledger.chain(uow, order_id)
            if not _endable(order, tx, target, system):
                return False
            open_payments = await uow.payments_of(tx.id, OPEN) if tx else []
            if open_payments:
                order.ending = ending
                await uow.save(order)
                await uow.commit()
        try:
            outcomes = await self._stop(open_payments)
        except Exception:
            await self._forget(order_id, ending)
            raise
        async with self._ledger.unit_of_work() as uow:
            order, tx = await self._ledger.chain(uow, order_id)
            if order.status is OrderStatus.CANCELLED and order.ending == ending:
                return True  # a stopped charge's event came back first and ended it our way
            if not _endable(order, tx, target, system):
                return False
            still_open = await uow.payments_of(tx.id, OPEN, lock=True) if tx else []
            # A payment started meanwhile has a charge that was not stopped: do not end yet.
            ended = all(p.id in outcomes for p in still_open)
            if ended:
                for payment in still_open:
                    if can_move("payment", payment.status, outcomes[payment.id]):
                        await self._ledger.move(uow, payment, outcomes[payment.id], actor, reason)
                if tx is not None:
                    await self._ledger.move(uow, tx, target, actor, reason)
                await self._end(uow, order, tx, ending)
            elif order.ending == ending:
                order.ending = None
                await uow.save(order)
            await uow.commit()
        if not ended and not system:
            raise PaymentStartedMeanwhile()
        return ended

    async def _stop(self, open_payments: list[Payment]) -> dict[uuid.UUID, PaymentStatus]:
        """Stops each charge; what each payment becomes. ChargePaid when one turns out paid."""
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
        return outcomes

    async def _end(self, uow: LedgerUnitOfWork, order: Order, tx: Transaction | None, ending: Ending) -> None:
        order.failure_reason = ending.reason
        await self._ledger.move(uow, order, "CANCELLED", ending.actor, ending.reason)
        await uow.add_job(JOB_RELEASE, {"order_id": str(order.id)})
        await uow.add_event(
            "transaction.failed",
            {
                "transaction_id": str(tx.id) if tx else None,
                "order_id": str(order.id),
                "user_id": order.user_id,
                "status": str(ending.status),
                "reason": ending.reason,
                "order": order_facts(order),
            },
        )

    async def _forget(self, order_id: uuid.UUID, ending: Ending) -> None:
        """The charges could not all be stopped: the order is not being ended after all."""
        async with self._ledger.unit_of_work() as uow:
            order, _tx = await self._ledger.chain(uow, order_id)
            if order.ending == ending:
                order.ending = None
                await uow.save(order)
                await uow.commit()


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
