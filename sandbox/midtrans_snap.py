"""Snap: `POST /midtrans/snap/v1/transactions` → 201 `{token, redirect_url}`; the redirect_url is
this sandbox's payment page. Validation follows Snap: 400 `{"error_messages": [...]}`."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from midtrans_access import SnapError, midtrans, snap_access
from midtrans_store import Transaction

snap_router = APIRouter(prefix="/snap/v1", dependencies=[Depends(snap_access)])

ORDER_ID = re.compile(r"^[A-Za-z0-9._~-]+$")
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
DEFAULT_EXPIRY = timedelta(hours=24)
MAX_NOTIFICATION_URLS = 3


def _whole_rupiah(value: Any, field: str) -> int:
    """150000, 150000.0, "150000" and "150000.00" are all Rp150.000; fractions and junk are not."""
    if isinstance(value, bool) or value is None or value == "":
        raise SnapError(400, f"{field} is required" if value in (None, "") else f"{field} is not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise SnapError(400, f"{field} is not a number") from exc
    if not amount.is_finite():
        raise SnapError(400, f"{field} is not a number")
    if amount != amount.to_integral_value():
        raise SnapError(400, f"{field} must be an integer for currency IDR")
    return int(amount)


def _notification_urls(header: str | None) -> list[str]:
    if not header:
        return []
    urls = [u.strip() for u in header.split(",") if u.strip()]
    if len(urls) > MAX_NOTIFICATION_URLS or not all(u.startswith(("http://", "https://")) for u in urls):
        raise SnapError(400, "Notification URL must be a valid URL, maximum 3 URLs separated by comma")
    return urls


def _expiry(raw: Any, now: datetime) -> datetime:
    if raw is None:
        return now + DEFAULT_EXPIRY
    if not isinstance(raw, dict):
        raise SnapError(400, "expiry is invalid")
    unit = str(raw.get("unit", "")).lower().removesuffix("s")
    if unit not in UNITS:
        raise SnapError(400, "expiry.unit must be one of second, minute, hour, day")
    duration = raw.get("duration")
    if isinstance(duration, bool) or not isinstance(duration, int) or duration <= 0:
        raise SnapError(400, "expiry.duration must be a positive integer")
    start = now
    if raw.get("start_time"):
        try:
            start = datetime.strptime(str(raw["start_time"]), "%Y-%m-%d %H:%M:%S %z")
        except ValueError as exc:
            raise SnapError(400, "expiry.start_time must be in yyyy-MM-dd HH:mm:ss Z format") from exc
    return start + timedelta(seconds=duration * UNITS[unit])


def _items(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise SnapError(400, "item_details must be an array")
    items = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise SnapError(400, f"item_details[{index}] is invalid")
        price = _whole_rupiah(item.get("price"), f"item_details[{index}].price")
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise SnapError(400, f"item_details[{index}].quantity must be a positive integer")
        name = str(item.get("name") or "")
        if not name:
            raise SnapError(400, f"item_details[{index}].name is required")
        items.append(
            {"id": str(item.get("id") or ""), "name": name[:50], "price": price, "quantity": quantity}
        )
    return items


@snap_router.post("/transactions", status_code=201)
async def create_transaction(
    request: Request,
    x_override_notification: Annotated[str | None, Header()] = None,
    x_append_notification: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    state = midtrans(request)
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SnapError(400, "Request body is not a valid JSON") from exc
    if not isinstance(body, dict):
        raise SnapError(400, "Request body is not a valid JSON")
    details = body.get("transaction_details")
    if not isinstance(details, dict):
        raise SnapError(400, "transaction_details is required")
    order_id = details.get("order_id")
    errors = []
    if not order_id or not isinstance(order_id, str):
        errors.append("transaction_details.order_id is required")
    elif len(order_id) > 50:
        errors.append("transaction_details.order_id too long, maximum length is 50")
    elif not ORDER_ID.match(order_id):
        errors.append("transaction_details.order_id only allows alphanumeric and - _ . ~ characters")
    gross: int | None = None
    try:
        gross = _whole_rupiah(details.get("gross_amount"), "transaction_details.gross_amount")
        if gross <= 0:
            errors.append("transaction_details.gross_amount must be greater than or equal to 1")
    except SnapError as exc:
        errors.extend(exc.messages)
    if errors or gross is None or not isinstance(order_id, str):
        raise SnapError(400, *errors)
    items = _items(body.get("item_details"))
    if items and sum(i["price"] * i["quantity"] for i in items) != gross:
        raise SnapError(400, "transaction_details.gross_amount is not equal to the sum of item_details")
    now = state.now()
    expires_at = _expiry(body.get("expiry"), now)
    override = _notification_urls(x_override_notification)
    append = _notification_urls(x_append_notification)
    if state.store.get(order_id) is not None:
        raise SnapError(
            406, "transaction_details.order_id has been paid and utilized, please use another order ID"
        )
    customer = body.get("customer_details") if isinstance(body.get("customer_details"), dict) else {}
    callbacks = body.get("callbacks") if isinstance(body.get("callbacks"), dict) else {}
    finish = callbacks.get("finish") if isinstance(callbacks, dict) else None
    txn = Transaction(
        order_id=order_id,
        token=str(uuid.uuid4()),
        gross_amount=gross,
        items=items,
        customer=customer or {},
        created_at=now,
        expires_at=expires_at,
        override_urls=override or None,
        append_urls=append,
        finish_url=finish if isinstance(finish, str) and finish.startswith(("http://", "https://")) else None,
    )
    state.store.add(txn)
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {"token": txn.token, "redirect_url": f"{base}/midtrans/snap/v2/vtweb/{txn.token}"}, status_code=201
    )
