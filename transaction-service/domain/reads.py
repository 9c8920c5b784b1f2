"""Reading orders, transactions, payments and audit trails: a user sees their own, an admin
everyone's; someone else's record answers like a missing one."""

from __future__ import annotations

import uuid

from domain.errors import NotFound
from domain.ledger import Caller, Ledger, owned
from domain.records import AuditEntry, Order, Payment, Transaction
from domain.repository import OrderFilter, TransactionFilter


class Reads:
    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    async def order(self, order_id: uuid.UUID, caller: Caller) -> tuple[Order, uuid.UUID | None]:
        """The order and its transaction's id (one read: buyers poll it until COMPLETED)."""
        async with self._ledger.reading() as uow:
            found = await uow.order_with_transaction_id(order_id)
        order = owned(found[0] if found else None, caller, "order")
        return order, found[1] if found else None

    async def orders(
        self, caller: Caller, status: str | None, service_type: str | None, limit: int, offset: int
    ) -> tuple[list[tuple[Order, uuid.UUID | None]], int]:
        where = OrderFilter(None if caller.is_admin else caller.account_id, status, service_type)
        async with self._ledger.unit_of_work() as uow:
            return await uow.list_orders(where, limit, offset)

    async def transaction(self, tx_id: uuid.UUID, caller: Caller) -> tuple[Transaction, list[Payment]]:
        async with self._ledger.unit_of_work() as uow:
            tx = owned(await uow.transaction(tx_id), caller, "transaction")
            return tx, await uow.payments_of(tx_id)

    async def transactions(
        self, caller: Caller, where: TransactionFilter, limit: int, offset: int
    ) -> tuple[list[Transaction], int]:
        mine = TransactionFilter(
            None if caller.is_admin else caller.account_id,
            where.status,
            where.transaction_type,
            where.created_from,
            where.created_to,
        )
        async with self._ledger.unit_of_work() as uow:
            return await uow.list_transactions(mine, limit, offset)

    async def payment(self, payment_id: uuid.UUID, caller: Caller) -> Payment:
        async with self._ledger.unit_of_work() as uow:
            payment = await uow.payment(payment_id)
            tx = await uow.transaction(payment.transaction_id) if payment else None
            owned(tx, caller, "payment")
        assert payment is not None  # owned() raised otherwise
        return payment

    async def audit_trail(self, tx_id: uuid.UUID) -> list[AuditEntry]:
        async with self._ledger.unit_of_work() as uow:
            tx = await uow.transaction(tx_id)
            if tx is None:
                raise NotFound("transaction")
            return await uow.audit_trail(tx)
