"""Orders: hold (or quote) a booking at its product service and open its transaction; read and
list; cancel (the owner or an admin); admin status changes."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from domain.models import ServiceType
from routes.deps import AdminCaller, AnyCaller, Idempotency, IdempotencyKey, Money, Waiting
from routes.idempotent import idempotent
from routes.order_wait import answer_when_changed
from routes.schemas import CancelRequest, Order, OrderCreate, OrderStatusName, OrderStatusUpdate
from routes.views import order_view
from shared.errors import problem_responses
from shared.pagination import Page, Pagination

router = APIRouter(prefix="/orders", tags=["orders"])

_ETAG = {"description": "The order's entity tag, for If-None-Match", "schema": {"type": "string"}}
_APPLIED = {"description": "`wait=N` when the request was held for a change", "schema": {"type": "string"}}

# OpenAPI links: where a new order leads (read it, pay it, cancel it). Clients and generated SDKs
# can follow them, and so does the API fuzzer's stateful phase (tests/fuzz).
ORDER_LINKS = {
    "GetOrder": {
        "operationId": "get_order_orders__order_id__get",
        "parameters": {"order_id": "$response.body#/id"},
    },
    "PayOrder": {
        "operationId": "create_payment_payments__post",
        "requestBody": {"transaction_id": "$response.body#/transaction_id"},
    },
    "CancelOrder": {
        "operationId": "cancel_order_orders__order_id__cancel_post",
        "parameters": {"order_id": "$response.body#/id"},
    },
    "GetTransaction": {
        "operationId": "get_transaction_transactions__transaction_id__get",
        "parameters": {"transaction_id": "$response.body#/transaction_id"},
    },
}


@router.post(
    "/",
    status_code=201,
    response_model=Order,
    responses={
        201: {"description": "The order, CONFIRMED", "links": ORDER_LINKS},
        **problem_responses(401, 404, 409, 410, 422, 502, 503, 504),
    },
    summary="Create an order: hold the booking and open its transaction",
)
async def create_order(
    body: OrderCreate, caller: AnyCaller, money: Money, store: Idempotency, key: IdempotencyKey
) -> JSONResponse:
    """Asks the product service of `service_type` to quote and, where it has inventory, hold the
    offer (`booking_details` forwarded untouched), and records the order CONFIRMED with its
    `line_items` (the product's quote) and a PENDING transaction. The product's problems are
    passed on with their status, slug and members (409 `price-changed` with the new
    `total_price`, 409 `sold-out`, 410 `offer-expired`, 422 `invalid-booking` with `errors`,
    502/503/504). A service type with no product service configured → 422
    `service-type-unavailable`. An account already holding MAX_UNPAID_ORDERS_PER_ACCOUNT (default
    5) unpaid orders → 409 `too-many-unpaid-orders` (with `limit` and `unpaid_orders`) before
    anything is held: pay or cancel one first."""
    payload = body.model_dump(mode="json")

    async def work() -> dict[str, Any]:
        order, transaction_id = await money.create_order(
            caller, key, body.service_type, body.offer_id, body.booking_details
        )
        return order_view(order, transaction_id)

    return await idempotent(store, f"orders:{caller.account_id}", key, payload, work)


@router.get("/", response_model=Page[Order], responses=problem_responses(401), summary="List orders")
async def list_orders(
    caller: AnyCaller,
    money: Money,
    page: Pagination,
    status: Annotated[OrderStatusName | None, Query()] = None,
    service_type: Annotated[ServiceType | None, Query()] = None,
) -> dict[str, Any]:
    """A user sees their own orders; an admin sees all. Newest first."""
    rows, total = await money.reads.orders(caller, status, service_type, page.limit, page.offset)
    items = [order_view(order, transaction_id) for order, transaction_id in rows]
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


@router.get(
    "/{order_id}",
    response_model=Order,
    responses={
        200: {"headers": {"ETag": _ETAG, "Preference-Applied": _APPLIED}},
        304: {
            "description": "Unchanged: the order still has the ETag sent in If-None-Match",
            "headers": {"ETag": _ETAG, "Preference-Applied": _APPLIED},
        },
        **problem_responses(401, 404),
    },
    summary="Get an order (optionally waiting until it changes)",
)
async def get_order(
    order_id: UUID,
    caller: AnyCaller,
    money: Money,
    waiting: Waiting,
    if_none_match: Annotated[
        str | None,
        Header(max_length=1000, description="The ETag of the order as last read: 304 while it still holds."),
    ] = None,
    prefer: Annotated[
        str | None,
        Header(
            max_length=1000,
            description="`wait=N` with If-None-Match: hold the request up to N seconds (at most "
            "ORDER_STATUS_WAIT_MAX_SECONDS) until the order changes.",
        ),
    ] = None,
) -> Response:
    """`booking.documents` carries the fulfilment (e-tickets, vouchers, tokens…) once the product
    has issued the booking; the order is COMPLETED only then. While the supplier has not decided,
    `booking.status` is `pending` and the order stays PAID.

    Every answer carries the order's `ETag`. Waiting for payment or issuing: send it back as
    `If-None-Match` with `Prefer: wait=5`, and the answer comes as soon as the order changes (200,
    the new order and its ETag) or after 5 s unchanged (304); then ask again the same way. Without
    `Prefer`, an unchanged order is a 304 at once. No `Preference-Applied` on an answer means the
    service did not wait (too many requests already waiting): ask again after a second."""

    async def read() -> dict[str, Any]:
        return order_view(*await money.reads.order(order_id, caller))

    return await answer_when_changed(read, order_id, waiting, if_none_match, prefer)


@router.put(
    "/{order_id}/status",
    response_model=Order,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Change an order's status (admin)",
)
async def set_order_status(
    order_id: UUID, body: OrderStatusUpdate, caller: AdminCaller, money: Money
) -> dict[str, Any]:
    """Only legal transitions (409 `invalid-transition` otherwise); the reason is audited. This
    records the state only: money moves through the refund endpoints."""
    return order_view(*await money.set_order_status(order_id, body.status, body.reason, caller))


@router.post(
    "/{order_id}/cancel",
    response_model=Order,
    responses=problem_responses(401, 404, 409, 422, 502, 503, 504),
    summary="Cancel an order; a paid one is refunded what the product's cancellation policy allows",
)
async def cancel_order(
    order_id: UUID,
    caller: AnyCaller,
    money: Money,
    store: Idempotency,
    key: IdempotencyKey,
    body: CancelRequest | None = None,
) -> JSONResponse:
    """The owner or an admin (someone else's order → 404). Unpaid (DRAFT/CONFIRMED): the charge
    is stopped and the hold released. PAID/COMPLETED: the product cancels the booking first (its
    refusal passes through: 409 `not-cancellable`, `booking-cancelled`…; 503/504 change nothing
    and are not recorded, so a retry with the same key asks again); then the order is CANCELLED
    and the payer refunded min(the booking's `refund_amount`, what is left), null = everything,
    `"0.00"` = nothing, through the work queue. `failure_reason` says what is refunded."""
    payload = {"order_id": str(order_id), "reason": body.reason if body else None}

    async def work() -> dict[str, Any]:
        return order_view(*await money.cancel_order(order_id, caller, body.reason if body else None))

    return await idempotent(store, f"order-cancels:{caller.account_id}", key, payload, work, status=200)
