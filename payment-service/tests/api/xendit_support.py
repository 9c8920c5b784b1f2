"""What the Xendit API tests share: starting a Xendit charge, posting callbacks, mocking invoices."""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

from tests.api.support import charge_body, new_order_id
from tests.conftest import INTERNAL
from tests.xendit_payloads import CALLBACK_TOKEN, XENDIT, invoice, new_invoice_id


async def create_xendit_charge(
    client: httpx.AsyncClient, xendit: respx.MockRouter, order_id: str | None = None
) -> tuple[dict[str, Any], str]:
    """A charge on Xendit: (the charge, its invoice id)."""
    order_id = order_id or new_order_id()
    invoice_id = new_invoice_id()
    xendit.get(f"{XENDIT}/v2/invoices", params={"external_id": order_id}).respond(200, json=[])
    xendit.post(f"{XENDIT}/v2/invoices").respond(200, json=invoice(invoice_id, order_id))
    response = await client.post(
        "/internal/charges",
        json=charge_body(order_id, gateway="xendit"),
        headers={**INTERNAL, "Idempotency-Key": f"key-{order_id}"},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created, invoice_id


def mock_invoice(xendit: respx.MockRouter, invoice_id: str, body: dict[str, Any]) -> respx.Route:
    return xendit.get(f"{XENDIT}/v2/invoices/{invoice_id}").respond(200, json=body)


async def callback(
    client: httpx.AsyncClient, body: dict[str, Any] | bytes, token: str | None = CALLBACK_TOKEN
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["x-callback-token"] = token
    return await client.post("/webhooks/xendit", content=content, headers=headers)
