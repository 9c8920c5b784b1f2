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


class ServiceTypeUnavailable(TransactionError):
    def __init__(self, service_type: str) -> None:
        super().__init__(f"Booking {service_type} is not available yet.")


class UpstreamProblem(TransactionError):
    """A problem another service answered, passed on with its status, slug and extra members
    (say, a booking's 409 price-changed with the new price)."""

    def __init__(
        self, status: int, slug: str, detail: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail or slug)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.extra = dict(extra or {})

    @property
    def is_transient(self) -> bool:
        """Worth retrying later: the other side was down, slow or broken."""
        return self.status >= 500 or self.status == 429

    @property
    def is_permanent(self) -> bool:
        return not self.is_transient


class IdempotencyKeyReused(TransactionError):
    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used with another request body.")


class RequestInProgress(TransactionError):
    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed; retry shortly.")
