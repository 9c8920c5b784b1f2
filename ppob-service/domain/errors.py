"""Business errors of PPOB. They carry business names; routes/errors.py turns them into problems."""

from __future__ import annotations

from decimal import Decimal


class PpobError(Exception):
    """Base of every PPOB business error; the message is the problem's detail, in words for people."""


class TooManyInquiries(PpobError):
    """One client asked for too many quotes: an inquiry (a meter's owner, a bill) is a call to
    the aggregator, which charges for some and throttles us, and it needs no account."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many inquiries from this client; try again in {retry_after} s.")
        self.retry_after = retry_after


class UnknownProduct(PpobError):
    """No product with this code is on sale (unknown, switched off, disrupted or in its cut-off)."""


class InvalidCustomerNumber(PpobError):
    """The phone, meter or customer number is not one this product can take."""


class WrongOperator(PpobError):
    """A phone number of another operator than the product's."""


class UnknownMeter(PpobError):
    """PLN knows no meter or customer id with this number."""


class NoBillYet(PpobError):
    """The biller has no open bill for this customer (paid already, or not issued yet)."""


class InvalidQuery(PpobError):
    """A catalogue query that cannot be answered (a category/number mismatch)."""


class OfferExpired(PpobError):
    """The offer id is unknown or its quote has expired."""


class InvalidBooking(PpobError):
    """booking_details break the product's rules; `errors` lists every broken rule."""

    def __init__(self, errors: list[tuple[tuple[str | int, ...], str, str]]) -> None:
        super().__init__("The booking details are not valid.")
        self.errors = errors


class PriceChanged(PpobError):
    def __init__(self, total: Decimal, previous: Decimal) -> None:
        super().__init__(f"The price changed from {previous} to {total}; nothing was held.")
        self.total = total
        self.previous = previous


class BookingNotFound(PpobError):
    pass


class HoldExpired(PpobError):
    pass


class BookingCancelled(PpobError):
    pass


class NotCancellable(PpobError):
    """A delivered purchase (credit, token, paid bill) cannot be taken back."""


class DepositTooLow(PpobError):
    """Our deposit at the aggregator cannot pay for this purchase: refused before the customer pays."""


class SupplierUnavailable(PpobError):
    """The aggregator is down or answered something we cannot read."""


class SupplierTimeout(PpobError):
    """The aggregator did not answer in time."""


class SupplierRejected(PpobError):
    """The aggregator refused the request for a reason that is not the customer's."""
