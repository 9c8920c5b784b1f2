"""The Xendit stand-in: invoices (create, find, read, expire), refunds (idempotent, PENDING then
SUCCEEDED or FAILED by callback), callbacks with x-callback-token and retries, the invoice page,
errors as {error_code, message}, and the knobs."""

from __future__ import annotations

import base64
import re

from test_midtrans_support import receiver
from test_xendit_support import (
    AUTH,
    TOKEN,
    XENDIT,
    create_invoice,
    idle,
    invoice_body,
    page_action,
    xendit_sandbox,
)


async def test_an_invoice_is_created_pending_with_its_page_and_expiry() -> None:
    async with xendit_sandbox() as client:
        created = await create_invoice(client)
        read = await client.get(f"{XENDIT}/v2/invoices/{created['id']}", headers=AUTH)
        found = await client.get(f"{XENDIT}/v2/invoices", params={"external_id": "PAY-1"}, headers=AUTH)
        none = await client.get(f"{XENDIT}/v2/invoices", params={"external_id": "nobody"}, headers=AUTH)
    assert created["status"] == "PENDING"
    assert created["external_id"] == "PAY-1"
    assert created["amount"] == 1500000
    assert created["currency"] == "IDR"
    assert created["invoice_url"] == f"http://sandbox.test/xendit/web/{created['id']}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", created["expiry_date"])
    assert {b["bank_code"] for b in created["available_banks"]} >= {"BCA", "BNI", "MANDIRI"}
    assert read.json() == created
    assert [i["id"] for i in found.json()] == [created["id"]]
    assert none.status_code == 404
    assert none.json()["error_code"] == "INVOICE_NOT_FOUND_ERROR"


async def test_errors_come_as_xendit_gives_them() -> None:
    wrong = {"Authorization": "Basic " + base64.b64encode(b"xnd_wrong:").decode()}
    async with xendit_sandbox() as client:
        unauthorised = await client.post(f"{XENDIT}/v2/invoices", json=invoice_body(), headers=wrong)
        missing = await client.get(f"{XENDIT}/v2/invoices/nope", headers=AUTH)
        fractions = await client.post(f"{XENDIT}/v2/invoices", json=invoice_body(amount=10.5), headers=AUTH)
        strings = await client.post(f"{XENDIT}/v2/invoices", json=invoice_body(amount="1e30"), headers=AUTH)
        dollars = await client.post(f"{XENDIT}/v2/invoices", json=invoice_body(currency="USD"), headers=AUTH)
    assert (unauthorised.status_code, unauthorised.json()["error_code"]) == (401, "INVALID_API_KEY")
    assert (missing.status_code, missing.json()["error_code"]) == (404, "INVOICE_NOT_FOUND_ERROR")
    assert fractions.status_code == strings.status_code == 400
    assert fractions.json()["error_code"] == "API_VALIDATION_ERROR"
    assert set(fractions.json()) == {"error_code", "message"}
    assert dollars.json()["error_code"] == "UNSUPPORTED_CURRENCY"


async def test_paying_on_the_page_calls_back_with_the_token_and_retries_until_answered() -> None:
    async with receiver() as rx, xendit_sandbox(callback_url=rx.url) as client:
        rx.answers = [503]
        created = await create_invoice(client)
        paid = await page_action(client, created["id"], "pay", payment_method="EWALLET", ewallet="DANA")
        await idle(client)
        log = (await client.get("/sandbox/xendit/callbacks", params={"key": created["id"]})).json()["items"]
        read = (await client.get(f"{XENDIT}/v2/invoices/{created['id']}", headers=AUTH)).json()
    assert paid.status_code == 200
    assert paid.json()["status"] == "PAID"
    assert len(rx.received) == 2  # refused once, retried
    callback = rx.received[-1]
    assert callback["headers"]["x-callback-token"] == TOKEN
    body = callback["body"]
    assert body["status"] == "PAID"
    assert body["id"] == created["id"]
    assert body["external_id"] == "PAY-1"
    assert body["paid_amount"] == body["amount"] == 1500000
    assert (body["payment_method"], body["payment_channel"]) == ("EWALLET", "DANA")
    assert body["paid_at"].endswith("Z")
    assert "invoice_url" not in body
    assert [(e["http_status"], e["attempt"]) for e in log] == [(503, 1), (200, 2)]
    assert read["status"] == "PAID"


async def test_a_virtual_account_and_qris_and_letting_it_expire() -> None:
    async with receiver() as rx, xendit_sandbox(callback_url=rx.url) as client:
        va = await create_invoice(client, "PAY-VA")
        qr = await create_invoice(client, "PAY-QR")
        lapse = await create_invoice(client, "PAY-EXP")
        await page_action(client, va["id"], "pay", payment_method="BANK_TRANSFER", bank="MANDIRI")
        await page_action(client, qr["id"], "pay", payment_method="QR_CODE")
        expired = await page_action(client, lapse["id"], "expire")
        again = await page_action(client, lapse["id"], "pay")
        await idle(client)
    by_order = {r["body"]["external_id"]: r["body"] for r in rx.received}
    assert (by_order["PAY-VA"]["payment_channel"], by_order["PAY-VA"]["bank_code"]) == ("MANDIRI", "MANDIRI")
    assert by_order["PAY-QR"]["payment_channel"] == "QRIS"
    assert expired.json()["status"] == by_order["PAY-EXP"]["status"] == "EXPIRED"
    assert again.status_code == 409


