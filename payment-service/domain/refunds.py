"""Refunds through the charge's gateway, once per Idempotency-Key (which becomes Midtrans's
refund_key, or Xendit's Idempotency-key header)."""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal

from domain.errors import (
    ChargeNotFound,
    GatewayRejected,
    IdempotencyKeyReused,
    InvalidRefundAmount,
    RefundNotAllowed,
)
from domain.gateways import Gateways
from domain.models import (
    TOPIC_STATUS_CHANGED,
    ZERO,
    Applied,
    ChargeStatus,
    GatewayStatus,
    is_whole_rupiah,
)
from domain.repository import Clock, PaymentGateway, Refund, UnitOfWorkFactory

logger = logging.getLogger("payment_service.refunds")

# Refusals as the port reports them, in Midtrans's numbers (the Xendit adapter maps its
# error_codes to them): refund_key already used, cannot refund this payment, amount refused.
DUPLICATE_KEY = 406
CANNOT_MODIFY = 412
INVALID_AMOUNT = 414


class RefundDesk:
    def __init__(self, uow: UnitOfWorkFactory, gateways: Gateways, clock: Clock) -> None:
        self._uow = uow
        self._gateways = gateways
        self._clock = clock

    async def refund(self, order_id: str, refund_key: str, amount: Decimal, reason: str) -> Refund:
        """The charge row stays locked during the Midtrans call, so refunds of one charge run one
        at a time and the amount left is checked against settled numbers. A crash after Midtrans
        refunded is healed by the retry: Midtrans answers 406 for the known refund_key, and the
        refund is read back from the status's refunds[]."""
        if amount <= ZERO or not is_whole_rupiah(amount):
            raise InvalidRefundAmount("amount must be a positive whole rupiah amount.")
        async with self._uow() as uow:
            charge = await uow.charges.get(order_id, lock=True)
            if charge is None:
                raise ChargeNotFound(f"No charge for order_id {order_id!r}.")
            # The route replays answers per key; this row outlives that record (kept for a
            # retention only), and a refund_key must never move money twice.
            existing = await uow.refunds.get(refund_key)
            if existing is not None:
                if (existing.order_id, existing.amount, existing.reason) != (order_id, amount, reason):
                    raise IdempotencyKeyReused(
                        "This Idempotency-Key was used for another refund; use a new key."
                    )
                return existing
            if amount > charge.remaining_amount:
                raise InvalidRefundAmount(
                    f"amount {amount} exceeds what is left to refund ({charge.remaining_amount})."
                )
            total = charge.refunded_amount + amount
            gateway = self._gateways.of(charge)
            try:
                report = await gateway.refund(
                    order_id, refund_key, amount, reason, reference=charge.gateway_reference
                )
            except GatewayRejected as exc:
                if exc.status_code == CANNOT_MODIFY:
                    raise RefundNotAllowed(
                        f"{charge.gateway} cannot refund {order_id!r}: {exc.message}"
                    ) from exc
                if exc.status_code == INVALID_AMOUNT:
                    raise InvalidRefundAmount(f"{charge.gateway} refused the amount: {exc.message}") from exc
                if exc.status_code != DUPLICATE_KEY:
                    raise
                report, total = await self._recover(gateway, order_id, refund_key, exc)
            now = self._clock()
            full = total >= charge.gross_amount
            # Our own sum decides refund vs partial_refund (Midtrans says the same when it is right;
            # a Xendit invoice never says).
            report = dataclasses.replace(
                report,
                transaction_status="refund" if full else "partial_refund",
                fraud_status=charge.fraud_status,
                refunded_amount=total,
                refunds=(),
                normalised=ChargeStatus.REFUNDED if full else ChargeStatus.PARTIALLY_REFUNDED,
            )
            if charge.apply(report, now) is Applied.ANNOUNCE:
                await uow.charges.save(charge)
                await uow.events.add_once(charge.event_id(), TOPIC_STATUS_CHANGED, charge.event_payload(now))
            else:  # our copy was behind (a payment notification never processed): sync repairs it
                logger.warning("refund applied to a charge not known as paid", extra={"order_id": order_id})
            refund = Refund(
                refund_key=refund_key,
                order_id=order_id,
                amount=amount,
                reason=reason,
                status="succeeded",
                transaction_status=report.transaction_status or "refund",
                refunded_amount=charge.refunded_amount,
                created_at=now,
            )
            await uow.refunds.add(refund)
            await uow.commit()
            return refund

    async def _recover(
        self, gateway: PaymentGateway, order_id: str, refund_key: str, exc: GatewayRejected
    ) -> tuple[GatewayStatus, Decimal]:
        """Midtrans already has this refund_key: read it back from the transaction's refunds[]."""
        logger.warning("refund_key already used at Midtrans", extra={"order_id": order_id})
        status = await gateway.status(order_id)
        if not any(r.refund_key == refund_key for r in status.refunds):
            raise exc
        return status, status.refunded_amount
