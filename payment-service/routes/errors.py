"""The one place payment domain errors become HTTP problems."""

from __future__ import annotations

from domain.errors import (
    AmountMismatch,
    ChargeExists,
    ChargeNotFound,
    ChargePaid,
    ForgedNotification,
    GatewayRejected,
    GatewayTimeout,
    GatewayUnavailable,
    IdempotencyKeyReused,
    InvalidCharge,
    InvalidNotification,
    InvalidRefundAmount,
    NotificationUnconfirmed,
    RefundNotAllowed,
    UnknownOrder,
)
from shared.errors import ProblemSpec

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    InvalidCharge: ProblemSpec(422, "invalid-charge", "Invalid charge request"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    ChargeExists: ProblemSpec(409, "charge-exists", "Charge exists"),
    ChargeNotFound: ProblemSpec(404, "charge-not-found", "Charge not found"),
    ChargePaid: ProblemSpec(409, "charge-paid", "Charge paid"),
    RefundNotAllowed: ProblemSpec(409, "refund-not-allowed", "Refund not allowed"),
    InvalidRefundAmount: ProblemSpec(422, "invalid-refund-amount", "Invalid refund amount"),
    GatewayRejected: ProblemSpec(502, "gateway-rejected", "Payment gateway refused the request"),
    GatewayUnavailable: ProblemSpec(503, "gateway-unavailable", "Payment gateway unavailable"),
    GatewayTimeout: ProblemSpec(504, "gateway-timeout", "Payment gateway timed out"),
    # the Midtrans notification webhook
    InvalidNotification: ProblemSpec(400, "invalid-notification", "Invalid notification"),
    ForgedNotification: ProblemSpec(401, "invalid-signature", "Invalid signature"),
    UnknownOrder: ProblemSpec(404, "unknown-order", "Unknown order"),
    AmountMismatch: ProblemSpec(422, "amount-mismatch", "Amount mismatch"),
    NotificationUnconfirmed: ProblemSpec(503, "gateway-unavailable", "Payment gateway unavailable"),
}
