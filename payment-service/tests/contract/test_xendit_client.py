"""XenditClient against respx, with payloads shaped like Xendit's documented ones (invoices,
expire, refunds, errors as {error_code, message}, timeouts, garbage)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import httpx
import pytest
import respx

from adapters.xendit import XenditClient
from domain.errors import GatewayRejected, GatewayTimeout, GatewayUnavailable
from domain.models import ChargeStatus
from tests.xendit_payloads import INVOICE_NOT_FOUND, SECRET_KEY, XENDIT, error, invoice, refund

ORDER = "pay-0001"
INVOICE = "65f1c2d9e4b0a1b2c3d4e5f6"
AUTH = "Basic " + base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
PAYLOAD = {"external_id": ORDER, "amount": 150000, "currency": "IDR", "invoice_duration": 3600}


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=True) as router:
        yield router


@pytest.fixture
async def client() -> AsyncIterator[XenditClient]:
    async with httpx.AsyncClient(timeout=1.0) as http:
        yield XenditClient(
            http,
            secret_key=SECRET_KEY,
            base_url=XENDIT + "/",
            success_redirect_url="https://tiketq.test/paid",
        )


async def test_create_looks_for_an_invoice_first_then_creates_one_with_basic_auth(
    client: XenditClient, mock: respx.MockRouter
) -> None:
    lookup = mock.get(f"{XENDIT}/v2/invoices", params={"external_id": ORDER}).respond(200, json=[])
    create = mock.post(f"{XENDIT}/v2/invoices").respond(200, json=invoice(INVOICE, ORDER))
    started = await client.create_snap(PAYLOAD)
    assert started.token == INVOICE
    assert started.reference == INVOICE
    assert started.redirect_url == f"https://checkout-staging.xendit.co/web/{INVOICE}"
    assert lookup.calls.last.request.headers["Authorization"] == AUTH
    sent = create.calls.last.request
    assert sent.headers["Authorization"] == AUTH
    assert json.loads(sent.content) == {**PAYLOAD, "success_redirect_url": "https://tiketq.test/paid"}


async def test_create_reuses_the_invoice_an_interrupted_attempt_left(
    client: XenditClient, mock: respx.MockRouter
) -> None:
    """Xendit accepts a second invoice for one external_id; finding the first keeps one payable."""
    mock.get(f"{XENDIT}/v2/invoices", params={"external_id": ORDER}).respond(
        200, json=[invoice("expired0", ORDER, "EXPIRED"), invoice(INVOICE, ORDER)]
    )
    started = await client.create_snap(PAYLOAD)
    assert started.reference == INVOICE


async def test_a_lookup_answering_404_means_no_invoice_yet(
    client: XenditClient, mock: respx.MockRouter
) -> None:
    mock.get(f"{XENDIT}/v2/invoices").respond(404, json=INVOICE_NOT_FOUND)
    mock.post(f"{XENDIT}/v2/invoices").respond(200, json=invoice(INVOICE, ORDER))
    assert (await client.create_snap(PAYLOAD)).token == INVOICE


async def test_status_reads_a_paid_invoice_as_paid_with_its_method(
    client: XenditClient, mock: respx.MockRouter
) -> None:
    mock.get(f"{XENDIT}/v2/invoices/{INVOICE}").respond(
        200, json=invoice(INVOICE, ORDER, "PAID", method="EWALLET", channel="OVO")
    )
    report = await client.status(ORDER, INVOICE)
    assert report.status is ChargeStatus.PAID
    assert report.order_id == ORDER
    assert report.gross_amount == Decimal("150000.00")
    assert report.currency == "IDR"
    assert report.payment_type == "ovo"
    assert report.transaction_id == INVOICE
    assert report.settlement_time is not None
    assert report.settlement_time.isoformat() == "2026-11-27T02:16:40.912000+00:00"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("PENDING", ChargeStatus.PENDING), ("SETTLED", ChargeStatus.PAID), ("EXPIRED", ChargeStatus.EXPIRED)],
)
async def test_invoice_statuses_map_to_charge_statuses(
    client: XenditClient, mock: respx.MockRouter, status: str, expected: ChargeStatus
) -> None:
    mock.get(f"{XENDIT}/v2/invoices/{INVOICE}").respond(200, json=invoice(INVOICE, ORDER, status))
    assert (await client.status(ORDER, INVOICE)).status is expected


async def test_a_paid_invoice_reports_what_was_paid(client: XenditClient, mock: respx.MockRouter) -> None:
    body = invoice(INVOICE, ORDER, "PAID")
    body["paid_amount"] = 100000
    mock.get(f"{XENDIT}/v2/invoices/{INVOICE}").respond(200, json=body)
    assert (await client.status(ORDER, INVOICE)).gross_amount == Decimal("100000.00")


async def test_status_without_an_invoice_is_404_without_a_call(client: XenditClient) -> None:
    with pytest.raises(GatewayRejected) as caught:
        await client.status(ORDER, None)
    assert caught.value.status_code == 404


async def test_errors_carry_xendits_error_code(client: XenditClient, mock: respx.MockRouter) -> None:
    mock.get(f"{XENDIT}/v2/invoices/{INVOICE}").respond(404, json=INVOICE_NOT_FOUND)
    with pytest.raises(GatewayRejected) as caught:
        await client.status(ORDER, INVOICE)
    assert caught.value.status_code == 404
    assert "INVOICE_NOT_FOUND_ERROR" in caught.value.message


async def test_expire_answers_the_expired_invoice(client: XenditClient, mock: respx.MockRouter) -> None:
    route = mock.post(f"{XENDIT}/invoices/{INVOICE}/expire!").respond(
        200, json=invoice(INVOICE, ORDER, "EXPIRED")
    )
    report = await client.expire(ORDER, INVOICE)
    assert report.status is ChargeStatus.EXPIRED
    assert route.calls.last.request.headers["Authorization"] == AUTH


async def test_expire_of_a_paid_invoice_answers_it_as_paid(
    client: XenditClient, mock: respx.MockRouter
) -> None:
    mock.post(f"{XENDIT}/invoices/{INVOICE}/expire!").respond(404, json=INVOICE_NOT_FOUND)
    mock.get(f"{XENDIT}/v2/invoices/{INVOICE}").respond(200, json=invoice(INVOICE, ORDER, "PAID"))
    assert (await client.cancel(ORDER, INVOICE)).status is ChargeStatus.PAID


async def test_refund_sends_the_idempotency_key_and_the_invoice(
    client: XenditClient, mock: respx.MockRouter
) -> None:
    route = mock.post(f"{XENDIT}/refunds").respond(200, json=refund("rfd-1", INVOICE, 50000, order_id=ORDER))
    report = await client.refund(ORDER, "refund-key-1", Decimal("50000.00"), "customer cancelled", INVOICE)
    sent = route.calls.last.request
    assert sent.headers["Idempotency-key"] == "refund-key-1"
    assert json.loads(sent.content) == {
        "invoice_id": INVOICE,
        "amount": 50000,
        "currency": "IDR",
        "reason": "CANCELLATION",
        "metadata": {"order_id": ORDER, "note": "customer cancelled"},
    }
    assert report.refunded_amount == Decimal("50000.00")


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "INELIGIBLE_TRANSACTION", 412),
        (403, "REFUND_NOT_SUPPORTED", 412),
        (400, "MAXIMUM_REFUND_AMOUNT_REACHED", 414),
        (400, "API_VALIDATION_ERROR", 400),
    ],
)
async def test_refund_refusals_reach_the_domain_by_meaning(
    client: XenditClient, mock: respx.MockRouter, status: int, code: str, expected: int
) -> None:
    mock.post(f"{XENDIT}/refunds").respond(status, json=error(code, "refused"))
    with pytest.raises(GatewayRejected) as caught:
        await client.refund(ORDER, "k", Decimal("1000"), "x", INVOICE)
    assert caught.value.status_code == expected


async def test_a_refund_that_failed_at_once_is_a_refusal(
    client: XenditClient, mock: respx.MockRouter
) -> None:
    failed = refund("rfd-2", INVOICE, 1000, "FAILED")
    failed["failure_code"] = "INSUFFICIENT_BALANCE"
    mock.post(f"{XENDIT}/refunds").respond(200, json=failed)
    with pytest.raises(GatewayRejected) as caught:
        await client.refund(ORDER, "k", Decimal("1000"), "x", INVOICE)
    assert caught.value.status_code == 412


async def test_5xx_garbage_and_timeouts_are_unavailable(client: XenditClient, mock: respx.MockRouter) -> None:
    mock.get(f"{XENDIT}/v2/invoices/a").respond(500, json=error("SERVER_ERROR", "oops"))
    mock.get(f"{XENDIT}/v2/invoices/b").respond(200, text="<html>maintenance</html>")
    mock.get(f"{XENDIT}/v2/invoices/c").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(GatewayUnavailable):
        await client.status(ORDER, "a")
    with pytest.raises(GatewayUnavailable):
        await client.status(ORDER, "b")
    with pytest.raises(GatewayTimeout):
        await client.status(ORDER, "c")
