"""Snap create: Basic auth, validation in Snap's words, reused order ids, expiry, knobs."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from test_midtrans_support import AUTH, create_snap, page_action, sandbox, snap_body, status

from config import MidtransSettings

SNAP = "/midtrans/snap/v1/transactions"


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


@pytest.mark.parametrize(
    "headers",
    [{}, basic("SB-Mid-server-wrong"), {"Authorization": "Bearer x"}, {"Authorization": "Basic !!!"}],
)
async def test_snap_and_core_refuse_a_wrong_or_missing_server_key(headers: dict[str, str]) -> None:
    async with sandbox() as client:
        snap = await client.post(SNAP, json=snap_body(), headers=headers)
        core = await client.get("/midtrans/v2/PAY-1/status", headers=headers)
        cancel = await client.post("/midtrans/v2/PAY-1/cancel", headers=headers)
    assert snap.status_code == 401
    assert snap.json()["error_messages"][0].startswith("Access denied due to unauthorized transaction")
    assert core.status_code == cancel.status_code == 401
    assert core.json()["status_code"] == "401"


async def test_server_key_from_the_environment_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "midtrans_server_key.txt"
    secret.write_text("SB-Mid-server-from-file\n")
    monkeypatch.setenv("SANDBOX_MIDTRANS_SERVER_KEY_FILE", str(secret))
    assert MidtransSettings().server_key == "SB-Mid-server-from-file"


async def test_create_answers_a_token_and_a_redirect_url_on_this_sandbox() -> None:
    async with sandbox() as client:
        created = await create_snap(client, "PAY-1")
        page = await client.get(created["redirect_url"].removeprefix("http://sandbox.test"))
    assert set(created) == {"token", "redirect_url"}
    assert created["redirect_url"] == f"http://sandbox.test/midtrans/snap/v2/vtweb/{created['token']}"
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]


async def test_a_reused_order_id_is_406() -> None:
    async with sandbox() as client:
        await create_snap(client, "PAY-1")
        again = await client.post(SNAP, json=snap_body("PAY-1"), headers=AUTH)
    assert again.status_code == 406
    assert "has been paid and utilized" in again.json()["error_messages"][0]


@pytest.mark.parametrize("gross", [1500000, 1500000.0, "1500000", "1500000.00"])
async def test_gross_amount_is_accepted_leniently_when_whole(gross: Any) -> None:
    async with sandbox() as client:
        r = await client.post(SNAP, json=snap_body(gross=gross), headers=AUTH)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"transaction_details": {"gross_amount": 1500000}}, "transaction_details.order_id is required"),
        ({"transaction_details": {"order_id": "X" * 51, "gross_amount": 1500000}}, "order_id too long"),
        ({"transaction_details": {"order_id": "a b", "gross_amount": 1500000}}, "only allows alphanumeric"),
        ({"transaction_details": {"order_id": "P-1", "gross_amount": 1500000.5}}, "must be an integer"),
        ({"transaction_details": {"order_id": "P-1", "gross_amount": "lots"}}, "is not a number"),
        ({"transaction_details": {"order_id": "P-1", "gross_amount": 0}}, "greater than or equal to 1"),
        ({"transaction_details": {"order_id": "P-1"}}, "gross_amount is required"),
        ({"transaction_details": {"order_id": "P-1", "gross_amount": 1400000}}, "not equal to the sum"),
        ({"transaction_details": None}, "transaction_details is required"),
        ({"expiry": {"unit": "fortnight", "duration": 1}}, "expiry.unit"),
        ({"expiry": {"unit": "minute", "duration": 0}}, "expiry.duration"),
        ({"expiry": {"unit": "minute", "duration": 5, "start_time": "tomorrow"}}, "expiry.start_time"),
    ],
)
async def test_snap_validation_errors_are_400_with_error_messages(
    change: dict[str, Any], message: str
) -> None:
    async with sandbox() as client:
        r = await client.post(SNAP, json={**snap_body(), **change}, headers=AUTH)
    assert r.status_code == 400, r.text
    assert any(message in m for m in r.json()["error_messages"]), r.json()


async def test_a_body_that_is_not_json_is_400() -> None:
    async with sandbox() as client:
        r = await client.post(SNAP, content=b"{nope", headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"error_messages": ["Request body is not a valid JSON"]}


async def test_more_than_three_notification_urls_are_refused() -> None:
    urls = ",".join(f"https://merchant.test/{i}" for i in range(4))
    async with sandbox() as client:
        r = await client.post(SNAP, json=snap_body(), headers={**AUTH, "X-Override-Notification": urls})
    assert r.status_code == 400


async def test_a_snap_past_its_expiry_is_404_for_the_core_api_and_expired_on_the_page() -> None:
    async with sandbox() as client:
        past = {"start_time": "2020-01-01 10:00:00 +0700", "unit": "hour", "duration": 1}
        created = await create_snap(client, "PAY-OLD", expiry=past)
        page = await client.get(f"/midtrans/snap/v2/vtweb/{created['token']}")
        pay = await page_action(client, created["token"], "pay", payment_type="gopay")
        st = await status(client, "PAY-OLD")
    assert "This payment link has expired" in page.text
    assert pay.status_code == 409
    assert st.status_code == 404
    assert st.json()["status_code"] == "404"


async def test_error_rate_gives_5xx_on_snap_and_core_and_latency_delays_them() -> None:
    async with sandbox() as client:
        await client.put("/sandbox/knobs/midtrans", json={"error_rate": 1})
        snap = await client.post(SNAP, json=snap_body(), headers=AUTH)
        core = await status(client, "PAY-1")
        await client.put("/sandbox/knobs/midtrans", json={"error_rate": 0, "latency_ms": 200})
        started = time.perf_counter()
        await create_snap(client, "PAY-2")
        slow = time.perf_counter() - started
    assert snap.status_code == core.status_code == 500
    assert "error_messages" in snap.json()
    assert core.json()["status_code"] == "500"
    assert slow >= 0.2
