"""The one place business errors become HTTP problems (RFC 9457). Answers another service gave
(a product's refusal, payment-service's) are passed on unchanged: their status, slug, detail and
extra members."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from domain.errors import (
    ChargePaid,
    HoldExpired,
    InvalidRefundAmount,
    InvalidTransition,
    NotEditable,
    NotFound,
    NotPayable,
    NotRefundable,
    PassedOn,
    PaymentStartedMeanwhile,
    RefundRequired,
    ServiceTypeUnavailable,
    SetByPayment,
    TooManyUnpaidOrders,
    TransactionError,
    TransactionExists,
)
from shared.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE
from shared.idempotency import IdempotencyKeyReused, Replay, RequestStillRunning
from shared.logging import request_id_var

_SIMPLE: dict[type[Exception], tuple[int, str]] = {
    InvalidTransition: (409, "invalid-transition"),
    HoldExpired: (409, "hold-expired"),
    NotPayable: (409, "not-payable"),
    ChargePaid: (409, "charge-paid"),
    NotRefundable: (409, "not-refundable"),
    RefundRequired: (409, "refund-required"),
    SetByPayment: (409, "status-set-by-payment"),
    NotEditable: (409, "not-editable"),
    PaymentStartedMeanwhile: (409, "request-in-progress"),
    RequestStillRunning: (409, "request-in-progress"),
    InvalidRefundAmount: (422, "invalid-refund-amount"),
    IdempotencyKeyReused: (422, "idempotency-key-reused"),
    ServiceTypeUnavailable: (422, "service-type-unavailable"),
}
_DETAIL = {
    RequestStillRunning: "A request with this Idempotency-Key is still being processed; retry shortly.",
    IdempotencyKeyReused: "This Idempotency-Key was already used with another request body.",
}


def describe(exc: Exception) -> tuple[int, str, str, dict[str, Any]]:
    """(status, slug, detail, extra members) of a business error."""
    if isinstance(exc, PassedOn):
        return exc.answered_status, exc.slug, exc.detail or exc.slug, exc.members
    if isinstance(exc, NotFound):
        return 404, f"{exc.what}-not-found", str(exc), {}
    if isinstance(exc, TooManyUnpaidOrders):
        return 409, "too-many-unpaid-orders", str(exc), {"limit": exc.limit, "unpaid_orders": exc.unpaid}
    if isinstance(exc, TransactionExists):
        return 409, "transaction-exists", str(exc), {"transaction_id": exc.transaction_id}
    for exc_type, (status, slug) in _SIMPLE.items():
        if isinstance(exc, exc_type):
            return status, slug, _DETAIL.get(exc_type, str(exc)), {}
    return 409, "conflict", str(exc), {}


def problem_body(exc: Exception) -> tuple[int, dict[str, Any]]:
    status, slug, detail, extra = describe(exc)
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        **jsonable_encoder(extra),
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "request_id": request_id_var.get(),
    }
    return status, body


def replay_problem(status: int, body: dict[str, Any]) -> JSONResponse:
    """A recorded problem, answered again with this request's id."""
    return JSONResponse(
        {**body, "request_id": request_id_var.get()}, status_code=status, media_type=PROBLEM_MEDIA_TYPE
    )


# Answers about a passing moment, not final ones: a charge found paid while cancelling (the paid
# event settles the order, after which a cancel means something else), a payment started
# meanwhile, and the cap of unpaid orders (it lifts once one is paid or cancelled). A retry with
# the same key must ask again, not be told the same thing forever.
_MOMENTARY = (ChargePaid, PaymentStartedMeanwhile, TooManyUnpaidOrders)


def recordable(exc: BaseException) -> Replay | None:
    """What the idempotency store records for an exception: business answers below 500 only
    (an outage or a timeout is not recorded, so a retry with the same key tries again)."""
    if isinstance(exc, TransactionError) and not isinstance(exc, _MOMENTARY):
        status, body = problem_body(exc)
        if status < 500:
            return Replay(status, body)
    return None


def install_error_handlers(app: FastAPI) -> None:
    async def on_business(_: Request, exc: Exception) -> JSONResponse:
        status, body = problem_body(exc)
        return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)

    app.add_exception_handler(TransactionError, on_business)
    app.add_exception_handler(IdempotencyKeyReused, on_business)
    app.add_exception_handler(RequestStillRunning, on_business)
