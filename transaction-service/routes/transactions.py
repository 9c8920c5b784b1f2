"""Transactions: create (for an order without one), read, list, update, cancel, refund, audit."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from domain.models import ServiceType
from domain.repository import TransactionFilter
from routes.deps import AdminCaller, AnyCaller, Idempotency, IdempotencyKey, Money
from routes.idempotent import idempotent
from routes.schemas import (
    AuditEntry,
    CancelRequest,
    Refund,
    RefundCreate,
    Transaction,
    TransactionCreate,
    TransactionStatusName,
    TransactionUpdate,
)
from routes.views import audit_view, refund_view, transaction_view
from shared.errors import ProblemError, problem_responses
from shared.pagination import Page, Pagination

router = APIRouter(prefix="/transactions", tags=["transactions"])


@router.post(
    "/",
    status_code=201,
    response_model=Transaction,
    responses=problem_responses(401, 404, 409, 422),
    summary="Create the transaction of an order that has none",
)
async def create_transaction(
    body: TransactionCreate, caller: AnyCaller, money: Money, store: Idempotency, key: IdempotencyKey
) -> JSONResponse:
    """Orders made by `POST /orders/` already have one: 409 `transaction-exists` with its id.
    `Idempotency-Key` required, as on every POST that creates money records."""
    payload = body.model_dump(mode="json")

    async def work() -> dict[str, Any]:
        return transaction_view(await money.transactions.create(caller, body.order_id), [])

    return await idempotent(store, f"transactions:{caller.account_id}", key, payload, work)


@router.get("/", response_model=Page[Transaction], responses=problem_responses(401, 422), summary="List")
async def list_transactions(
    caller: AnyCaller,
    money: Money,
    page: Pagination,
    status: Annotated[TransactionStatusName | None, Query()] = None,
    type: Annotated[ServiceType | None, Query(description="transaction_type")] = None,
    date_from: Annotated[date | None, Query(description="created on or after (Jakarta day)")] = None,
    date_to: Annotated[date | None, Query(description="created on or before (Jakarta day)")] = None,
) -> dict[str, Any]:
    """A user sees their own transactions; an admin sees all. Newest first."""
    if date_from and date_to and date_from > date_to:
        raise ProblemError(422, "validation-error", "date_from must not be after date_to.")
    where = TransactionFilter(None, status, type, date_from, date_to)
    rows, total = await money.reads.transactions(caller, where, page.limit, page.offset)
    items = [transaction_view(tx) for tx in rows]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


@router.get(
    "/{transaction_id}", response_model=Transaction, responses=problem_responses(401, 404), summary="Get"
)
async def get_transaction(transaction_id: UUID, caller: AnyCaller, money: Money) -> dict[str, Any]:
    return transaction_view(*await money.reads.transaction(transaction_id, caller))


@router.put(
    "/{transaction_id}",
    response_model=Transaction,
    responses=problem_responses(401, 404, 409, 422),
    summary="Update the payment-method preference or notes (PENDING only)",
)
async def update_transaction(
    transaction_id: UUID, body: TransactionUpdate, caller: AnyCaller, money: Money
) -> dict[str, Any]:
    """Status cannot be set here (an unknown field such as `status` → 422)."""
    notes = body.metadata.notes if body.metadata else None
    return transaction_view(
        await money.transactions.update(transaction_id, caller, body.payment_method, notes)
    )


@router.post(
    "/{transaction_id}/cancel",
    response_model=Transaction,
    responses=problem_responses(401, 404, 409, 502, 503, 504),
    summary="Cancel an unpaid transaction",
)
async def cancel_transaction(
    transaction_id: UUID, caller: AnyCaller, money: Money, body: CancelRequest | None = None
) -> dict[str, Any]:
    """PENDING/PROCESSING only: stops the charge (409 `charge-paid` if it turns out paid),
    releases the hold; transaction and order CANCELLED."""
    return transaction_view(await money.cancel(transaction_id, caller, body.reason if body else None))


@router.post(
    "/{transaction_id}/refund",
    status_code=201,
    response_model=Refund,
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503, 504),
    summary="Refund a paid transaction, fully or partly (admin)",
)
async def refund_transaction(
    transaction_id: UUID,
    body: RefundCreate,
    caller: AdminCaller,
    money: Money,
    store: Idempotency,
    key: IdempotencyKey,
) -> JSONResponse:
    """`amount` defaults to what is left; more than that → 422 `invalid-refund-amount`. A full
    refund makes the transaction REFUNDED and the order CANCELLED; a partial one leaves it
    COMPLETED."""
    payload = {"transaction_id": str(transaction_id), **body.model_dump(mode="json")}

    async def work() -> dict[str, Any]:
        return refund_view(
            await money.refunds.of_transaction(transaction_id, body.amount, body.reason, key, caller)
        )

    return await idempotent(store, f"refunds:{caller.account_id}", key, payload, work)


@router.get(
    "/{transaction_id}/audit",
    response_model=list[AuditEntry],
    responses=problem_responses(401, 403, 404),
    summary="Audit trail of a transaction, its order, payments and refunds (admin)",
)
async def audit_trail(transaction_id: UUID, caller: AdminCaller, money: Money) -> list[dict[str, Any]]:
    return [audit_view(e) for e in await money.reads.audit_trail(transaction_id)]
