"""Xendit's Invoices and Refunds APIs, as served under /xendit:

- `POST /v2/invoices` → the invoice (`id`, `invoice_url`, `status` PENDING, `expiry_date`, …);
- `GET /v2/invoices?external_id=` → the invoices of that external_id (404 when none);
- `GET /v2/invoices/{id}`; `POST /invoices/{id}/expire!` (a pending invoice only);
- `POST /refunds` (`invoice_id`, `amount`, `reason`, an `Idempotency-key` header: the same key
  answers the same refund) → PENDING, then SUCCEEDED or FAILED by callback; `GET /refunds/{id}`.

Basic auth with the secret API key as user name; errors as `{"error_code", "message"}` with the
HTTP status Xendit uses."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from state import SandboxState
from xendit_state import Invoice, XenditState, expiry

MAX_DURATION_SECONDS = 31_536_000  # a year
DEFAULT_DURATION_SECONDS = 86_400
REFUND_REASONS = ("FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS")
LIMIT = 1000


class XenditError(Exception):
    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"error_code": self.error_code, "message": self.message}


def xendit(request: Request) -> XenditState:
    state: SandboxState = request.app.state.sandbox
    return state.xendit


async def xendit_access(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Waits the latency knob, fails with the error_rate knob, then checks the secret key."""
    state = xendit(request)
    if state.knobs.latency_ms:
        await asyncio.sleep(state.knobs.latency_ms / 1000)
    if state.knobs.error_rate > 0 and state.knob_rng.random() < state.knobs.error_rate:
        raise XenditError(500, "SERVER_ERROR", "An unexpected error occurred, our team has been notified")
    if not authorization or not authorization.startswith("Basic "):
        raise XenditError(401, "INVALID_API_KEY", "API key format is invalid")
    try:
        decoded = base64.b64decode(authorization.removeprefix("Basic ").strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise XenditError(401, "INVALID_API_KEY", "API key format is invalid") from None
    key, sep, _password = decoded.partition(":")
    if not sep or not hmac.compare_digest(key.encode(), state.settings.secret_key.encode()):
        raise XenditError(401, "INVALID_API_KEY", "API key is not authorized for this API service")


router = APIRouter(dependencies=[Depends(xendit_access)])


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _invalid(message: str) -> XenditError:
    return XenditError(400, "API_VALIDATION_ERROR", message)


def _whole_amount(value: Any, name: str) -> int:
    # JSON numbers only; Xendit refuses strings, NaN and fractions of a rupiah.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f'"{name}" must be a number')
    if value != value or value in (float("inf"), float("-inf")) or value != int(value):
        raise _invalid(f'"{name}" must be a whole number of rupiah')
    amount = int(value)
    if not 1 <= amount <= 999_999_999_999:
        raise _invalid(f'"{name}" must be between 1 and 999999999999')
    return amount


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
        raise _invalid("the body is not JSON") from None
    if not isinstance(body, dict):
        raise _invalid("the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str, *, required: bool = False, limit: int = LIMIT) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise _invalid(f'"{name}" is required')
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _invalid(f'"{name}" must be a non-empty string of at most {limit} characters')
    return value


def _found(state: XenditState, invoice_id: str) -> Invoice:
    invoice = state.invoices.get(invoice_id)
    if invoice is None:
        raise XenditError(404, "INVOICE_NOT_FOUND_ERROR", "Could not find invoice")
    return state.refresh(invoice)


@router.post("/v2/invoices")
async def create_invoice(request: Request) -> dict[str, Any]:
    state = xendit(request)
    body = await _json_body(request)
    external_id = _text(body, "external_id", required=True)
    assert external_id is not None
    amount = _whole_amount(body.get("amount"), "amount")
    currency = body.get("currency", "IDR")
    if currency != "IDR":
        raise XenditError(
            400, "UNSUPPORTED_CURRENCY", f"Currency {currency} is not supported for this business"
        )
    duration = body.get("invoice_duration", DEFAULT_DURATION_SECONDS)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not 1 <= duration <= MAX_DURATION_SECONDS
    ):
        raise _invalid(f'"invoice_duration" must be 1..{MAX_DURATION_SECONDS} seconds')
    items = body.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _invalid('"items" must be a list of objects')
    customer = body.get("customer")
    if customer is not None and not isinstance(customer, dict):
        raise _invalid('"customer" must be an object')
    now = state.now()
    invoice = state.add(
        Invoice(
            id=state.new_id(),
            external_id=external_id,
            amount=amount,
            currency="IDR",
            description=_text(body, "description") or f"Invoice {external_id}",
            created=now,
            expiry_date=expiry(now, duration),
            payer_email=_text(body, "payer_email", limit=255),
            items=items,
            customer=customer,
            success_redirect_url=_text(body, "success_redirect_url"),
            failure_redirect_url=_text(body, "failure_redirect_url"),
        )
    )
    return invoice.body(state.settings.business_id, _base_url(request))


@router.get("/v2/invoices", response_model=None)
async def invoices_of(
    request: Request, external_id: str = Query(min_length=1, max_length=LIMIT)
) -> list[dict[str, Any]]:
    state = xendit(request)
    found = [state.refresh(i) for i in state.by_external_id(external_id)]
    if not found:
        raise XenditError(404, "INVOICE_NOT_FOUND_ERROR", "Could not find invoice")
    return [i.body(state.settings.business_id, _base_url(request)) for i in found]


@router.get("/v2/invoices/{invoice_id}")
async def get_invoice(request: Request, invoice_id: str) -> dict[str, Any]:
    state = xendit(request)
    return _found(state, invoice_id).body(state.settings.business_id, _base_url(request))


@router.post("/invoices/{invoice_id}/expire!")
async def expire_invoice(request: Request, invoice_id: str) -> dict[str, Any]:
    """Only a pending invoice can be expired; Xendit answers any other as not found."""
    state = xendit(request)
    invoice = _found(state, invoice_id)
    if invoice.status != "PENDING":
        raise XenditError(404, "INVOICE_NOT_FOUND_ERROR", "Could not find a pending invoice to expire")
    state.expire(invoice)
    return invoice.body(state.settings.business_id, _base_url(request))


@router.post("/refunds")
async def create_refund(
    request: Request,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-key", max_length=255)] = None,
) -> dict[str, Any]:
    state = xendit(request)
    body = await _json_body(request)
    invoice_id = _text(body, "invoice_id", required=True)
    assert invoice_id is not None
    amount = _whole_amount(body.get("amount"), "amount")
    reason = body.get("reason")
    if reason not in REFUND_REASONS:
        raise _invalid(f'"reason" must be one of {", ".join(REFUND_REASONS)}')
    if idempotency_key and idempotency_key in state.refund_keys:
        earlier = state.refunds[state.refund_keys[idempotency_key]]
        if (earlier.invoice_id, earlier.amount) != (invoice_id, amount):
            raise XenditError(409, "IDEMPOTENCY_ERROR", "The Idempotency-key was used with another request")
        return earlier.body()
    invoice = state.invoices.get(invoice_id)
    if invoice is None:
        raise XenditError(404, "DATA_NOT_FOUND", "Invoice not found")
    if invoice.status not in ("PAID", "SETTLED"):
        raise XenditError(400, "INELIGIBLE_TRANSACTION", "Only a paid invoice can be refunded")
    if amount > invoice.amount - invoice.refunded:
        raise XenditError(400, "MAXIMUM_REFUND_AMOUNT_REACHED", "The amount exceeds what is left to refund")
    refund = state.refund(invoice, amount, str(reason), body.get("metadata"), idempotency_key)
    return refund.body()


@router.get("/refunds/{refund_id}")
async def get_refund(request: Request, refund_id: str) -> dict[str, Any]:
    refund = xendit(request).refunds.get(refund_id)
    if refund is None:
        raise XenditError(404, "DATA_NOT_FOUND", "Refund not found")
    return refund.body()


def error_response(exc: XenditError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status)
