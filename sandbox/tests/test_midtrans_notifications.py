"""HTTP notifications to a real local receiver: signed bodies, order, targets, retries with
back-off, redirects, the duplicate / shuffle / delay knobs, expiry, refunds, reset."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx
from test_midtrans_support import (
    AUTH,
    create_snap,
    expected_signature,
    idle,
    page_action,
    receiver,
    sandbox,
)


async def log(client: httpx.AsyncClient, order_id: str | None = None) -> list[dict[str, Any]]:
    params = {"order_id": order_id} if order_id else {}
    r = await client.get("/sandbox/midtrans/notifications", params=params)
    assert r.status_code == 200
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def pay(client: httpx.AsyncClient, order_id: str, payment_type: str = "gopay", **snap: Any) -> None:
    created = await create_snap(client, order_id, **snap)
    r = await page_action(client, created["token"], "pay", payment_type=payment_type)
    assert r.status_code == 200, r.text


async def test_pay_notifies_pending_then_settlement_signed_with_the_server_key() -> None:
    async with receiver() as rx, sandbox() as client:
        await client.put("/sandbox/knobs/midtrans", json={})
        await pay(client, "PAY-1", headers={"X-Override-Notification": rx.url})
        await idle(client)
        entries = await log(client, "PAY-1")
    assert rx.statuses() == ["pending", "settlement"]
    pending, settlement = rx.bodies()
    assert [pending["status_code"], settlement["status_code"]] == ["201", "200"]
    for body in (pending, settlement):
        assert body["signature_key"] == expected_signature(body)
        assert body["gross_amount"] == "1500000.00"
        assert body["status_message"] == "midtrans payment notification"
    assert "settlement_time" in settlement
    assert "settlement_time" not in pending
    assert rx.received[0]["headers"]["content-type"] == "application/json"
    assert [(e["transaction_status"], e["http_status"], e["attempt"]) for e in entries] == [
        ("pending", 200, 1),
        ("settlement", 200, 1),
    ]
    assert all(e["url"] == rx.url and e["error"] is None for e in entries)
    assert datetime.fromisoformat(entries[0]["at"])


async def test_card_payments_notify_capture_then_settlement_and_deny_notifies_202() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        await pay(client, "CARD-1", payment_type="credit_card")
        denied = await create_snap(client, "CARD-2")
        await page_action(client, denied["token"], "deny")
        await idle(client)
    assert rx.statuses("CARD-1") == ["capture", "settlement"]
    assert rx.bodies("CARD-1")[0]["fraud_status"] == "accept"
    assert [(b["transaction_status"], b["status_code"]) for b in rx.bodies("CARD-2")] == [("deny", "202")]


async def test_expire_from_the_page_notifies_pending_then_expire_407() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        created = await create_snap(client, "PAY-1")
        await page_action(client, created["token"], "expire")
        await idle(client)
    assert [(b["transaction_status"], b["status_code"]) for b in rx.bodies()] == [
        ("pending", "201"),
        ("expire", "407"),
    ]
    assert all(b["signature_key"] == expected_signature(b) for b in rx.bodies())


async def test_targets_default_url_override_and_append() -> None:
    async with receiver() as default, receiver() as other, sandbox(notification_url=default.url) as client:
        await pay(client, "TO-DEFAULT")
        await pay(client, "TO-OVERRIDE", headers={"X-Override-Notification": other.url})
        await pay(client, "TO-BOTH", headers={"X-Append-Notification": other.url})
        await idle(client)
    assert {b["order_id"] for b in default.bodies()} == {"TO-DEFAULT", "TO-BOTH"}
    assert {b["order_id"] for b in other.bodies()} == {"TO-OVERRIDE", "TO-BOTH"}


async def test_without_any_url_nothing_is_sent() -> None:
    async with sandbox() as client:
        await pay(client, "PAY-1")
        await idle(client)
        assert await log(client) == []


async def test_a_failing_receiver_is_retried_with_back_off_until_it_answers_2xx() -> None:
    async with (
        receiver() as rx,
        sandbox(notification_url=rx.url, retry_schedule_seconds="0.2,0.4,5") as client,
    ):
        rx.answers = [500, 503]
        created = await create_snap(client, "PAY-1")
        await page_action(client, created["token"], "choose", payment_type="qris")
        await idle(client)
        entries = await log(client, "PAY-1")
    assert [(e["attempt"], e["http_status"]) for e in entries] == [(1, 500), (2, 503), (3, 200)]
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    first_gap = (times[1] - times[0]).total_seconds()
    second_gap = (times[2] - times[1]).total_seconds()
    assert 0.15 <= first_gap < 0.4
    assert 0.3 <= second_gap < 0.7
    assert len(rx.received) == 3
    assert rx.bodies()[0] == rx.bodies()[2]


async def test_retries_stop_when_the_schedule_is_exhausted_and_errors_are_logged() -> None:
    async with sandbox(
        notification_url="http://127.0.0.1:9/nobody", retry_schedule_seconds="0.05,0.05"
    ) as client:
        created = await create_snap(client, "PAY-1")
        await page_action(client, created["token"], "choose", payment_type="gopay")
        await idle(client)
        entries = await log(client)
    assert [e["attempt"] for e in entries] == [1, 2, 3]
    assert all(e["http_status"] is None and "ConnectError" in e["error"] for e in entries)


async def test_redirects_are_not_followed_and_count_as_failures() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url, retry_schedule_seconds="0.05") as client:
        rx.answers = [302]
        created = await create_snap(client, "PAY-1")
        await page_action(client, created["token"], "choose", payment_type="gopay")
        await idle(client)
        entries = await log(client)
    assert [e["http_status"] for e in entries] == [302, 200]
    assert len(rx.received) == 2


async def test_the_action_answers_without_waiting_for_the_notification() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        await client.put("/sandbox/knobs/midtrans", json={"notification_delay_ms": 400})
        created = await create_snap(client, "PAY-1")
        started = time.perf_counter()
        await page_action(client, created["token"], "pay", payment_type="gopay")
        answered = time.perf_counter() - started
        assert rx.received == []
        await rx.wait_for(2)
        arrived = time.perf_counter() - started
    assert answered < 0.3
    assert arrived >= 0.8  # two notifications, 400 ms before each


async def test_duplicate_notifications_sends_extra_copies_of_each() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        await client.put("/sandbox/knobs/midtrans", json={"duplicate_notifications": 2})
        await pay(client, "PAY-1")
        await idle(client)
        entries = await log(client)
    assert rx.statuses() == ["pending"] * 3 + ["settlement"] * 3
    assert sorted(e["copy"] for e in entries if e["transaction_status"] == "pending") == [0, 1, 2]


async def test_shuffle_notifications_sends_a_transactions_notifications_out_of_order() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        await client.put("/sandbox/knobs/midtrans", json={"shuffle_notifications": True})
        orders = [f"SHUF-{i}" for i in range(12)]
        for order_id in orders:
            await pay(client, order_id)
        await idle(client)
    sequences = {tuple(rx.statuses(o)) for o in orders}
    assert sequences == {("pending", "settlement"), ("settlement", "pending")}


async def test_without_shuffle_a_transactions_notifications_keep_their_order() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        orders = [f"ORD-{i}" for i in range(12)]
        for order_id in orders:
            await pay(client, order_id)
        await idle(client)
    assert all(rx.statuses(o) == ["pending", "settlement"] for o in orders)


async def test_a_pending_payment_expires_on_time_and_notifies() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        created = await create_snap(client, "PAY-1", expiry={"unit": "second", "duration": 1})
        await page_action(client, created["token"], "choose", payment_type="bank_transfer", bank="bca")
        await rx.wait_for(2, timeout=4)
        st = await client.get("/midtrans/v2/PAY-1/status", headers=AUTH)
    assert rx.statuses() == ["pending", "expire"]
    assert st.json()["transaction_status"] == "expire"


async def test_a_refund_notifies_twice_the_second_bank_confirmed() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        await pay(client, "PAY-1")
        r = await client.post(
            "/midtrans/v2/PAY-1/refund", json={"refund_key": "k1", "amount": 100000}, headers=AUTH
        )
        replay = await client.post("/midtrans/v2/PAY-1/refund", json={"refund_key": "k1"}, headers=AUTH)
        cancel_after = await client.post("/midtrans/v2/PAY-1/cancel", headers=AUTH)
        await idle(client)
    assert r.status_code == replay.status_code == 200
    assert cancel_after.status_code == 412
    assert rx.statuses() == ["pending", "settlement", "partial_refund", "partial_refund"]
    first, second = rx.bodies()[2:]
    assert first["refund_amount"] == second["refund_amount"] == "100000.00"
    assert "bank_confirmed_at" not in first["refunds"][0]
    assert "bank_confirmed_at" in second["refunds"][0]
    assert second["signature_key"] == expected_signature(second)


async def test_cancel_notifies() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url) as client:
        created = await create_snap(client, "PAY-1")
        await page_action(client, created["token"], "choose", payment_type="gopay")
        await client.post("/midtrans/v2/PAY-1/cancel", headers=AUTH)
        await idle(client)
    assert rx.statuses() == ["pending", "cancel"]


async def test_reset_forgets_transactions_the_log_and_knob_changes() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url, latency_ms=5) as client:
        await pay(client, "PAY-1")
        await idle(client)
        await client.put("/sandbox/knobs/midtrans", json={"latency_ms": 0, "duplicate_notifications": 3})
        reset = await client.post("/sandbox/reset")
        assert reset.json()["knobs"]["midtrans"]["latency_ms"] == 5
        assert reset.json()["knobs"]["midtrans"]["duplicate_notifications"] == 0
        assert await log(client) == []
        gone = await client.get("/midtrans/v2/PAY-1/status", headers=AUTH)
        assert gone.status_code == 404
        await pay(client, "PAY-1")  # the order id is free again
        await idle(client)
        assert len(await log(client)) == 2


async def test_a_retried_notification_may_arrive_after_a_later_one() -> None:
    async with receiver() as rx, sandbox(notification_url=rx.url, retry_schedule_seconds="0.3") as client:
        rx.answers = [404]
        await pay(client, "PAY-1")
        await idle(client)
        entries = await log(client)
    assert [(e["transaction_status"], e["http_status"]) for e in entries] == [
        ("pending", 404),
        ("settlement", 200),
        ("pending", 200),
    ]
    assert rx.statuses() == ["pending", "settlement", "pending"]


async def test_midtrans_knobs_are_validated_and_listed() -> None:
    async with sandbox(duplicate_notifications=1) as client:
        ok = await client.put("/sandbox/knobs/midtrans", json={"duplicate_notifications": 49})
        too_many = await client.put("/sandbox/knobs/midtrans", json={"duplicate_notifications": 101})
        unknown = await client.put("/sandbox/knobs/midtrans", json={"timeout_rate": 1})
        listed = (await client.get("/sandbox/knobs")).json()
    assert ok.json()["duplicate_notifications"] == 49
    assert too_many.status_code == unknown.status_code == 422
    assert listed["midtrans"] == ok.json()
    assert set(listed["midtrans"]) == {
        "latency_ms",
        "error_rate",
        "duplicate_notifications",
        "shuffle_notifications",
        "notification_delay_ms",
        "errors_in_http_200",
    }
