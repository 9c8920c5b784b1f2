"""The Core API: status bodies, cancel / expire / refund rules, refund replays, errors."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from test_midtrans_support import AUTH, create_snap, expected_signature, page_action, sandbox, status

TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


async def paid(client: httpx.AsyncClient, order_id: str = "PAY-1", payment_type: str = "gopay") -> None:
    created = await create_snap(client, order_id)
    r = await page_action(client, created["token"], "pay", payment_type=payment_type)
    assert r.status_code == 200, r.text


async def pending(client: httpx.AsyncClient, order_id: str = "PAY-1") -> None:
    created = await create_snap(client, order_id)
    r = await page_action(client, created["token"], "choose", payment_type="bank_transfer", bank="bri")
    assert r.status_code == 200, r.text


async def post(client: httpx.AsyncClient, order_id: str, action: str, body: Any = None) -> httpx.Response:
    return await client.post(f"/midtrans/v2/{order_id}/{action}", json=body, headers=AUTH)


async def test_status_body_is_midtrans_shaped_and_signed() -> None:
    async with sandbox(merchant_id="G777") as client:
        await paid(client, payment_type="credit_card")
        r = await status(client, "PAY-1")
        by_id = await status(client, r.json()["transaction_id"])
    body = r.json()
    assert r.status_code == 200
    assert body["status_code"] == "200"
    assert body["status_message"] == "Success, transaction is found"
    assert body["order_id"] == "PAY-1"
    assert body["merchant_id"] == "G777"
    assert body["gross_amount"] == "1500000.00"
    assert body["currency"] == "IDR"
    assert body["payment_type"] == "credit_card"
    assert body["transaction_status"] == "settlement"
    assert body["fraud_status"] == "accept"
    assert TIME.match(body["transaction_time"])
    assert TIME.match(body["settlement_time"])
    assert uuid.UUID(body["transaction_id"])
    assert body["signature_key"] == expected_signature(body)
    assert body["masked_card"]
    assert by_id.json() == body


async def test_unknown_or_not_started_is_404_transaction_doesnt_exist() -> None:
    async with sandbox() as client:
        await create_snap(client, "PAY-1")
        unknown = await status(client, "NOPE")
        not_chosen = await status(client, "PAY-1")
        cancel = await post(client, "PAY-1", "cancel")
        refund = await post(client, "PAY-1", "refund", {"amount": 1000})
    for r in (unknown, not_chosen, cancel, refund):
        assert r.status_code == 404
        assert r.json()["status_code"] == "404"
        assert r.json()["status_message"] == "Transaction doesn't exist."


async def test_errors_in_http_200_knob_keeps_the_body_status_code() -> None:
    async with sandbox(errors_in_http_200=True) as client:
        r = await status(client, "NOPE")
        knobs = (await client.get("/sandbox/knobs/midtrans")).json()
    assert r.status_code == 200
    assert r.json()["status_code"] == "404"
    assert knobs["errors_in_http_200"] is True


async def test_cancel_a_pending_payment_then_it_is_final() -> None:
    async with sandbox() as client:
        await pending(client)
        r = await post(client, "PAY-1", "cancel")
        again = await post(client, "PAY-1", "cancel")
        st = (await status(client, "PAY-1")).json()
    assert r.status_code == 200
    assert r.json()["transaction_status"] == "cancel"
    assert r.json()["status_code"] == "200"
    assert st["transaction_status"] == "cancel"
    assert again.status_code == 412
    assert again.json()["status_message"] == "Merchant cannot modify the status of the transaction"


async def test_cancel_or_expire_a_settled_payment_is_412() -> None:
    async with sandbox() as client:
        await paid(client)
        cancel = await post(client, "PAY-1", "cancel")
        expire = await post(client, "PAY-1", "expire")
    assert cancel.status_code == expire.status_code == 412
    assert cancel.json()["status_code"] == expire.json()["status_code"] == "412"


async def test_expire_a_pending_payment_answers_407() -> None:
    async with sandbox() as client:
        await pending(client)
        r = await post(client, "PAY-1", "expire")
        st = (await status(client, "PAY-1")).json()
    assert r.status_code == 200
    assert r.json()["status_code"] == "407"
    assert r.json()["transaction_status"] == "expire"
    assert st["transaction_status"] == "expire"


async def test_expire_a_snap_without_a_method_closes_its_page() -> None:
    async with sandbox() as client:
        created = await create_snap(client, "PAY-1")
        r = await post(client, "PAY-1", "expire")
        pay = await page_action(client, created["token"], "pay", payment_type="gopay")
        page = await client.get(f"/midtrans/snap/v2/vtweb/{created['token']}")
    assert r.json()["transaction_status"] == "expire"
    assert pay.status_code == 409
    assert "<form" not in page.text


async def test_full_refund_defaults_to_the_whole_amount() -> None:
    async with sandbox() as client:
        await paid(client)
        r = await post(client, "PAY-1", "refund", {"refund_key": "rf-1", "reason": "customer cancelled"})
        st = (await status(client, "PAY-1")).json()
        more = await post(client, "PAY-1", "refund", {"refund_key": "rf-2", "amount": 1})
    body = r.json()
    assert r.status_code == 200
    assert body["status_code"] == "200"
    assert body["transaction_status"] == "refund"
    assert body["refund_amount"] == "1500000.00"
    assert body["refund_key"] == "rf-1"
    assert st["transaction_status"] == "refund"
    assert st["refund_amount"] == "1500000.00"
    assert st["refunds"][0]["refund_key"] == "rf-1"
    assert st["refunds"][0]["reason"] == "customer cancelled"
    assert "bank_confirmed_at" in st["refunds"][0]
    assert more.status_code == 412


async def test_partial_refunds_add_up_and_cannot_exceed_what_is_left() -> None:
    async with sandbox() as client:
        await paid(client)
        first = await post(client, "PAY-1", "refund", {"refund_key": "a", "amount": 500000})
        too_much = await post(client, "PAY-1", "refund", {"refund_key": "b", "amount": "1000001"})
        fraction = await post(client, "PAY-1", "refund", {"refund_key": "b", "amount": 10.5})
        direct = await post(client, "PAY-1", "refund/online/direct", {"refund_key": "b", "amount": 1000000})
        st = (await status(client, "PAY-1")).json()
    assert first.json()["transaction_status"] == "partial_refund"
    assert too_much.status_code == fraction.status_code == 414
    assert too_much.json()["status_code"] == "414"
    assert direct.status_code == 200
    assert direct.json()["transaction_status"] == "refund"
    assert st["refund_amount"] == "1500000.00"
    assert [r["refund_amount"] for r in st["refunds"]] == ["500000.00", "1000000.00"]


async def test_the_same_refund_key_replays_and_another_amount_is_406() -> None:
    async with sandbox() as client:
        await paid(client)
        first = await post(client, "PAY-1", "refund", {"refund_key": "k", "amount": 250000})
        replay = await post(client, "PAY-1", "refund", {"refund_key": "k", "amount": "250000.00"})
        bare = await post(client, "PAY-1", "refund", {"refund_key": "k"})
        other = await post(client, "PAY-1", "refund", {"refund_key": "k", "amount": 300000})
        st = (await status(client, "PAY-1")).json()
    assert replay.json() == first.json() == bare.json()
    assert other.status_code == 406
    assert other.json()["status_code"] == "406"
    assert st["refund_amount"] == "250000.00"
    assert len(st["refunds"]) == 1


async def test_refund_before_settlement_is_412_and_garbage_is_refused() -> None:
    async with sandbox() as client:
        await pending(client)
        early = await post(client, "PAY-1", "refund", {"amount": 1000})
        garbage = await client.post("/midtrans/v2/PAY-1/refund", content=b"[1,", headers=AUTH)
    assert early.status_code == 412
    assert garbage.status_code == 413
