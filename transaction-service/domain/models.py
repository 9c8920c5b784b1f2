"""Orders, transactions, payments and refunds: their states and the only moves between them.

Each machine is an explicit table (from-state → the states it may move to). `check()` raises
`InvalidTransition` for anything else; event handlers turn that into "change nothing, log it",
user and admin actions into 409 `invalid-transition`. A move to the state a record is already in
is also refused (it is a stale or duplicate request), except where the table lists it (a second
partial refund keeps a payment PARTIALLY_REFUNDED).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from domain.errors import InvalidTransition


class OrderStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    CONFIRMED = "CONFIRMED"
    PAID = "PAID"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"


class TransactionStatus(enum.StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"


class PaymentStatus(enum.StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    CHALLENGE = "CHALLENGE"


class RefundStatus(enum.StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class ServiceType(enum.StrEnum):
    """What TiketQ sells. The one list: API schemas, the orders table's CHECK, the reports and
    the order validation all read it. Which of them can be bought right now is configuration
    (a product service's base URL per service type), not this list."""

    FLIGHT = "flight"
    FERRY = "ferry"
    HOTEL = "hotel"
    PPOB = "ppob"


SERVICE_TYPES: tuple[str, ...] = tuple(str(t) for t in ServiceType)


class BookingStatus(enum.StrEnum):
    """A booking's status as its product service reports it (docs/booking-contract.md)."""

    HELD = "held"
    PENDING = "pending"  # paid and asked to issue; the supplier answers later
    ISSUED = "issued"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"  # the supplier finally refused to fulfil it


# Bookings that still exist at the supplier, so cancelling the order must cancel them there too.
LIVE_BOOKING = frozenset({BookingStatus.HELD, BookingStatus.PENDING, BookingStatus.ISSUED})


Os = OrderStatus
T = TransactionStatus
P = PaymentStatus

ORDER_TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    # DRAFT: created, not yet held at the booking service.
    Os.DRAFT: frozenset({Os.CONFIRMED, Os.CANCELLED}),
    # CONFIRMED: held, awaiting payment.
    Os.CONFIRMED: frozenset({Os.PAID, Os.CANCELLED}),
    # PAID: money received, the booking being issued (at once or pending at the supplier);
    # CANCELLED when issuing fails for good (refunded) or the customer cancels.
    Os.PAID: frozenset({Os.COMPLETED, Os.CANCELLED}),
    # COMPLETED: the product says the booking is issued; CANCELLED by a full refund or by a
    # cancellation the product accepted (refunded what its policy allows).
    Os.COMPLETED: frozenset({Os.CANCELLED}),
    Os.CANCELLED: frozenset(),
}

TRANSACTION_TRANSITIONS: Mapping[TransactionStatus, frozenset[TransactionStatus]] = {
    T.PENDING: frozenset({T.PROCESSING, T.COMPLETED, T.FAILED, T.CANCELLED}),
    T.PROCESSING: frozenset({T.COMPLETED, T.FAILED, T.CANCELLED}),
    T.COMPLETED: frozenset({T.REFUNDED}),
    # Money that arrived after the transaction ended is returned: FAILED/CANCELLED → REFUNDED.
    T.FAILED: frozenset({T.REFUNDED}),
    T.CANCELLED: frozenset({T.REFUNDED}),
    T.REFUNDED: frozenset(),
}

PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    P.PENDING: frozenset({P.PAID, P.FAILED, P.EXPIRED, P.CANCELLED, P.CHALLENGE}),
    P.CHALLENGE: frozenset({P.PAID, P.FAILED, P.EXPIRED, P.CANCELLED}),
    P.PAID: frozenset({P.REFUNDED, P.PARTIALLY_REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    # A payer who paid at the last second: the money is real, so it is recorded (then refunded).
    P.FAILED: frozenset({P.PAID}),
    P.EXPIRED: frozenset({P.PAID}),
    P.CANCELLED: frozenset({P.PAID}),
    P.REFUNDED: frozenset(),
}

REFUND_TRANSITIONS: Mapping[RefundStatus, frozenset[RefundStatus]] = {
    RefundStatus.PENDING: frozenset({RefundStatus.SUCCEEDED, RefundStatus.FAILED}),
    RefundStatus.SUCCEEDED: frozenset(),
    RefundStatus.FAILED: frozenset(),
}

_TABLES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "order": {str(k): frozenset(str(v) for v in vs) for k, vs in ORDER_TRANSITIONS.items()},
    "transaction": {str(k): frozenset(str(v) for v in vs) for k, vs in TRANSACTION_TRANSITIONS.items()},
    "payment": {str(k): frozenset(str(v) for v in vs) for k, vs in PAYMENT_TRANSITIONS.items()},
    "refund": {str(k): frozenset(str(v) for v in vs) for k, vs in REFUND_TRANSITIONS.items()},
}

PAYABLE_TRANSACTION = frozenset({T.PENDING, T.PROCESSING})
OPEN_PAYMENT = frozenset({P.PENDING, P.CHALLENGE})
PAID_PAYMENT = frozenset({P.PAID, P.PARTIALLY_REFUNDED, P.REFUNDED})


def can_move(entity: str, current: str, target: str) -> bool:
    return target in _TABLES[entity].get(current, frozenset())


def check(entity: str, current: str, target: str) -> None:
    """Raises InvalidTransition unless `entity` may move from `current` to `target`."""
    if not can_move(entity, current, target):
        raise InvalidTransition(entity, current, target)
