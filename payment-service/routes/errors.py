"""The one place payment domain errors become HTTP problems, and the one place that says which
of them an Idempotency-Key records for replay."""

from __future__ import annotations

import json
from typing import Any

from domain.errors import (
    AmountMismatch,
    ChargeExists,
    ChargeNotFound,
    ChargePaid,
    ForgedNotification,
    GatewayDisabled,
    GatewayRejected,
    GatewayTimeout,
    GatewayUnavailable,
    IdempotencyKeyReused,
    InvalidCharge,
    InvalidNotification,
    InvalidRefundAmount,
    NotificationUnconfirmed,
    PaymentError,
    RefundNotAllowed,
    UnknownOrder,
)
from shared import idempotency
from shared.errors import ProblemSpec, problem_response

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    InvalidCharge: ProblemSpec(422, "invalid-charge", "Invalid charge request"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    idempotency.IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    idempotency.RequestStillRunning: ProblemSpec(409, "request-in-progress", "Request in progress"),
    ChargeExists: ProblemSpec(409, "charge-exists", "Charge exists"),
    ChargeNotFound: ProblemSpec(404, "charge-not-found", "Charge not found"),
    ChargePaid: ProblemSpec(409, "charge-paid", "Charge paid"),
    RefundNotAllowed: ProblemSpec(409, "refund-not-allowed", "Refund not allowed"),
    InvalidRefundAmount: ProblemSpec(422, "invalid-refund-amount", "Invalid refund amount"),
    GatewayRejected: ProblemSpec(502, "gateway-rejected", "Payment gateway refused the request"),
    GatewayUnavailable: ProblemSpec(503, "gateway-unavailable", "Payment gateway unavailable"),
    GatewayTimeout: ProblemSpec(504, "gateway-timeout", "Payment gateway timed out"),
    GatewayDisabled: ProblemSpec(503, "gateway-disabled", "Payment gateway switched off"),
    # the Midtrans notification and Xendit callback webhooks
    InvalidNotification: ProblemSpec(400, "invalid-notification", "Invalid notification"),
    ForgedNotification: ProblemSpec(401, "invalid-signature", "Invalid signature"),
    UnknownOrder: ProblemSpec(404, "unknown-order", "Unknown order"),
    AmountMismatch: ProblemSpec(422, "amount-mismatch", "Amount mismatch"),
    NotificationUnconfirmed: ProblemSpec(503, "gateway-unavailable", "Payment gateway unavailable"),
}


def problem_body(exc: Exception) -> tuple[int, dict[str, Any]] | None:
    """The problem document the error handlers answer for `exc` (without a request id), or None
    for an exception the map does not name."""
    for exc_type in type(exc).__mro__:
        spec = ERROR_MAP.get(exc_type)
        if spec is not None:
            response = problem_response(spec.status, spec.slug, str(exc) or None, title=spec.title)
            body: dict[str, Any] = json.loads(bytes(response.body))
            body.pop("request_id", None)
            return spec.status, body
    return None


def recordable(exc: BaseException) -> idempotency.Replay | None:
    """What an Idempotency-Key records when the work raised: a business refusal (a 4xx: invalid
    charge, charge exists, refund not allowed…) is the answer for good and is replayed; a gateway
    failure (5xx), a timeout or a crash is not, so a retry with the same key tries again."""
    if not isinstance(exc, PaymentError) or isinstance(exc, IdempotencyKeyReused):
        return None
    answer = problem_body(exc)
    if answer is None or answer[0] >= 500:
        return None
    return idempotency.Replay(*answer)
