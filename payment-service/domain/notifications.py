"""Midtrans HTTP notifications (POST /webhooks/midtrans), handled as Midtrans advises: record
every body (a rejected one as a capped summary: domain/notification_log.py), check every number
before use, verify the signature, never trust the body alone (ask Midtrans for the status), check
the amount, ignore stale statuses, be idempotent."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any, NoReturn

from domain.errors import (
    AmountMismatch,
    ForgedNotification,
    GatewayError,
    GatewayRejected,
    InvalidNotification,
    NotificationUnconfirmed,
    UnknownOrder,
)
from domain.gateways import MIDTRANS
from domain.models import money
from domain.notification_log import Received
from domain.repository import (
    ChargeReader,
    Clock,
    PaymentGateway,
    ReceivedNotification,
    StandaloneWrites,
    UnitOfWorkChargeReader,
    UnitOfWorkFactory,
    UnitOfWorkStandaloneWrites,
    Verdict,
)
from domain.signature import signature_is_valid
from domain.status_updates import record_report

logger = logging.getLogger("payment_service.notifications")

REQUIRED_FIELDS = ("order_id", "status_code", "gross_amount", "signature_key", "transaction_status")


class NotificationDesk:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        server_key: str,
        charges: ChargeReader | None = None,
        writes: StandaloneWrites | None = None,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._server_key = server_key
        # The checks before Midtrans is asked read the charge on its own; applying a change locks
        # it again in the unit of work, so nothing decided here goes unchecked (a report that is
        # nothing new for the charge as read is only recorded: status_updates.nothing_new).
        self._charges = charges or UnitOfWorkChargeReader(uow)
        # A refused notification, or one that is nothing new, is recorded on its own: one row.
        self._writes = writes or UnitOfWorkStandaloneWrites(uow)

    async def receive(self, raw: bytes) -> None:
        """Returns when the notification is accepted (applied, or a duplicate/stale one that changes
        nothing); raises a business error naming why it is refused. Every body is recorded.

        The amount is read (NaN, infinities, 1e30 and garbage refused as malformed: 400) before
        anything else uses it, the signature included, since the signature check takes the
        amount's string as sent."""
        body = _json_object(raw)
        received = Received(raw, body, self._clock(), MIDTRANS)

        def notification(verdict: Verdict, detail: str | None = None) -> ReceivedNotification:
            fields = body or {}
            return received.record(verdict, fields.get("order_id"), fields.get("transaction_status"), detail)

        if body is None:
            await self._store(notification(Verdict.INVALID, "not a JSON object"))
            raise InvalidNotification("The notification is not a JSON object.")
        missing = [f for f in REQUIRED_FIELDS if not isinstance(body.get(f), str | int | float)]
        gross = None
        if not missing:
            try:
                gross = money(body["gross_amount"])
            except ValueError:
                missing.append("gross_amount")
        if missing or gross is None:
            detail = "missing or malformed: " + ", ".join(missing)
            await self._store(notification(Verdict.INVALID, detail))
            raise InvalidNotification(f"The notification lacks {', '.join(missing)}.")

        order_id = str(body["order_id"])
        if not signature_is_valid(
            order_id,
            str(body["status_code"]),
            str(body["gross_amount"]),
            str(body["signature_key"]),
            self._server_key,
        ):
            logger.warning("forged notification refused", extra={"order_id": order_id})
            await self._store(notification(Verdict.FORGED))
            raise ForgedNotification("The notification's signature_key does not match.")

        charge = await self._charges.read(order_id)
        if charge is None or charge.gateway != MIDTRANS:
            await self._store(notification(Verdict.UNKNOWN_ORDER))
            raise UnknownOrder(f"No Midtrans charge for order_id {order_id!r}.")

        # The notification's own amount first (no need to ask Midtrans about a wrong one), then
        # the status's: both must be the charge's.
        if gross != charge.gross_amount:
            await self._mismatch(notification(Verdict.AMOUNT_MISMATCH), charge.gross_amount, gross, None)
        try:
            report = await self._gateway.status(order_id)
        except GatewayRejected as exc:
            if exc.status_code == 404:
                await self._store(notification(Verdict.UNKNOWN_ORDER, "Midtrans has no such transaction"))
                raise UnknownOrder(f"Midtrans has no transaction for order_id {order_id!r}.") from exc
            await self._store(notification(Verdict.UNCONFIRMED, str(exc)))
            raise NotificationUnconfirmed("Midtrans refused the status request; try again later.") from exc
        except GatewayError as exc:
            await self._store(notification(Verdict.UNCONFIRMED, type(exc).__name__))
            raise NotificationUnconfirmed(
                "Midtrans could not be asked for the status; try again later."
            ) from exc

        if report.gross_amount != charge.gross_amount:
            await self._mismatch(
                notification(Verdict.AMOUNT_MISMATCH), charge.gross_amount, gross, report.gross_amount
            )

        await record_report(
            self._uow, self._writes, charge, report, self._clock, notification(Verdict.ACCEPTED)
        )

    async def _mismatch(
        self,
        notification: ReceivedNotification,
        charged: Decimal,
        notified: Decimal | None,
        reported: Decimal | None,
    ) -> NoReturn:
        logger.warning(
            "notification amount mismatch",
            extra={
                "order_id": notification.order_id,
                "charge_amount": str(charged),
                "notified_amount": str(notified),
                "status_amount": str(reported),
            },
        )
        await self._store(notification)
        raise AmountMismatch(
            f"Midtrans's amount for {notification.order_id!r} does not match the charge's {charged}."
        )

    async def _store(self, notification: ReceivedNotification) -> None:
        await self._writes.add_notification(notification)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" nested deep
        return None
    return parsed if isinstance(parsed, dict) else None
