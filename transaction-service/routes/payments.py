"""Payments: start a Midtrans Snap payment, read it, admin confirm (re-check) and refund."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from routes.deps import AdminCaller, AnyCaller, Idempotency, IdempotencyKey, Money
from routes.idempotent import idempotent
from routes.schemas import Payment, PaymentCreate, Refund, RefundCreate
from routes.views import payment_view, refund_view
from shared.errors import problem_responses

router = APIRouter(prefix="/payments", tags=["payments"])


@router.post(
    "/",
    status_code=201,
    response_model=Payment,
    responses={
        201: {
            "description": "The payment, PENDING, with where the payer pays",
            "links": {
                "GetPayment": {
                    "operationId": "get_payment_payments__payment_id__get",
                    "parameters": {"payment_id": "$response.body#/id"},
                },
                "GetTransaction": {
                    "operationId": "get_transaction_transactions__transaction_id__get",
                    "parameters": {"transaction_id": "$response.body#/transaction_id"},
                },
            },
        },
        **problem_responses(401, 404, 409, 422, 502, 503, 504),
    },
    summary="Start a payment for a transaction (Midtrans Snap or a Xendit invoice)",
)
async def create_payment(
    body: PaymentCreate, caller: AnyCaller, money: Money, store: Idempotency, key: IdempotencyKey
) -> JSONResponse:
    """Own PENDING/PROCESSING transaction with its hold still alive (409 `hold-expired`). The
    charge lives as long as the hold (at most 60 minutes). A still-pending payment of the same
    transaction is returned instead of a second charge."""
    payload = body.model_dump(mode="json", exclude_none=True)  # no gateway: the key's body as before

    async def work() -> dict[str, Any]:
        return payment_view(await money.payments.create(caller, body.transaction_id, body.gateway))

    return await idempotent(store, f"payments:{caller.account_id}", key, payload, work)


@router.get("/{payment_id}", response_model=Payment, responses=problem_responses(401, 404), summary="Get")
async def get_payment(payment_id: UUID, caller: AnyCaller, money: Money) -> dict[str, Any]:
    return payment_view(await money.reads.payment(payment_id, caller))


@router.post(
    "/{payment_id}/confirm",
    response_model=Payment,
    responses=problem_responses(401, 403, 404, 502, 503, 504),
    summary="Re-check the gateway's status and apply it (admin)",
)
async def confirm_payment(payment_id: UUID, caller: AdminCaller, money: Money) -> dict[str, Any]:
    """Asks payment-service to sync with Midtrans, then applies the answer exactly as a webhook
    event would be applied."""
    return payment_view(await money.payments.confirm(payment_id, caller))


@router.post(
    "/{payment_id}/refund",
    status_code=201,
    response_model=Refund,
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503, 504),
    summary="Refund a payment, fully or partly (admin)",
)
async def refund_payment(
    payment_id: UUID,
    body: RefundCreate,
    caller: AdminCaller,
    money: Money,
    store: Idempotency,
    key: IdempotencyKey,
) -> JSONResponse:
    payload = {"payment_id": str(payment_id), **body.model_dump(mode="json")}

    async def work() -> dict[str, Any]:
        return refund_view(await money.refunds.of_payment(payment_id, body.amount, body.reason, key, caller))

    return await idempotent(store, f"refunds:{caller.account_id}", key, payload, work)
