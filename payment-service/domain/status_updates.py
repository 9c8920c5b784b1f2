"""Applying what Midtrans says to a charge, the one way every path does it (notification, sync,
cancel, refund): lock the charge row, apply unless stale, write the event in the same
transaction, commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from domain.errors import ChargeNotFound
from domain.models import TOPIC_STATUS_CHANGED, Applied, Charge, ChargeStatus, GatewayStatus
from domain.repository import Clock, ReceivedNotification, UnitOfWork

logger = logging.getLogger("payment_service.status")

Change = Callable[[Charge], Applied]


async def change_charge(
    uow: UnitOfWork,
    order_id: str,
    change: Change,
    clock: Clock,
    *,
    notification: ReceivedNotification | None = None,
    instructions: Mapping[str, str] | None = None,
) -> Charge:
    """Runs `change` on the locked charge inside `uow` (already entered) and commits. The row lock
    (SELECT … FOR UPDATE) makes 50 identical notifications apply one at a time: the first
    changes the charge and writes the event, the others find nothing new."""
    charge = await uow.charges.get(order_id, lock=True)
    if charge is None:
        raise ChargeNotFound(f"No charge for order_id {order_id!r}.")
    previous = charge.status
    applied = change(charge)
    if applied in (Applied.ANNOUNCE, Applied.RECORDED):
        await uow.charges.save(charge)
    if applied is Applied.ANNOUNCE:
        await uow.events.add_once(charge.event_id(), TOPIC_STATUS_CHANGED, charge.event_payload(clock()))
    if instructions and charge.status is ChargeStatus.PENDING:
        # Where to pay, announced once per payment (its own event id) while it is still payable:
        # the customer is told by email. A status already past pending has nothing to pay.
        payload = {**charge.event_payload(clock()), "payment_instructions": dict(instructions)}
        await uow.events.add_once(charge.instructions_event_id(), TOPIC_STATUS_CHANGED, payload)
    if applied is Applied.STALE:
        logger.info(
            "stale status ignored",
            extra={"order_id": order_id, "status": previous.value, "outcome": applied.value},
        )
    if notification is not None:
        await uow.notifications.add(notification)
    await uow.commit()
    return charge


async def record_status(
    uow: UnitOfWork,
    order_id: str,
    report: GatewayStatus,
    clock: Clock,
    *,
    notification: ReceivedNotification | None = None,
) -> Charge:
    now = clock()
    return await change_charge(
        uow,
        order_id,
        lambda charge: charge.apply(report, now),
        clock,
        notification=notification,
        instructions=report.instructions,
    )
