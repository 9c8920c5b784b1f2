"""Helpers for the Xendit tests: the sandbox with chosen Xendit settings, invoice and page
shortcuts. (Its one test checks the invoice helper's defaults.)"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from app import create_app
from config import KnobSettings, SandboxSettings, Settings, XenditSettings
from shared.settings import RuntimeSettings
from testkit.asgi import running_app

SECRET_KEY = "xnd_development_test0123456789"
TOKEN = "test-callback-token-0123456789"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"{SECRET_KEY}:".encode()).decode()}
JSON = {"Accept": "application/json"}
XENDIT = "/xendit"

_APPS: dict[int, FastAPI] = {}


def settings(**xendit: Any) -> Settings:
    xendit.setdefault("secret_key", SECRET_KEY)
    xendit.setdefault("callback_token", TOKEN)
    xendit.setdefault("retry_schedule_seconds", "0.05,0.05")
    xendit.setdefault("refund_seconds", 0.05)
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_LEVEL="WARNING", LOG_JSON=False),
        sandbox=SandboxSettings(),
        amadeus_knobs=KnobSettings(),
        duffel_knobs=KnobSettings(),
        xendit=XenditSettings(**xendit),
    )


@asynccontextmanager
async def xendit_sandbox(**xendit: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings(**xendit))
    async with running_app(app, base_url="http://sandbox.test") as client:
        _APPS[id(client)] = app
        try:
            yield client
        finally:
            del _APPS[id(client)]


async def idle(client: httpx.AsyncClient) -> None:
    """Waits until no callback is being sent or waiting to retry."""
    await _APPS[id(client)].state.sandbox.xendit.callbacks.idle()


def invoice_body(external_id: str = "PAY-1", amount: Any = 1500000, **extra: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "amount": amount,
        "currency": "IDR",
        "payer_email": "siti@example.id",
        "description": "TiketQ payment PAY-1",
        "invoice_duration": 3600,
        "items": [
            {"name": "CGK-DPS GA 404", "quantity": 1, "price": 1400000},
            {"name": "Service fee", "quantity": 2, "price": 50000},
        ],
        "customer": {"given_names": "Siti", "surname": "Rahayu", "email": "siti@example.id"},
        "success_redirect_url": "https://tiketq.test/paid",
        **extra,
    }


async def create_invoice(
    client: httpx.AsyncClient, external_id: str = "PAY-1", **extra: Any
) -> dict[str, Any]:
    r = await client.post(f"{XENDIT}/v2/invoices", json=invoice_body(external_id, **extra), headers=AUTH)
    assert r.status_code == 200, r.text
    created: dict[str, Any] = r.json()
    return created


async def page_action(
    client: httpx.AsyncClient, invoice_id: str, action: str, **fields: Any
) -> httpx.Response:
    return await client.post(f"{XENDIT}/web/{invoice_id}/{action}", json=fields, headers=JSON)


def test_the_invoice_helper_sums_its_items_to_its_amount() -> None:
    body = invoice_body()
    assert sum(i["price"] * i["quantity"] for i in body["items"]) == body["amount"]
