"""Xendit callbacks (POST /webhooks/xendit): invoice callbacks (PAID, EXPIRED) and refund
callbacks (refund.succeeded, refund.failed).

Handled as Xendit advises and as Midtrans notifications are: the `x-callback-token` header must
equal the account's verification token (compared in constant time) before anything in the body
is used; every number is read before use (NaN, 1e30, garbage: 400); the invoice is then fetched
(`GET /v2/invoices/{id}`: the callback alone is never trusted); its order, amount and currency
must be the charge's; the status is applied unless stale, in the same way and with the same
events as Midtrans's. Xendit retries a callback until it gets a 2xx, so a refusal that a retry
could cure (Xendit unreachable) is 503 and the others are final 4xx."""

from __future__ import annotations

import hmac
import json
import logging
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
from domain.gateways import XENDIT
from domain.models import Charge, money
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
from domain.status_updates import record_report

logger = logging.getLogger("payment_service.xendit_callbacks")

INVOICE_FIELDS = ("id", "external_id", "status")
AMOUNT_FIELDS = ("amount", "paid_amount")
NOT_FOUND = 404


def token_matches(given: str | None, expected: str) -> bool:
    # Constant time, so a forger cannot learn the token byte by byte.
    # An empty expected token (a placeholder refused outside local development) matches nothing.
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


class XenditCallbackDesk:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        callback_token: str,
        charges: ChargeReader | None = None,
        writes: StandaloneWrites | None = None,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._token = callback_token
        # As for Midtrans's notifications: the checks before Xendit is asked read the charge on
        # its own, applying the status locks it again; a refused callback, or one that is nothing
        # new, is one row on its own.
        self._charges = charges or UnitOfWorkChargeReader(uow)
        self._writes = writes or UnitOfWorkStandaloneWrites(uow)

    async def receive(self, raw: bytes, callback_token: str | None) -> None:
        """Returns when the callback is accepted (applied, or a duplicate/stale one that changes
        nothing); raises a business error naming why it is refused. Every body is recorded."""
        body = _json_object(raw)
        received = Received(raw, body, self._clock(), XENDIT)
        fields = body or {}

        def record(verdict: Verdict, detail: str | None = None) -> ReceivedNotification:
            return received.record(verdict, fields.get("external_id"), fields.get("status"), detail)

        if not token_matches(callback_token, self._token):
            logger.warning("xendit callback with a wrong token refused")
            await self._store(record(Verdict.FORGED, "x-callback-token does not match"))
            raise ForgedNotification("The x-callback-token does not match.")
        if body is None:
            await self._store(record(Verdict.INVALID, "not a JSON object"))
            raise InvalidNotification("The callback is not a JSON object.")
        if isinstance(body.get("event"), str) and str(body["event"]).startswith("refund."):
            await self._refund_event(received, body)
            return

        problems = [f for f in INVOICE_FIELDS if not isinstance(body.get(f), str) or not body[f].strip()]
        notified: dict[str, Any] = {}
        for name in AMOUNT_FIELDS:
            if name in body and body[name] is not None:
                try:
                    notified[name] = _amount(body[name])
                except ValueError:
                    problems.append(name)
        if "amount" not in notified and "amount" not in problems:
            problems.append("amount")
        if problems:
            detail = "missing or malformed: " + ", ".join(problems)
            await self._store(record(Verdict.INVALID, detail))
            raise InvalidNotification(f"The callback lacks {', '.join(problems)}.")

        order_id, invoice_id = str(body["external_id"]), str(body["id"])
        charge = await self._charges.read(order_id)
        if charge is None or charge.gateway != XENDIT or charge.gateway_reference not in (None, invoice_id):
            await self._store(record(Verdict.UNKNOWN_ORDER))
            raise UnknownOrder(f"No Xendit charge for external_id {order_id!r} and invoice {invoice_id!r}.")
        for name, amount in notified.items():
            if amount != charge.gross_amount and not (name == "paid_amount" and amount == 0):
                await self._mismatch(record(Verdict.AMOUNT_MISMATCH, f"{name} {amount}"), charge)

        try:
            report = await self._gateway.status(order_id, invoice_id)
        except GatewayRejected as exc:
            if exc.status_code == NOT_FOUND:
                await self._store(record(Verdict.UNKNOWN_ORDER, "Xendit has no such invoice"))
                raise UnknownOrder(f"Xendit has no invoice {invoice_id!r}.") from exc
            await self._store(record(Verdict.UNCONFIRMED, str(exc)[:200]))
            raise NotificationUnconfirmed("Xendit refused the invoice request; try again later.") from exc
        except GatewayError as exc:
            await self._store(record(Verdict.UNCONFIRMED, type(exc).__name__))
            raise NotificationUnconfirmed(
                "Xendit could not be asked for the invoice; try again later."
            ) from exc

        if report.order_id != order_id:
            await self._store(record(Verdict.UNKNOWN_ORDER, "the invoice belongs to another external_id"))
            raise UnknownOrder(f"Invoice {invoice_id!r} is not the one of {order_id!r}.")
        if (
            report.gross_amount != charge.gross_amount
            or (report.currency or charge.currency) != charge.currency
        ):
            detail = f"invoice says {report.gross_amount} {report.currency}"
            await self._mismatch(record(Verdict.AMOUNT_MISMATCH, detail), charge)

        await record_report(self._uow, self._writes, charge, report, self._clock, record(Verdict.ACCEPTED))

    async def _refund_event(self, received: Received, body: dict[str, Any]) -> None:
        """Refunds are counted when Xendit accepts them (domain/refunds.py). The callback that ends
        one is recorded; a failure is logged loudly: the payer was told of a refund that did not
        happen, which an operator settles with Xendit (docs/providers.md, Xendit)."""
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        assert isinstance(data, dict)
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        assert isinstance(metadata, dict)
        order_id = metadata.get("order_id")
        status = data.get("status")
        failure = data.get("failure_code")
        if body["event"] == "refund.failed" or status == "FAILED":
            logger.error(
                "xendit refund failed after it was accepted",
                extra={"order_id": order_id, "refund_id": data.get("id"), "failure_code": failure},
            )
        detail = f"{body['event']}" + (f": {failure}" if failure else "")
        await self._store(received.record(Verdict.ACCEPTED, order_id, status, detail))

    async def _mismatch(self, notification: ReceivedNotification, charge: Charge) -> NoReturn:
        logger.warning(
            "xendit callback amount mismatch",
            extra={"order_id": charge.order_id, "charge_amount": str(charge.gross_amount)},
        )
        await self._store(notification)
        raise AmountMismatch(
            f"Xendit's amount for {charge.order_id!r} does not match the charge's {charge.gross_amount}."
        )

    async def _store(self, notification: ReceivedNotification) -> None:
        await self._writes.add_notification(notification)


def _amount(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("not an amount")
    return money(value)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" nested deep
        return None
    return parsed if isinstance(parsed, dict) else None
