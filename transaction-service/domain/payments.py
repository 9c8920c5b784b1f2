"""Paying an order: a PENDING payment row (its id is Midtrans's order_id), then a Snap charge
through payment-service that lives as long as the hold and lists the order's line items, then
the transaction PROCESSING. An admin may ask the gateway for a payment's status now."""

from __future__ import annotations

import uuid
from datetime import datetime

from domain.errors import HoldExpired, NotFound, NotPayable, PaymentGatewayRejected, PaymentRefused
from domain.ledger import OPEN, Caller, Ledger, owned
from domain.models import PAYABLE_TRANSACTION, OrderStatus, PaymentStatus, TransactionStatus, can_move
from domain.payment_events import PaymentEvents
from domain.ports import ChargeRequest, PaymentGateway
from domain.reads import Reads
from domain.records import Order, Payment, Transaction
from domain.rules import charge_expiry_minutes, charge_items
from shared.money import to_money


def charge_request(
    order: Order, tx: Transaction, payment: Payment, now: datetime, gateway: str | None = None
) -> ChargeRequest:
    """The charge: the order's total and line items, the customer the product named."""
    customer = order.booking.customer
    return ChargeRequest(
        order_id=str(payment.id),
        gross_amount=to_money(tx.amount),
        currency=tx.currency,
        items=charge_items(order.line_items, to_money(tx.amount), order.service_type, order.order_number),
        customer={
            "first_name": customer.get("first_name") or "TiketQ",
            "last_name": customer.get("last_name") or "",
            "email": customer.get("email") or "",
            "phone": customer.get("phone") or "",
        },
        expiry_minutes=charge_expiry_minutes(order.hold_expires_at, now),
        gateway=gateway,
    )


class Payments:
    def __init__(self, ledger: Ledger, payments: PaymentGateway, events: PaymentEvents, reads: Reads) -> None:
        self._ledger = ledger
        self._payments = payments
        self._events = events
        self._reads = reads

    async def create(self, caller: Caller, tx_id: uuid.UUID, gateway: str | None = None) -> Payment:
        """Starts (or returns the still-open) payment of a transaction, through `gateway` when
        the caller names one (payment-service chooses otherwise)."""
        now = self._ledger.clock()
        async with self._ledger.unit_of_work() as uow:
            # The order is found through the transaction by the read that locks it, so the owner
            # is checked once both are locked: someone else's still answers 404 (and the
            # rollback lets their rows go at once).
            chain = await self._ledger.transaction_chain(uow, tx_id)
            order, tx = chain if chain is not None else (None, None)
            tx = owned(tx, caller, "transaction")
            assert order is not None
            if tx.status not in PAYABLE_TRANSACTION:
                raise NotPayable(tx.status)
            if order.status != OrderStatus.CONFIRMED:
                raise NotPayable(order.status)
            if order.hold_lapsed(now):
                raise HoldExpired()
            open_payments = sorted(await uow.payments_of(tx_id, OPEN, lock=True), key=lambda p: p.created_at)
            latest = open_payments[-1] if open_payments else None
            if latest is not None and latest.has_live_charge(now):
                return latest
            if latest is not None and not latest.token:
                payment = latest  # its charge failed to start (an outage): start it again
            else:
                payment = Payment(
                    id=uuid.uuid4(),
                    transaction_id=tx_id,
                    amount=tx.amount,
                    currency=tx.currency,
                    status=PaymentStatus.PENDING,
                    created_at=now,
                    updated_at=now,
                )
                await uow.add(payment)
                await uow.audit("payment", payment.id, None, payment.status, caller.account_id, None, now)
            request = charge_request(order, tx, payment, now, gateway)
            await uow.commit()
        try:
            charge = await self._payments.create_charge(f"payment-{payment.id}", request)
        except (PaymentRefused, PaymentGatewayRejected) as exc:
            # Refused for good: this payment is over (a retry makes a new one). An outage leaves
            # it PENDING without a token, so a retry charges it again (payment-service replays).
            await self._fail(payment.id, caller, exc.slug)
            raise
        async with self._ledger.unit_of_work() as uow:
            order, tx = await self._ledger.chain(uow, order.id)
            assert tx is not None
            stored = await uow.payment(payment.id, lock=True)
            assert stored is not None
            stored.token = charge.token
            stored.redirect_url = charge.redirect_url
            stored.expires_at = charge.expires_at
            stored.gateway_response = charge.raw
            stored.gateway = charge.gateway
            stored.updated_at = self._ledger.clock()
            await uow.save(stored)
            if tx.status == TransactionStatus.PENDING:
                await self._ledger.move(uow, tx, TransactionStatus.PROCESSING, caller.account_id)
            await uow.commit()
        return stored

    async def _fail(self, payment_id: uuid.UUID, caller: Caller, slug: str) -> None:
        async with self._ledger.unit_of_work() as uow:
            failed = await uow.payment(payment_id, lock=True)
            if failed is not None and can_move("payment", failed.status, PaymentStatus.FAILED):
                await self._ledger.move(
                    uow, failed, PaymentStatus.FAILED, caller.account_id, f"charge refused: {slug}"
                )
                await uow.commit()

    async def confirm(self, payment_id: uuid.UUID, caller: Caller) -> Payment:
        """Admin: the gateway's status now, applied exactly as an event would be."""
        async with self._ledger.unit_of_work() as uow:
            if await uow.payment(payment_id) is None:
                raise NotFound("payment")
        await self._events.sync(payment_id, caller.account_id)
        return await self._reads.payment(payment_id, caller)
