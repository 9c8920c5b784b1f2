"""The one place business errors become HTTP problems (RFC 9457), including problems passed on
from the booking service and payment-service with their own status, slug and extra members."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from domain.errors import (
    ChargePaid,
    HoldExpired,
    IdempotencyKeyReused,
    InvalidRefundAmount,
    InvalidTransition,
    NotEditable,
    NotFound,
    NotPayable,
    NotRefundable,
    RefundRequired,
    RequestInProgress,
    ServiceTypeUnavailable,
    SetByPayment,
    TransactionError,
    TransactionExists,
    UpstreamProblem,
)
from shared.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE
from shared.logging import request_id_var

_SIMPLE: dict[type[TransactionError], tuple[int, str]] = {
    InvalidTransition: (409, "invalid-transition"),
    HoldExpired: (409, "hold-expired"),
    NotPayable: (409, "not-payable"),
    ChargePaid: (409, "charge-paid"),
    NotRefundable: (409, "not-refundable"),
    RefundRequired: (409, "refund-required"),
    SetByPayment: (409, "status-set-by-payment"),
    NotEditable: (409, "not-editable"),
    RequestInProgress: (409, "request-in-progress"),
    InvalidRefundAmount: (422, "invalid-refund-amount"),
    IdempotencyKeyReused: (422, "idempotency-key-reused"),
    ServiceTypeUnavailable: (422, "service-type-unavailable"),
}


def describe(exc: TransactionError) -> tuple[int, str, str, dict[str, Any]]:
    """(status, slug, detail, extra members) of a business error."""
    if isinstance(exc, UpstreamProblem):
        return exc.status, exc.slug, exc.detail or exc.slug, exc.extra
    if isinstance(exc, NotFound):
        return 404, f"{exc.what}-not-found", str(exc), {}
    if isinstance(exc, TransactionExists):
        return 409, "transaction-exists", str(exc), {"transaction_id": exc.transaction_id}
    for exc_type, (status, slug) in _SIMPLE.items():
        if isinstance(exc, exc_type):
            return status, slug, str(exc), {}
    return 409, "conflict", str(exc), {}


def problem_body(exc: TransactionError) -> tuple[int, dict[str, Any]]:
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


def recordable(exc: Exception) -> tuple[int, dict[str, Any]] | None:
    """What the idempotency store records for an exception: business answers below 500 only."""
    if isinstance(exc, TransactionError) and not isinstance(exc, RequestInProgress | IdempotencyKeyReused):
        status, body = problem_body(exc)
        if status < 500:
            return status, body
    return None


def install_error_handlers(app: FastAPI) -> None:
    async def on_business(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TransactionError)
        status, body = problem_body(exc)
        return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)

    app.add_exception_handler(TransactionError, on_business)
