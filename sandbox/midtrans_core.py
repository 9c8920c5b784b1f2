"""The Core API under /midtrans/v2/{order_id}: status, cancel, expire, refund and direct refund.

The path takes the order_id or Midtrans's transaction_id. A Snap transaction whose payer has not
picked a method yet does not exist for the Core API (404), as with Midtrans."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from midtrans_access import CANNOT_MODIFY, NOT_FOUND, CoreError, core_access, midtrans
from midtrans_state import MidtransState
from midtrans_store import Transaction, money

core_router = APIRouter(prefix="/v2", dependencies=[Depends(core_access)])


def _started(state: MidtransState, order_id: str) -> Transaction:
    txn = state.store.find(order_id)
    if txn is None or not txn.started:
        raise CoreError(404, NOT_FOUND)
    return state.refresh(txn)


@core_router.get("/{order_id}/status")
async def status(request: Request, order_id: str) -> JSONResponse:
    state = midtrans(request)
    txn = _started(state, order_id)
    return JSONResponse(state.body(txn, "Success, transaction is found"))


@core_router.post("/{order_id}/cancel")
async def cancel(request: Request, order_id: str) -> JSONResponse:
    """Before settlement only (pending, capture); Midtrans answers 412 afterwards."""
    state = midtrans(request)
    txn = _started(state, order_id)
    if txn.transaction_status not in ("pending", "capture"):
        raise CoreError(412, CANNOT_MODIFY)
    state.move(txn, "cancel")
    return JSONResponse(state.body(txn, "Success, transaction is canceled"))


@core_router.post("/{order_id}/expire")
async def expire(request: Request, order_id: str) -> JSONResponse:
    """Pending only. A Snap whose payer has not chosen a method is closed too (its page says
    expired and it becomes visible as `expire`), so it can no longer be paid."""
    state = midtrans(request)
    txn = state.store.find(order_id)
    if txn is None:
        raise CoreError(404, NOT_FOUND)
    state.refresh(txn)
    if txn.started and txn.transaction_status != "pending":
        raise CoreError(412, CANNOT_MODIFY)
    txn.snap_closed = True
    state.move(txn, "expire")
    return JSONResponse(state.body(txn, "Success, transaction has expired"))


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CoreError(
            413, "The request cannot be processed due to malformed syntax in the request body"
        ) from exc
    if not isinstance(body, dict):
        raise CoreError(413, "The request cannot be processed due to malformed syntax in the request body")
    return body


def _refund_amount(raw: Any, remaining: int) -> int:
    if raw is None:
        return remaining
    try:
        amount = float(raw) if not isinstance(raw, bool) else -1.0
    except (TypeError, ValueError) as exc:
        raise CoreError(400, "Validation Error", validation_messages=["amount must be a number"]) from exc
    if amount <= 0 or amount != int(amount) or int(amount) > remaining:
        raise CoreError(414, "Refund amount must be less than or equal to the remaining transaction amount")
    return int(amount)


async def _refund(request: Request, order_id: str) -> JSONResponse:
    state = midtrans(request)
    body = await _json_body(request)
    txn = _started(state, order_id)
    key = body.get("refund_key")
    if key is not None and (not isinstance(key, str) or not key or len(key) > 100):
        raise CoreError(400, "Validation Error", validation_messages=["refund_key is invalid"])
    if key is not None and key in txn.refund_results:
        previous = txn.refund_results[key]
        asked = body.get("amount")
        if asked is not None and not _same_amount(asked, previous["refund_amount"]):
            raise CoreError(406, "Duplicate refund request with the same refund_key and a different amount")
        return JSONResponse(previous)
    if txn.transaction_status not in ("settlement", "partial_refund"):
        raise CoreError(412, CANNOT_MODIFY)
    amount = _refund_amount(body.get("amount"), txn.gross_amount - txn.refunded)
    reason = body.get("reason")
    refund = state.add_refund(
        txn, key or str(uuid.uuid4()), amount, str(reason) if reason is not None else None
    )
    result = {
        "status_code": "200",
        "status_message": "Success, refund request is approved",
        "transaction_id": txn.transaction_id,
        "order_id": txn.order_id,
        "gross_amount": money(txn.gross_amount),
        "currency": "IDR",
        "payment_type": txn.payment_type,
        "transaction_time": state.body(txn, "")["transaction_time"],
        "transaction_status": txn.transaction_status,
        "refund_chargeback_id": refund.refund_chargeback_id,
        "refund_chargeback_uuid": refund.refund_chargeback_uuid,
        "refund_amount": money(refund.amount),
        "refund_key": refund.refund_key,
    }
    txn.refund_results[refund.refund_key] = result
    return JSONResponse(result)


def _same_amount(asked: Any, recorded: str) -> bool:
    try:
        return float(asked) == float(recorded)
    except (TypeError, ValueError):
        return False


@core_router.post("/{order_id}/refund")
async def refund(request: Request, order_id: str) -> JSONResponse:
    """`{refund_key?, amount?, reason?}`; settlement or partial_refund only (else 412); amount
    defaults to what is left, more than that is 414; the same refund_key replays its result."""
    return await _refund(request, order_id)


@core_router.post("/{order_id}/refund/online/direct")
async def direct_refund(request: Request, order_id: str) -> JSONResponse:
    return await _refund(request, order_id)
