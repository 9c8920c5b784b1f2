"""Business-named errors of flight search, pricing and booking. routes/errors.py maps them to HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class FlightsError(Exception):
    """Base of every flights-service business error."""


@dataclass(frozen=True)
class FieldProblem:
    """One reason a search (or booking) request is not acceptable, named by its field."""

    field: str
    message: str


class InvalidSearch(FlightsError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems) or "The search is not valid.")


class UnknownAirport(InvalidSearch):
    """Only the airports are wrong: each problem names a code that is not a known airport."""


def unknown_airport_problem(field: str, code: str) -> FieldProblem:
    return FieldProblem(field, f"{code!r} is not a known airport IATA code.")


class OfferNotFound(FlightsError):
    """The offer id is malformed or names no offer we know."""


class OfferExpired(FlightsError):
    """The offer is gone: its cache entry expired, or the supplier no longer sells it."""


class TooManyPriceChecks(FlightsError):
    """One client re-priced too often: every price check is a call to the supplier (who counts
    our look-ups against bookings), and the endpoint needs no account."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many price checks from this client; try again in {retry_after} s.")
        self.retry_after = retry_after


class UnknownSupplier(FlightsError):
    """An offer names a supplier that is not enabled here."""


class SupplierUnavailable(FlightsError):
    """The supplier did not answer usefully: transport failure, timeout, 5xx or garbage."""

    def __init__(self, supplier: str, reason: str) -> None:
        self.supplier = supplier
        self.reason = reason
        super().__init__(f"{supplier} is unavailable: {reason}")


class SupplierTimeout(SupplierUnavailable):
    """The supplier did not answer in time (its call timed out)."""


class SupplierRejected(FlightsError):
    """The supplier understood the request and refused it (4xx with its own error payload)."""

    def __init__(self, supplier: str, reason: str) -> None:
        self.supplier = supplier
        self.reason = reason
        super().__init__(f"{supplier} refused the request: {reason}")


class PriceChanged(FlightsError):
    """The supplier's confirmed price differs from the one the caller agreed to."""

    def __init__(self, previous: Decimal, current: Decimal) -> None:
        self.previous = previous
        self.current = current
        super().__init__(f"The price changed from IDR {previous} to IDR {current}.")


class InvalidBooking(FlightsError):
    """The booking request breaks passenger or contact rules; every broken rule is listed."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems) or "The booking request is not valid.")


class HoldRefused(FlightsError):
    """The supplier would not hold the seats (sold out, segment sell failure, airline refusal)."""

    def __init__(self, supplier: str, reason: str) -> None:
        self.supplier = supplier
        self.reason = reason
        super().__init__(f"{supplier} could not hold the seats: {reason}")


class PriceMovedAtHold(FlightsError):
    """The supplier refused the hold because its price moved since pricing (Amadeus PRICE
    DISCREPANCY); the use case re-prices to report the new total."""


class BookingNotFound(FlightsError):
    """No booking has this reference."""


class HoldExpired(FlightsError):
    """The hold passed its deadline (or the supplier says so): it can no longer be issued."""


class BookingCancelled(FlightsError):
    """The booking is cancelled: it can no longer be issued."""
