"""Business-named errors of the hotels domain; routes/errors.py turns them into HTTP problems."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule: where (a dotted path, e.g. "child_ages.1" or "guests.0.last_name") and why."""

    field: str
    message: str


class HotelsError(Exception):
    pass


class InvalidSearch(HotelsError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class InvalidBooking(HotelsError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class HotelNotFound(HotelsError):
    pass


class OfferExpired(HotelsError):
    """The offer id is unknown, its cache entry expired, or the supplier no longer sells the rate."""


class PriceChanged(HotelsError):
    """The supplier's price is not the offer's: nothing is booked, the new price is shown."""

    def __init__(self, previous: Decimal, current: Decimal) -> None:
        super().__init__(
            f"The price changed from {previous:.2f} to {current:.2f} IDR; confirm the new price."
        )
        self.previous = previous
        self.current = current


class SoldOut(HotelsError):
    """No room left for this rate."""


class BookingNotFound(HotelsError):
    pass


class HoldExpired(HotelsError):
    pass


class BookingCancelled(HotelsError):
    pass


class NotCancellable(HotelsError):
    pass


class SupplierUnavailable(HotelsError):
    def __init__(self, supplier: str, reason: str) -> None:
        super().__init__(f"{supplier}: {reason}")
        self.supplier = supplier


class SupplierTimeout(SupplierUnavailable):
    pass


class SupplierRejected(HotelsError):
    """The supplier refused for a reason we cannot put a business name on."""

    def __init__(self, supplier: str, reason: str) -> None:
        super().__init__(f"{supplier}: {reason}")
        self.supplier = supplier
