"""The sweeper's two passes (every HOLD_SWEEP_INTERVAL_SECONDS):

- unpaid orders whose `hold_expires_at` passed are ended: for a product with inventory that is
  the hold's end, for one without (PPOB, hotels whose supplier has no hold) the quote's validity;
  the charge is stopped, the transaction FAILED, the order CANCELLED ("hold expired");
- open payments whose charge expired more than two minutes ago without an event are checked at
  the gateway, so a lost notification never leaves an order waiting.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from domain.cancel import EndUnpaid
from domain.errors import ChargePaid, PassedOn
from domain.ledger import Ledger, system_actor
from domain.models import TransactionStatus
from domain.payment_events import PaymentEvents

logger = logging.getLogger("transaction_service.sweeper")


class Sweeper:
    def __init__(self, ledger: Ledger, end_unpaid: EndUnpaid, events: PaymentEvents) -> None:
        self._ledger = ledger
        self._end_unpaid = end_unpaid
        self._events = events

    async def expire_holds(self, limit: int = 100) -> int:
        """Returns how many orders ended."""
        async with self._ledger.unit_of_work() as uow:
            ids = await uow.expired_holds(self._ledger.clock(), limit)
        ended = 0
        for order_id in ids:
            try:
                if await self._end_unpaid(
                    order_id, TransactionStatus.FAILED, "hold expired", system_actor("hold-expiry")
                ):
                    ended += 1
            except ChargePaid:
                logger.info("order %s: paid at the last second; the paid event settles it", order_id)
            except PassedOn as exc:
                logger.warning("order %s: cannot stop its charge now (%s); next pass", order_id, exc.slug)
        return ended

    async def sync_overdue_payments(self, grace_seconds: float = 120.0, limit: int = 50) -> int:
        """Returns how many payments changed."""
        async with self._ledger.unit_of_work() as uow:
            ids = await uow.overdue_payments(self._ledger.clock() - timedelta(seconds=grace_seconds), limit)
        changed = 0
        for payment_id in ids:
            try:
                if await self._events.sync(payment_id, system_actor("payment-expiry")) == "applied":
                    changed += 1
            except PassedOn as exc:
                logger.warning("payment %s: cannot check it now (%s); next pass", payment_id, exc.slug)
        return changed
