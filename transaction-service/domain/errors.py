"""Business errors of the money path; routes/errors.py maps each to an HTTP problem."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


class TransactionError(Exception):
    """Base of every business error here."""


class InvalidTransition(TransactionError):
    def __init__(self, entity: str, current: str, target: str) -> None:
        article = "An" if entity[:1].lower() in "aeiou" else "A"
        super().__init__(f"{article} {entity} cannot move from {current} to {target}.")
        self.entity = entity
        self.current = current
        self.target = target


class NotFound(TransactionError):
    """Unknown, or someone else's (the same answer, so ids cannot be probed)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what}.")
        self.what = what


class TransactionExists(TransactionError):
    def __init__(self, transaction_id: str) -> None:
        super().__init__(f"The order already has transaction {transaction_id}.")
        self.transaction_id = transaction_id


class HoldExpired(TransactionError):
    def __init__(self) -> None:
        super().__init__("The booking hold has expired; make a new order.")


class NotPayable(TransactionError):
    def __init__(self, status: str) -> None:
        super().__init__(f"A {status} transaction cannot be paid.")


class ChargePaid(TransactionError):
    """The charge turned out to be paid: the paid event will settle the order."""

    def __init__(self) -> None:
        super().__init__("The payment has already been made; it cannot be cancelled.")


class InvalidRefundAmount(TransactionError):
    def __init__(self, amount: Decimal, remaining: Decimal) -> None:
        super().__init__(f"A refund of {amount} exceeds what is left to refund ({remaining}).")


class NotRefundable(TransactionError):
    def __init__(self, status: str) -> None:
        super().__init__(f"A {status} transaction has no payment to refund.")


class SetByPayment(TransactionError):
    """PAID is a fact about money: only a settled payment sets it."""

    def __init__(self, target: str) -> None:
        super().__init__(f"An order becomes {target} only when its payment settles; it is not set by hand.")


class RefundRequired(TransactionError):
    def __init__(self) -> None:
        super().__init__("A paid order is cancelled through a full refund (POST /transactions/{id}/refund).")


class NotEditable(TransactionError):
    def __init__(self, status: str) -> None:
        super().__init__(f"A {status} transaction can no longer be changed.")


class TooManyUnpaidOrders(TransactionError):
    """An account may hold only so many unpaid orders at once: each holds seats or rooms at a
    supplier until it is paid or its hold runs out, so unlimited ones would let one account
    keep inventory from everyone else."""

    def __init__(self, limit: int, unpaid: int) -> None:
        super().__init__(
            f"This account already has {unpaid} unpaid orders (at most {limit}); pay or cancel one first."
        )
        self.limit = limit
        self.unpaid = unpaid


class ServiceTypeUnavailable(TransactionError):
    def __init__(self, service_type: str) -> None:
        super().__init__(f"Booking {service_type} is not available yet.")


class PassedOn(TransactionError):
    """An answer another service gave that our caller receives unchanged: its slug, detail and
    extra members (a product's 409 price-changed carries the new price, its 422 invalid-booking
    the field errors). `answered_status` is kept only so the edge can repeat the answer as it
    came; use cases decide by the error's type (refused for good, or worth retrying), never by it.
    """

    def __init__(
        self,
        slug: str,
        detail: str | None = None,
        members: dict[str, Any] | None = None,
        *,
        answered_status: int,
    ) -> None:
        super().__init__(detail or slug)
        self.slug = slug
        self.detail = detail
        self.members = dict(members or {})
        self.answered_status = answered_status


# --- the product services (docs/booking-contract.md) ---------------------------------------------


class BookingRefused(PassedOn):
    """The product service refused for good (price changed, sold out, offer expired, invalid
    details, hold expired, booking cancelled, not cancellable, the supplier rejected it…): asking
    again gives the same answer."""


class ProductUnavailable(PassedOn):
    """The product service (or its supplier) is down or broken right now: worth retrying."""


class ProductTimeout(ProductUnavailable):
    """The product service (or its supplier) did not answer in time: worth retrying."""


class ProductAnswerInvalid(ProductUnavailable):
    """The product service answered something that breaks the contract (a quote whose lines do
    not add up to its total, a missing field): nothing of it is used; a retry may fare better."""

    def __init__(self, detail: str) -> None:
        super().__init__("booking-service-error", detail, answered_status=502)


class BookingStillPending(TransactionError):
    """The supplier has not finished issuing yet; the booking is read again later."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"Booking {reference} is still pending at the supplier.")
        self.reference = reference


# --- payment-service ------------------------------------------------------------------------------


class PaymentRefused(PassedOn):
    """payment-service refused for good (refund not allowed, invalid amount, …)."""


class ChargeNotFound(PaymentRefused):
    """payment-service has no such charge: it never reached the gateway."""


class PaymentServiceUnavailable(PassedOn):
    """payment-service (or Midtrans behind it) is down, slow or broken right now: worth retrying."""


class PaymentGatewayRejected(PaymentServiceUnavailable):
    """Midtrans refused the request (payment-service's 502). A new charge it refuses is over;
    a refund it refuses is tried again, since the money must go back."""


class PaymentStartedMeanwhile(TransactionError):
    """A payment was started while the order was being cancelled; its charge was not stopped."""

    def __init__(self) -> None:
        super().__init__("A payment was started meanwhile; retry the cancellation shortly.")
