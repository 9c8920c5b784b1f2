"""The events endpoint and GET /notifications/ through the app, on a real database: an event
queues its messages once, delivery sends them once, and people read only their own."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from domain.deliver import Deliveries
from domain.models import Preferences
from tests import events
from tests.conftest import INTERNAL_TOKEN, ORDER_EVENTS_SECRET
from tests.fakes import Clock, Profiles, RecordingSender


async def post_event(
    client: httpx.AsyncClient, topic: str, data: dict[str, object], event_id: uuid.UUID | None = None
) -> httpx.Response:
    body, headers = events.signed(topic, data, ORDER_EVENTS_SECRET, event_id)
    return await client.post("/internal/events", content=body, headers=headers)


def deliveries(app: FastAPI) -> Deliveries:
    d: Deliveries = app.state.deliveries
    return d


async def test_a_completed_flight_sends_one_email_with_the_booking_code_and_the_pdf(
    app: FastAPI, client: httpx.AsyncClient, email: RecordingSender, sms: RecordingSender
) -> None:
    event_id = uuid.uuid4()
    first = await post_event(client, "order.completed", events.completed(), event_id)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "queued"
    again = await post_event(client, "order.completed", events.completed(), event_id)
    assert again.json()["outcome"] == "duplicate"
    # The same fact under another event id (a relay that lost its bookkeeping) is still one message.
    other = await post_event(client, "order.completed", events.completed())
    assert other.json()["outcome"] == "nothing-to-send"

    assert await deliveries(app).deliver_due() == 1
    assert await deliveries(app).deliver_due() == 0
    [message] = email.sent
    assert message.recipient == "siti@example.co.id"
    assert message.subject == "Pesanan TQ-20261204-7F3C9A berhasil - kode booking HJK1EY"
    assert "Kode booking: HJK1EY" in message.body_text
    assert "1262400000017" in (message.body_html or "")
    [pdf] = message.attachments
    assert pdf.filename == "tiketq-TQ-20261204-7F3C9A.pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"HJK1EY" in pdf.content
    assert b"1262400000017" in pdf.content
    assert sms.sent == []  # a flight's confirmation is email only


async def test_unsigned_or_tampered_events_are_refused_and_queue_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    # The internal token every service holds is not the key: only transaction-service's events count.
    for key in ("another-secret-0123456789abcdef", INTERNAL_TOKEN):
        body, headers = events.signed("order.completed", events.completed(), key)
        r = await client.post("/internal/events", content=body, headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
    body, headers = events.signed("order.completed", events.completed(), ORDER_EVENTS_SECRET)
    r = await client.post("/internal/events", content=body.replace(b"HJK1EY", b"XXXXXX"), headers=headers)
    assert r.status_code == 401
    listed = await client.get("/notifications/", headers=admin_headers)
    assert listed.json()["total"] == 0


async def test_a_pln_token_goes_by_sms_too_unless_the_customer_switched_sms_off(
    app: FastAPI, client: httpx.AsyncClient, email: RecordingSender, sms: RecordingSender, profiles: Profiles
) -> None:
    data = events.completed(service_type="ppob", supplier_reference=None, documents=[events.PLN_TOKEN])
    await post_event(client, "order.completed", data)
    await deliveries(app).deliver_due()
    [text] = sms.sent
    assert text.recipient == "+6281234567890"
    assert "1234-5678-9012-3456-7890" in text.body_text
    assert len(email.sent) == 1
    assert email.sent[0].attachments == ()  # a token has nothing to print

    profiles.by_user[events.USER_ID] = Preferences(sms_enabled=False)
    other_order = {**data, "order_id": str(uuid.uuid4())}
    await post_event(client, "order.completed", other_order)
    await deliveries(app).deliver_due()
    assert len(sms.sent) == 1  # SMS off: no second text
    assert len(email.sent) == 2  # the transactional email still goes


async def test_smtp_down_keeps_messages_queued_and_sends_each_once_when_it_is_back(
    app: FastAPI,
    client: httpx.AsyncClient,
    email: RecordingSender,
    clock: Clock,
    admin_headers: dict[str, str],
) -> None:
    email.down = True
    for _ in range(5):
        await post_event(client, "transaction.created", {**events.created(), "order_id": str(uuid.uuid4())})
    await deliveries(app).deliver_due()
    queued = (await client.get("/notifications/", params={"channel": "email"}, headers=admin_headers)).json()
    assert queued["total"] == 5
    assert {i["status"] for i in queued["items"]} == {"queued"}
    assert {i["provider_response"] for i in queued["items"]} == {"421 4.3.2 service not available"}
    assert all(i["attempts"] == 1 and i["next_attempt_at"] for i in queued["items"])

    email.down = False
    assert await deliveries(app).deliver_due() == 0  # not due yet: back-off
    clock.advance(60)
    assert await deliveries(app).deliver_due() == 5
    assert len(email.sent) == 5
    assert len({m.id for m in email.sent}) == 5
    emails_sent = {"status": "sent", "channel": "email"}
    sent = (await client.get("/notifications/", params=emails_sent, headers=admin_headers)).json()
    assert sent["total"] == 5


async def test_a_refused_address_fails_for_good_with_the_servers_answer(
    app: FastAPI, client: httpx.AsyncClient, email: RecordingSender, admin_headers: dict[str, str]
) -> None:
    email.refuse = True
    await post_event(client, "transaction.failed", events.failed())
    await deliveries(app).deliver_due()
    [item] = (await client.get("/notifications/", headers=admin_headers)).json()["items"]
    assert item["status"] == "failed"
    assert item["kind"] == "order-failed"
    assert item["provider_response"] == "550 5.1.1 mailbox unavailable"
    assert item["next_attempt_at"] is None


async def test_customers_read_their_own_messages_and_admins_filter_anyones(
    app: FastAPI,
    client: httpx.AsyncClient,
    customer_headers: dict[str, str],
    stranger_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    await post_event(client, "transaction.created", events.created())
    await post_event(client, "refund.processed", events.refunded())
    await deliveries(app).deliver_due()

    mine = (await client.get("/notifications/", headers=customer_headers)).json()
    assert mine["total"] == 4  # order created: email + deadline SMS; refund: email + SMS
    assert {(i["kind"], i["channel"]) for i in mine["items"]} == {
        ("order-created", "email"),
        ("payment-deadline", "sms"),
        ("refunded", "email"),
        ("refund", "sms"),
    }
    refund_email = next(i for i in mine["items"] if i["kind"] == "refunded")
    assert refund_email["subject"] == "Pengembalian dana Rp937.500 untuk pesanan TQ-20261204-7F3C9A"

    theirs = await client.get("/notifications/", params={"user_id": events.USER_ID}, headers=stranger_headers)
    assert theirs.json()["total"] == 0  # a customer's filter is always themselves
    one = await client.get(f"/notifications/{refund_email['id']}", headers=stranger_headers)
    assert one.status_code == 404
    assert one.json()["type"].endswith("/notification-not-found")

    sms_only = await client.get(
        "/notifications/",
        params={"user_id": events.USER_ID, "channel": "sms", "order_number": "TQ-20261204-7F3C9A"},
        headers=admin_headers,
    )
    assert sms_only.json()["total"] == 2
    assert (await client.get("/notifications/")).status_code == 401
    assert (
        await client.get("/notifications/", params={"status": "lost"}, headers=admin_headers)
    ).status_code == 422
    for text_filter in ({"user_id": "u\x00"}, {"order_number": "TQ-\x00"}):  # PostgreSQL text holds no NUL
        refused = await client.get("/notifications/", params=text_filter, headers=admin_headers)
        assert refused.status_code == 422, text_filter
        assert refused.headers["content-type"] == "application/problem+json"


async def test_the_list_pages_newest_first_and_one_message_reads_whole(
    client: httpx.AsyncClient, clock: Clock, customer_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    orders = []
    for _ in range(3):
        order_id = str(uuid.uuid4())
        orders.append(order_id)
        await post_event(client, "order.completed", {**events.completed(), "order_id": order_id})
        clock.advance(60)
    confirmations: dict[str, str | int] = {"channel": "email", "kind": "booking-confirmed", "limit": 2}
    pages = [
        (await client.get("/notifications/", params={**confirmations, "offset": offset}, headers=h)).json()
        for offset, h in ((0, admin_headers), (2, customer_headers))
    ]
    assert [page["total"] for page in pages] == [3, 3]
    assert [(page["limit"], page["offset"]) for page in pages] == [(2, 0), (2, 2)]
    assert [i["order_id"] for page in pages for i in page["items"]] == orders[::-1]  # newest first
    refunds = await client.get("/notifications/", params={"kind": "refunded"}, headers=admin_headers)
    assert refunds.json()["total"] == 0

    newest = pages[0]["items"][0]
    one = await client.get(f"/notifications/{newest['id']}", headers=customer_headers)
    assert one.status_code == 200
    assert one.json() == newest
    assert one.json()["attachments"] == ["tiketq-TQ-20261204-7F3C9A.pdf"]  # the JSONB column, decoded
    missing = await client.get(f"/notifications/{uuid.uuid4()}", headers=admin_headers)
    assert missing.status_code == 404


async def test_an_english_speaker_gets_english_and_a_missing_profile_service_means_indonesian(
    app: FastAPI, client: httpx.AsyncClient, email: RecordingSender, profiles: Profiles
) -> None:
    profiles.by_user[events.USER_ID] = Preferences(language="en")
    await post_event(client, "transaction.created", events.created())
    profiles.broken = True
    await post_event(client, "transaction.created", {**events.created(), "order_id": str(uuid.uuid4())})
    await deliveries(app).deliver_due()
    english, indonesian = email.sent
    assert english.subject == "Pay for order TQ-20261204-7F3C9A before 4 Dec 2026 14:20 WIB"
    assert "Total: Rp1.250.000" in english.body_text
    assert (
        indonesian.subject == "Selesaikan pembayaran pesanan TQ-20261204-7F3C9A sebelum 4 Des 2026 14.20 WIB"
    )


async def test_topics_that_owe_nothing_are_acknowledged(client: httpx.AsyncClient) -> None:
    r = await post_event(
        client, "payment.confirmed", {"order_id": events.ORDER_ID, "user_id": events.USER_ID}
    )
    assert r.status_code == 200
    assert r.json()["outcome"] == "nothing-to-send"
    garbage = await client.post(
        "/internal/events", content=b"{}", headers=events.signed("x", {}, ORDER_EVENTS_SECRET)[1]
    )
    assert garbage.status_code in (401, 422)


async def test_the_virtual_account_is_emailed_once_per_payment_in_the_customers_zone(
    app: FastAPI, client: httpx.AsyncClient, email: RecordingSender, sms: RecordingSender, profiles: Profiles
) -> None:
    profiles.by_user[events.USER_ID] = Preferences(time_zone="Asia/Makassar", sms_enabled=False)
    payment_id = str(uuid.uuid4())
    first = await post_event(client, "payment.instructions", events.instructions(payment_id=payment_id))
    assert first.json()["outcome"] == "queued"
    # Told again under another event id (a relay that lost its bookkeeping): still one email.
    again = await post_event(client, "payment.instructions", events.instructions(payment_id=payment_id))
    assert again.json()["outcome"] == "nothing-to-send"
    await deliveries(app).deliver_due()
    [message] = email.sent
    assert message.kind == "payment-instructions"
    assert "BCA Virtual Account 12345678901" in message.body_text
    assert "5 Des 2026 15.00 WITA" in message.body_text
    assert "12345678901" in (message.body_html or "")
    assert sms.sent == []  # SMS off


async def test_an_events_messages_go_in_at_once_and_a_second_event_about_them_adds_none(
    client: httpx.AsyncClient,
) -> None:
    first = await post_event(client, "transaction.created", events.created())
    assert (first.json()["outcome"], first.json()["queued"]) == ("queued", 2)  # email and SMS
    again = await post_event(client, "transaction.created", events.created())
    assert (again.json()["outcome"], again.json()["queued"]) == ("nothing-to-send", 0)
