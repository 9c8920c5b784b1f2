"""Applying what Midtrans says to a charge, the one way every path does it (notification, sync,
cancel, refund): lock the charge row, apply unless stale, write the event in the same
transaction, commit. A notification or callback that is nothing new for the charge as last
committed is only recorded (`record_report`)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from domain.errors import ChargeNotFound
from domain.models import TOPIC_STATUS_CHANGED, Applied, Charge, ChargeStatus, GatewayStatus
from domain.repository import Clock, ReceivedNotification, StandaloneWrites, UnitOfWork, UnitOfWorkFactory

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


def nothing_new(committed: Charge, report: GatewayStatus, now: datetime) -> bool:
    """Whether `report` is a duplicate of the charge as last committed (the same status, refunded
    amount and details: Applied.DUPLICATE) with no payment instructions to announce.

    Then applying it under the row lock would change nothing either, whatever was committed
    meanwhile: a status never comes back once left (TRANSITIONS has no cycle but a partial refund's
    growing amount, which a report of a smaller one does not repeat) and details are only ever
    filled in, so against any later state the report is a duplicate or stale. Only the log line of
    a stale one is missed when the charge moved on between the two."""
    trial = dataclasses.replace(committed)  # apply() changes what it is given
    if trial.apply(report, now) is not Applied.DUPLICATE:
        return False
    # Where to pay is announced under the row lock (change_charge), once, while still pending.
    return not (report.instructions and trial.status is ChargeStatus.PENDING)


async def record_report(
    uow: UnitOfWorkFactory,
    writes: StandaloneWrites,
    committed: Charge,
    report: GatewayStatus,
    clock: Clock,
    notification: ReceivedNotification,
) -> None:
    """A notification's or callback's confirmed report (`committed`: the charge as read for the
    checks before the gateway was asked). A duplicate of that charge (the gateways repeat
    themselves, and the second of pending-then-settlement usually finds settlement applied) is
    recorded on its own, one INSERT with no lock, BEGIN or COMMIT; anything else is applied under
    the row lock with the notification recorded in the same transaction."""
    if nothing_new(committed, report, clock()):
        await writes.add_notification(notification)
        return
    async with uow() as unit:
        await record_status(unit, committed.order_id, report, clock, notification=notification)
