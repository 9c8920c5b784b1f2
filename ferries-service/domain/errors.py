"""Business-named errors of ferry search and booking. routes/errors.py maps them to HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class FerriesError(Exception):
    """Base of every ferries-service business error."""


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule, named by the path of its field ("passengers.0.first_name")."""

    field: str
    message: str


class InvalidSearch(FerriesError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems) or "The search is not valid.")


class InvalidBooking(FerriesError):
    """booking_details break the product's rules; every broken rule is listed."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems) or "The booking request is not valid.")


class OfferExpired(FerriesError):
    """The offer id is unknown, its cache entry expired, or the operator no longer sells it."""


class SupplierUnavailable(FerriesError):
    """The operator did not answer usefully: transport failure, 5xx, 401/429 or garbage."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"The ferry operator is unavailable: {reason}")


class SupplierTimeout(SupplierUnavailable):
    """The operator did not answer in time."""


class SupplierRejected(FerriesError):
    """The operator understood and refused for a reason no other error names."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"The ferry operator refused the request: {reason}")


class PriceChanged(FerriesError):
    """The operator's quote is not the offer's price; nothing was held."""

    def __init__(self, previous: Decimal, current: Decimal) -> None:
        self.previous = previous
        self.current = current
        super().__init__(f"The price changed from IDR {previous} to IDR {current}.")


class SoldOut(FerriesError):
    """No seats or deck space left for this party on this sailing."""


class SailingCancelled(FerriesError):
    """The operator cancelled the sailing (weather): it sells and issues nothing for it."""


class BookingNotFound(FerriesError):
    """No booking has this reference."""


class HoldExpired(FerriesError):
    """The hold lapsed: it can no longer be issued."""


class BookingCancelled(FerriesError):
    """The booking is cancelled: it can no longer be issued."""


class NotCancellable(FerriesError):
    """The operator will not take this booking back (the sailing has left)."""
