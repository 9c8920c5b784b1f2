"""MidtransClient against respx, with payloads shaped like Midtrans's documented ones (Snap,
Core API status/cancel/expire/refund, errors inside HTTP 200, timeouts, garbage)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import httpx
import pytest
import respx

from adapters.midtrans import MidtransClient
from domain.errors import GatewayRejected, GatewayTimeout, GatewayUnavailable
from domain.models import ChargeStatus
from tests.midtrans_payloads import CORE, SERVER_KEY, SNAP, cannot_modify, not_found, refund_body, status_body

ORDER = "pay-0001"
AUTH = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=True) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[MidtransClient]:
    async with httpx.AsyncClient(timeout=1.0) as http:
        yield MidtransClient(
            http,
            http,
            server_key=SERVER_KEY,
            snap_base_url=SNAP + "/",
            core_base_url=CORE,
            notification_url="https://tiketq.test/webhooks/midtrans",
        )


async def test_snap_create_sends_basic_auth_and_the_override_header(
    client: MidtransClient, mock: respx.MockRouter
) -> None:
    route = mock.post(f"{SNAP}/transactions").respond(
        201,
        json={"token": "66e4fa55", "redirect_url": "https://app.sandbox.midtrans.com/snap/v2/vtweb/66e4fa55"},
    )
    snap = await client.create_snap({"transaction_details": {"order_id": ORDER, "gross_amount": 10000}})
    assert snap.token == "66e4fa55"
    assert snap.redirect_url.endswith("/vtweb/66e4fa55")
    request = route.calls.last.request
    assert request.headers["Authorization"] == AUTH
    assert request.headers["X-Override-Notification"] == "https://tiketq.test/webhooks/midtrans"
    assert request.headers["Accept"] == "application/json"
    assert json.loads(request.content)["transaction_details"]["gross_amount"] == 10000


@pytest.mark.parametrize(
    ("status", "messages"),
    [
        (401, ["Access denied due to unauthorized transaction, please check client or server key"]),
        (400, ["transaction_details.gross_amount is not equal to the sum of item_details"]),
        (406, ["transaction_details.order_id has already been taken"]),
    ],
)
async def test_snap_errors_carry_midtrans_messages(
    client: MidtransClient, mock: respx.MockRouter, status: int, messages: list[str]
) -> None:
    mock.post(f"{SNAP}/transactions").respond(status, json={"error_messages": messages})
    with pytest.raises(GatewayRejected) as caught:
        await client.create_snap({})
    assert caught.value.status_code == status
    assert messages[0] in caught.value.message


@pytest.mark.parametrize(
    ("transaction_status", "fraud_status", "expected"),
    [
        ("pending", None, ChargeStatus.PENDING),
        ("settlement", "accept", ChargeStatus.PAID),
        ("capture", "accept", ChargeStatus.PAID),
        ("capture", "challenge", ChargeStatus.CHALLENGE),
        ("deny", "deny", ChargeStatus.FAILED),
        ("expire", None, ChargeStatus.EXPIRED),
        ("cancel", "accept", ChargeStatus.CANCELLED),
        ("refund", "accept", ChargeStatus.REFUNDED),
    ],
)
async def test_status_bodies_are_parsed(
    client: MidtransClient,
    mock: respx.MockRouter,
    transaction_status: str,
    fraud_status: str | None,
    expected: ChargeStatus,
) -> None:
    route = mock.get(f"{CORE}/v2/{ORDER}/status").respond(
        200, json=status_body(ORDER, transaction_status, fraud_status=fraud_status, gross="10000.00")
    )
    report = await client.status(ORDER)
    assert report.status is expected
    assert report.order_id == ORDER
    assert report.gross_amount == Decimal("10000.00")
    assert report.payment_type == "bank_transfer"
    assert route.calls.last.request.headers["Authorization"] == AUTH


async def test_partial_refund_status_sums_refunds(client: MidtransClient, mock: respx.MockRouter) -> None:
    mock.get(f"{CORE}/v2/{ORDER}/status").respond(
        200, json=status_body(ORDER, "partial_refund", refunds=[("k1", "10000.00"), ("k2", "5000.00")])
    )
    report = await client.status(ORDER)
    assert report.status is ChargeStatus.PARTIALLY_REFUNDED
    assert report.refunded_amount == Decimal("15000.00")
    assert [r.refund_key for r in report.refunds] == ["k1", "k2"]


async def test_errors_inside_a_200_are_errors(client: MidtransClient, mock: respx.MockRouter) -> None:
    mock.get(f"{CORE}/v2/{ORDER}/status").respond(200, json=not_found())
    mock.post(f"{CORE}/v2/{ORDER}/cancel").respond(200, json=cannot_modify())
    with pytest.raises(GatewayRejected) as missing:
        await client.status(ORDER)
    with pytest.raises(GatewayRejected) as refused:
        await client.cancel(ORDER)
    assert missing.value.status_code == 404
    assert missing.value.message == "Transaction doesn't exist."
    assert refused.value.status_code == 412


async def test_a_real_http_404_is_the_same_error(client: MidtransClient, mock: respx.MockRouter) -> None:
    mock.get(f"{CORE}/v2/{ORDER}/status").respond(404, json=not_found())
    with pytest.raises(GatewayRejected) as caught:
        await client.status(ORDER)
    assert caught.value.status_code == 404


async def test_expire_answers_407_and_that_is_success(client: MidtransClient, mock: respx.MockRouter) -> None:
    mock.post(f"{CORE}/v2/{ORDER}/expire").respond(
        200, json={**status_body(ORDER, "expire"), "status_message": "Success, transaction has expired"}
    )
    report = await client.expire(ORDER)
    assert report.status is ChargeStatus.EXPIRED
    assert report.status_code == "407"


async def test_refund_sends_key_integer_amount_and_reason(
    client: MidtransClient, mock: respx.MockRouter
) -> None:
    route = mock.post(f"{CORE}/v2/{ORDER}/refund").respond(
        200, json=refund_body(ORDER, "rk-1", "5000.00", transaction_status="partial_refund")
    )
    report = await client.refund(ORDER, "rk-1", Decimal("5000.00"), "customer request")
    assert json.loads(route.calls.last.request.content) == {
        "refund_key": "rk-1",
        "amount": 5000,
        "reason": "customer request",
    }
    assert report.transaction_status == "partial_refund"


async def test_unauthorised_core_calls_are_rejected(client: MidtransClient, mock: respx.MockRouter) -> None:
    mock.get(f"{CORE}/v2/{ORDER}/status").respond(
        401,
        json={
            "status_code": "401",
            "status_message": "Unknown Merchant server_key/id",
            "id": "f8b0b8c4",
        },
    )
    with pytest.raises(GatewayRejected) as caught:
        await client.status(ORDER)
    assert caught.value.status_code == 401
    assert "server_key" in caught.value.message


async def test_timeouts_are_timeouts(client: MidtransClient, mock: respx.MockRouter) -> None:
    mock.get(f"{CORE}/v2/{ORDER}/status").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(GatewayTimeout):
        await client.status(ORDER)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, json={"status_code": "500", "status_message": "Sorry, our server is down"}),
        httpx.Response(200, json={"status_code": "503", "status_message": "Service unavailable"}),
        httpx.Response(200, text="<html><body>Maintenance</body></html>"),
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(200, text="not json at all"),
    ],
)
async def test_server_errors_and_garbage_are_unavailable(
    client: MidtransClient, mock: respx.MockRouter, response: httpx.Response
) -> None:
    mock.get(f"{CORE}/v2/{ORDER}/status").mock(return_value=response)
    with pytest.raises(GatewayUnavailable):
        await client.status(ORDER)


async def test_connection_failures_are_unavailable(client: MidtransClient, mock: respx.MockRouter) -> None:
    mock.post(f"{SNAP}/transactions").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(GatewayUnavailable):
        await client.create_snap({})


async def test_a_snap_answer_without_a_token_is_not_trusted(
    client: MidtransClient, mock: respx.MockRouter
) -> None:
    mock.post(f"{SNAP}/transactions").respond(201, json={"unexpected": True})
    with pytest.raises(GatewayUnavailable):
        await client.create_snap({})
