"""Transactions by hand: one for an order that has none, and the buyer's own notes and
payment-method preference while it is PENDING. (Orders made by POST /orders/ come with theirs.)"""

from __future__ import annotations

import uuid

from domain.errors import NotEditable, NotPayable, TransactionExists
from domain.ledger import Caller, Ledger, owned
from domain.models import TransactionStatus
from domain.records import Transaction


class Transactions:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    async def create(self, caller: Caller, order_id: uuid.UUID) -> Transaction:
        async with self._ledger.unit_of_work() as uow:
            order = owned(await uow.order(order_id, lock=True), caller, "order")
            existing = await uow.transaction_of_order(order_id)
            if existing is not None:
                raise TransactionExists(str(existing.id))
            if not order.is_unpaid:
                raise NotPayable(order.status)
            now = self._ledger.clock()
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

    async def update(
        self, tx_id: uuid.UUID, caller: Caller, payment_method: str | None, notes: str | None
    ) -> Transaction:
        async with self._ledger.unit_of_work() as uow:
            tx = owned(await uow.transaction(tx_id, lock=True), caller, "transaction")
            if tx.status != TransactionStatus.PENDING:
                raise NotEditable(tx.status)
            if payment_method is not None:
                tx.payment_method = payment_method
            if notes is not None:
                tx.metadata = {**tx.metadata, "notes": notes}
            tx.updated_at = self._ledger.clock()
            await uow.save(tx)
            await uow.commit()
        return tx
