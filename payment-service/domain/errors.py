"""Business-named errors of charges, notifications and refunds. routes/errors.py maps them to HTTP."""

from __future__ import annotations


class PaymentError(Exception):
    """Base of every payment-service business error."""


class InvalidCharge(PaymentError):
    """The charge request breaks a rule (amounts, items, order id, expiry)."""


class IdempotencyKeyReused(PaymentError):
    """The Idempotency-Key was first used with another request body."""


class ChargeExists(PaymentError):
    """The order_id already has a charge (under another key), or Midtrans already knows it."""


class ChargeNotFound(PaymentError):
    """No charge for that order_id."""


class ChargePaid(PaymentError):
    """The charge was paid, so it cannot be cancelled (refund it instead)."""


class RefundNotAllowed(PaymentError):
    """Midtrans refuses to refund this transaction (412: not settled, or not refundable)."""


class InvalidRefundAmount(PaymentError):
    """The amount is not a positive whole rupiah amount within what is left to refund."""


class GatewayDisabled(PaymentError):
    """The chosen payment gateway is switched off (or not configured), so it takes no new payment."""


class GatewayError(PaymentError):
    """Base of what the payment gateway did wrong."""


class GatewayUnavailable(GatewayError):
    """Midtrans could not be reached, answered 5xx or answered something that is not its API."""


class GatewayTimeout(GatewayError):
    """Midtrans did not answer in time."""


class GatewayRejected(GatewayError):
    """The gateway answered with an error: Midtrans's `status_code` (in the HTTP status or inside a
    200 body), or the HTTP status of Xendit's `{error_code, message}`."""

    def __init__(self, status_code: int, message: str, gateway: str = "Midtrans") -> None:
        self.status_code = status_code
        self.message = message
        super().__init__(f"{gateway} refused the request ({status_code}): {message}")


class InvalidNotification(PaymentError):
    """A notification that is not a JSON object with the fields Midtrans always sends."""


class ForgedNotification(PaymentError):
    """A notification whose signature_key (Midtrans) or x-callback-token (Xendit) does not match."""


class UnknownOrder(PaymentError):
    """A notification for an order_id we have no charge for."""


class AmountMismatch(PaymentError):
    """Midtrans's amount (notification or status) differs from the charge's."""


class NotificationUnconfirmed(PaymentError):
    """Midtrans could not be asked for the status the notification announces (it will retry)."""
