"""An admin changes an order's status: only along the transition table, audited.

Cancelling an unpaid order is a cancel (charge stopped, booking released); a paid one is
cancelled through a full refund. PAID is never set by hand: no money came with it, and the real
payment would then look late and be refunded. PAID → COMPLETED by hand stays possible (a booking
the supplier confirmed by phone).
"""

from __future__ import annotations

import uuid

from domain.cancel import EndUnpaid
from domain.errors import NotFound, RefundRequired, SetByPayment
from domain.ledger import Caller, Ledger
from domain.models import OrderStatus, TransactionStatus
from domain.reads import Reads
from domain.records import Order


class SetOrderStatus:
    def __init__(self, ledger: Ledger, end_unpaid: EndUnpaid, reads: Reads) -> None:
        self._ledger = ledger
        self._end_unpaid = end_unpaid
        self._reads = reads

    async def __call__(
        self, order_id: uuid.UUID, target: str, reason: str, caller: Caller
    ) -> tuple[Order, uuid.UUID | None]:
        if target == OrderStatus.PAID:
            raise SetByPayment(target)
        if target == OrderStatus.CANCELLED:
            async with self._ledger.unit_of_work() as uow:
                current = await uow.order(order_id)
            if current is None:
                raise NotFound("order")
            if current.is_unpaid:
                await self._end_unpaid(order_id, TransactionStatus.CANCELLED, reason, caller.account_id)
                return await self._reads.order(order_id, caller)
            if current.status in (OrderStatus.PAID, OrderStatus.COMPLETED):
                raise RefundRequired()
        async with self._ledger.unit_of_work() as uow:
            order, tx = await self._ledger.chain(uow, order_id)
            await self._ledger.move(uow, order, target, caller.account_id, reason)
            await uow.commit()
        return order, tx.id if tx else None
