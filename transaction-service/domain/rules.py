"""Pure rules of the money path: derived keys, order numbers, how long a charge may live and what
it lists, refund amounts, and what a payment status means for a payment, its transaction and its
order (the decision the webhook and /confirm apply)."""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from domain.errors import InvalidRefundAmount
from domain.models import (
    OPEN_PAYMENT,
    PAYABLE_TRANSACTION,
    OrderStatus,
    PaymentStatus,
    TransactionStatus,
    can_move,
)
from domain.ports import ChargeItem
from domain.records import Ending, LineItem
from shared.money import to_money

MAX_CHARGE_MINUTES = 60
ORDER_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
# Midtrans's item_details: names longer than 50 characters are cut (some channels refuse them),
# prices are whole rupiah and never zero, and payment-service takes at most 100 lines.
ITEM_NAME_LIMIT = 50
MAX_CHARGE_ITEMS = 100


def derived_key(*parts: str) -> str:
    """A key for a call we make on someone's behalf, stable for the same parts (≤ 200 chars)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def order_number(now: datetime, rand: secrets.SystemRandom | None = None) -> str:
    """`TQ-` + the UTC date as `YYMMDD` + `-` + 8 random characters, e.g. `TQ-261127-YZYCAHBW`."""
    rng = rand or secrets.SystemRandom()
    tail = "".join(rng.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))
    return f"TQ-{now:%y%m%d}-{tail}"


def charge_expiry_minutes(hold_expires_at: datetime | None, now: datetime) -> int:
    """Minutes left on the hold, rounded down, capped at 60 (at least 1 while any time is left)."""
    if hold_expires_at is None:
        return MAX_CHARGE_MINUTES
    seconds = (hold_expires_at - now).total_seconds()
    return max(1, min(MAX_CHARGE_MINUTES, math.floor(seconds / 60)))


def charge_items(
    line_items: Sequence[LineItem], total: Decimal, service_type: str, order_number: str
) -> list[ChargeItem]:
    """What the payment page lists: the order's line items, when Midtrans can carry them (whole
    non-zero rupiah, at most 100 lines; free lines are left out, they add nothing), else one line
    of the total. Either way the lines add up to the gross amount, as Midtrans requires."""
    lines = [item for item in line_items if item.unit_price != 0]
    fits = (
        0 < len(lines) <= MAX_CHARGE_ITEMS
        and all(item.unit_price == item.unit_price.to_integral_value() for item in lines)
        and sum((item.amount for item in lines), Decimal(0)) == total
    )
    if not fits:
        name = f"TiketQ {service_type} {order_number}"[:ITEM_NAME_LIMIT]
        return [ChargeItem(id=service_type, name=name, price=to_money(total), quantity=1)]
    return [
        ChargeItem(
            id=f"{service_type}-{index + 1}",
            name=item.description[:ITEM_NAME_LIMIT],
            price=to_money(item.unit_price),
            quantity=item.quantity,
        )
        for index, item in enumerate(lines)
    ]


def refund_amount(requested: Decimal | None, paid: Decimal, already_refunded: Decimal) -> Decimal:
    """What a refund request means: default everything that is left; never more than that."""
    remaining = to_money(paid - already_refunded)
    amount = remaining if requested is None else to_money(requested)
    if amount <= 0 or amount > remaining:
        raise InvalidRefundAmount(amount, remaining)
    return amount


def cancellation_refund(supplier_refund: Decimal | None, refundable: Decimal) -> Decimal:
    """What a customer who cancels a paid order gets back: what the supplier refunds us for the
    cancellation, never more than is left to refund of the payment. None (a hold never issued,
    or a supplier that names no fee) gives back everything that is left. Whole rupiah, rounded
    down: Midtrans refunds no sen, and we never give back more than the supplier returns."""
    left = max(to_money(refundable), Decimal(0))
    amount = left if supplier_refund is None else min(max(to_money(supplier_refund), Decimal(0)), left)
    return to_money(amount.to_integral_value(rounding=ROUND_FLOOR))


# payment-service's normalised Charge.status → our payment status.
CHARGE_TO_PAYMENT: dict[str, PaymentStatus] = {
    "pending": PaymentStatus.PENDING,
    "paid": PaymentStatus.PAID,
    "failed": PaymentStatus.FAILED,
    "cancelled": PaymentStatus.CANCELLED,
    "expired": PaymentStatus.EXPIRED,
    "refunded": PaymentStatus.REFUNDED,
    "partially_refunded": PaymentStatus.PARTIALLY_REFUNDED,
    "challenge": PaymentStatus.CHALLENGE,
}

ENDED_PAYMENT = frozenset({PaymentStatus.FAILED, PaymentStatus.EXPIRED, PaymentStatus.CANCELLED})
REFUNDED_PAYMENT = frozenset({PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED})


def charge_target(charge_status: str) -> PaymentStatus:
    """Our payment status for a charge status of payment-service (an unknown one: failed)."""
    return CHARGE_TO_PAYMENT.get(charge_status, PaymentStatus.FAILED)


def weighs_other_payments(charge_status: str) -> bool:
    """Whether `decide_payment` weighs `another_payment_open` for this status: only an ending
    charge does, so only then are the other payments read (a paid event needs no such read)."""
    return charge_target(charge_status) in ENDED_PAYMENT


def weighs_refunds(charge_status: str) -> bool:
    """Whether `decide_payment` weighs `refunded_here`: only a refund at the gateway does."""
    return charge_target(charge_status) in REFUNDED_PAYMENT


@dataclass(frozen=True)
class PaymentDecision:
    """What a payment status observation changes. None = leave as it is."""

    payment: PaymentStatus | None = None
    transaction: TransactionStatus | None = None
    order: OrderStatus | None = None
    issue_booking: bool = False  # paid: issue the tickets
    release_booking: bool = False  # ended unpaid: cancel the hold
    refund_late_payment: bool = False  # paid, but the order had already ended: refund it all
    reconcile_refunds: bool = False  # refunded at the gateway: bring the amounts in line
    reason: str | None = None

    @property
    def changes_anything(self) -> bool:
        return any(
            (
                self.payment,
                self.transaction,
                self.order,
                self.issue_booking,
                self.release_booking,
                self.refund_late_payment,
                self.reconcile_refunds,
            )
        )


def decide_payment(
    charge_status: str,
    payment: PaymentStatus,
    transaction: TransactionStatus,
    order: OrderStatus,
    *,
    refunded_at_gateway: Decimal = Decimal(0),
    refunded_here: Decimal = Decimal(0),
    another_payment_open: bool = False,
    ending: Ending | None = None,
) -> PaymentDecision:
    """The one place a payment status becomes state changes. Stale, duplicate and out-of-order
    observations decide nothing (the caller logs them). An old charge that ends while a newer
    one of the same transaction is still open ends only itself. A charge that ends while its
    order is being ended on purpose (`ending`: a cancel or the hold's expiry stopped it) ends the
    order the ender's way: its transaction status and reason, not the charge's."""
    target = charge_target(charge_status)
    if target is PaymentStatus.PENDING:
        return PaymentDecision()
    if target is PaymentStatus.CHALLENGE:
        if can_move("payment", payment, target):
            return PaymentDecision(payment=target)
        return PaymentDecision()
    if target is PaymentStatus.PAID:
        if not can_move("payment", payment, target):
            return PaymentDecision()
        if transaction in PAYABLE_TRANSACTION and order is OrderStatus.CONFIRMED:
            return PaymentDecision(
                payment=target,
                transaction=TransactionStatus.COMPLETED,
                order=OrderStatus.PAID,
                issue_booking=True,
            )
        if transaction in (TransactionStatus.COMPLETED, TransactionStatus.REFUNDED):
            reason = "paid twice; the extra payment is refunded in full"
        else:
            reason = f"paid after the order was {order.value.lower()}; refunded in full"
        return PaymentDecision(payment=target, refund_late_payment=True, reason=reason)
    if target in ENDED_PAYMENT:
        if payment not in OPEN_PAYMENT:
            return PaymentDecision()
        if another_payment_open:
            return PaymentDecision(payment=target, reason=f"payment {target.value.lower()}")
        decision_tx: TransactionStatus | None = None
        decision_order: OrderStatus | None = None
        if transaction in PAYABLE_TRANSACTION:
            decision_tx = (
                TransactionStatus.CANCELLED if target is PaymentStatus.CANCELLED else TransactionStatus.FAILED
            )
        reason = f"payment {target.value.lower()}"
        if order is OrderStatus.CONFIRMED:
            decision_order = OrderStatus.CANCELLED
            if ending is not None:
                decision_tx = ending.status if decision_tx is not None else None
                reason = ending.reason
        return PaymentDecision(
            payment=target,
            transaction=decision_tx,
            order=decision_order,
            release_booking=decision_order is not None,
            reason=reason,
        )
    # REFUNDED_PAYMENT: refunded / partially_refunded at the gateway
    if refunded_at_gateway > refunded_here:
        return PaymentDecision(reconcile_refunds=True)
    return PaymentDecision()