async def test_expire_via_the_api_only_for_a_pending_invoice() -> None:
    async with xendit_sandbox() as client:
        created = await create_invoice(client)
        expired = await client.post(f"{XENDIT}/invoices/{created['id']}/expire!", headers=AUTH)
        twice = await client.post(f"{XENDIT}/invoices/{created['id']}/expire!", headers=AUTH)
    assert expired.status_code == 200
    assert expired.json()["status"] == "EXPIRED"
    assert twice.status_code == 404


async def test_an_invoice_past_its_duration_expires_and_calls_back() -> None:
    async with receiver() as rx, xendit_sandbox(callback_url=rx.url) as client:
        created = await create_invoice(client, invoice_duration=1)
        await rx.wait_for(1, timeout=5)
    assert rx.received[0]["body"]["id"] == created["id"]
    assert rx.received[0]["body"]["status"] == "EXPIRED"


async def test_refunds_are_idempotent_and_succeed_by_callback() -> None:
    async with receiver() as rx, xendit_sandbox(callback_url=rx.url) as client:
        created = await create_invoice(client)
        unpaid = await client.post(
            f"{XENDIT}/refunds",
            json={"invoice_id": created["id"], "amount": 1000, "reason": "CANCELLATION"},
            headers={**AUTH, "Idempotency-key": "early"},
        )
        await page_action(client, created["id"], "pay")
        body = {"invoice_id": created["id"], "amount": 500000, "reason": "CANCELLATION", "metadata": {"o": 1}}
        first = await client.post(f"{XENDIT}/refunds", json=body, headers={**AUTH, "Idempotency-key": "k1"})
        replay = await client.post(f"{XENDIT}/refunds", json=body, headers={**AUTH, "Idempotency-key": "k1"})
        reused = await client.post(
            f"{XENDIT}/refunds", json={**body, "amount": 1}, headers={**AUTH, "Idempotency-key": "k1"}
        )
        too_much = await client.post(
            f"{XENDIT}/refunds", json={**body, "amount": 1000001}, headers={**AUTH, "Idempotency-key": "k2"}
        )
        await idle(client)
        await rx.wait_for(2)
        read = await client.get(f"{XENDIT}/refunds/{first.json()['id']}", headers=AUTH)
    assert (unpaid.status_code, unpaid.json()["error_code"]) == (400, "INELIGIBLE_TRANSACTION")
    assert first.status_code == 200
    assert first.json()["status"] == "PENDING"
    assert replay.json()["id"] == first.json()["id"]
    assert reused.status_code == 409
    assert too_much.json()["error_code"] == "MAXIMUM_REFUND_AMOUNT_REACHED"
    assert read.json()["status"] == "SUCCEEDED"
    refund_callback = rx.received[-1]["body"]
    assert refund_callback["event"] == "refund.succeeded"
    assert refund_callback["data"]["metadata"] == {"o": 1}
    assert refund_callback["data"]["invoice_id"] == created["id"]


async def test_knobs_fail_refunds_duplicate_callbacks_and_fail_calls() -> None:
    async with receiver() as rx, xendit_sandbox(callback_url=rx.url) as client:
        knobs = await client.put(
            "/sandbox/knobs/xendit", json={"fail_refunds": True, "duplicate_callbacks": 2}
        )
        created = await create_invoice(client)
        await page_action(client, created["id"], "pay")
        refund = await client.post(
            f"{XENDIT}/refunds",
            json={"invoice_id": created["id"], "amount": 1000, "reason": "OTHERS"},
            headers={**AUTH, "Idempotency-key": "k"},
        )
        await idle(client)
        await client.put("/sandbox/knobs/xendit", json={"error_rate": 1})
        broken = await client.get(f"{XENDIT}/v2/invoices/{created['id']}", headers=AUTH)
        listed = (await client.get("/sandbox/knobs")).json()
        reset = await client.post("/sandbox/reset")
    assert knobs.json()["fail_refunds"] is True
    assert refund.json()["status"] == "PENDING"
    paid = [r for r in rx.received if r["body"].get("status") == "PAID"]
    failed = [r for r in rx.received if r["body"].get("event") == "refund.failed"]
    assert len(paid) == 3
    assert len(failed) == 3
    assert failed[0]["body"]["data"]["failure_code"] == "INSUFFICIENT_BALANCE"
    assert (broken.status_code, broken.json()["error_code"]) == (500, "SERVER_ERROR")
    assert listed["xendit"]["error_rate"] == 1
    assert reset.json()["knobs"]["xendit"]["error_rate"] == 0


async def test_the_invoice_page_shows_the_invoice_and_escapes_it() -> None:
    async with xendit_sandbox() as client:
        created = await create_invoice(client, description='<script>alert("x")</script>')
        page = await client.get(f"{XENDIT}/web/{created['id']}")
        form_pay = await client.post(
            f"{XENDIT}/web/{created['id']}/pay", data={"payment_method": "BANK_TRANSFER", "bank": "BNI"}
        )
        unknown = await client.get(f"{XENDIT}/web/nope")
    html = page.text
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["content-security-policy"]
    for text in (
        "PAY-1",
        "Rp1.500.000",
        "CGK-DPS GA 404",
        "WIB",
        'value="EWALLET"',
        'value="QR_CODE"',
        "BCA",
    ):
        assert text in html
    assert "<script>" not in html
    assert f'formaction="/xendit/web/{created["id"]}/expire"' in html
    assert form_pay.status_code == 200
    assert "PAID" in form_pay.text
    assert "https://tiketq.test/paid" in form_pay.text
    assert unknown.status_code == 404
