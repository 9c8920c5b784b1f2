"""What is dropped of people's data, and what is compared once it is: the rules of
domain/personal_data.py, and the retention job over in-memory ports."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from domain.notification_log import NotificationRetention
from domain.personal_data import reduced_notification, same_request, without_customer
from domain.repository import ReceivedNotification, Verdict
from tests.fakes import NOW, FakeUnitOfWork, Store, fixed_clock
from tests.midtrans_payloads import notification
from tests.xendit_payloads import callback

SNAP_BODY = {
    "transaction_details": {"order_id": "pay-1", "gross_amount": 150000},
    "customer_details": {"first_name": "Budi", "email": "budi@example.co.id", "phone": "+6281234567890"},
    "expiry": {"unit": "minute", "duration": 60},
}


def test_without_the_customer_the_request_is_compared_on_everything_else() -> None:
    stored = without_customer(SNAP_BODY)
    assert stored == {
        "transaction_details": SNAP_BODY["transaction_details"],
        "expiry": SNAP_BODY["expiry"],
        "customer_dropped": True,
    }
    assert same_request(stored, SNAP_BODY)
    assert same_request(stored, {**SNAP_BODY, "customer_details": {"first_name": "Siti"}})
    assert not same_request(stored, {**SNAP_BODY, "expiry": {"unit": "minute", "duration": 30}})


def test_while_the_customer_is_kept_the_whole_request_is_compared() -> None:
    assert same_request(SNAP_BODY, json.loads(json.dumps(SNAP_BODY)))
    assert not same_request(SNAP_BODY, {**SNAP_BODY, "customer_details": {"first_name": "Siti"}})
    # A body that never had a customer is not one whose customer was dropped.
    bare = {k: v for k, v in SNAP_BODY.items() if k != "customer_details"}
    assert not same_request(bare, SNAP_BODY)


def test_a_body_postgresql_could_not_hold_is_reduced_from_its_raw_text() -> None:
    body = {**notification("pay-1", "settlement"), "va_numbers": [{"bank": "bca", "va_number": "123"}]}
    reduced = reduced_notification("midtrans", json.dumps(body), None)
    assert reduced["order_id"] == "pay-1"
    assert reduced["gross_amount"] == "150000.00"
    assert "va_numbers" not in reduced
    assert reduced_notification("midtrans", "{not json", None) == {}
    assert reduced_notification("xendit", "[1, 2]", None) == {}


def test_a_kept_field_of_an_unexpected_shape_goes_too() -> None:
    body = {**callback("inv-1", "pay-1"), "status": {"payer_email": "budi@example.co.id"}}
    reduced = reduced_notification("xendit", json.dumps(body), body)
    assert "status" not in reduced
    assert reduced["external_id"] == "pay-1"
    assert "budi@example.co.id" not in json.dumps(reduced)


async def test_the_retention_job_reduces_each_accepted_body_once_in_batches() -> None:
    store = Store()
    old = NOW - timedelta(days=31)
    for index in range(3):
        body = {**notification(f"pay-{index}", "settlement"), "masked_card": "48111111-1114"}
        store.notifications.append(
            ReceivedNotification(
                uuid.uuid4(), old, Verdict.ACCEPTED, json.dumps(body), body, f"pay-{index}", "x"
            )
        )
    fresh = {**notification("pay-new", "settlement"), "masked_card": "48111111-1114"}
    store.notifications.append(
        ReceivedNotification(uuid.uuid4(), NOW, Verdict.ACCEPTED, json.dumps(fresh), fresh, "pay-new", "x")
    )
    store.notifications.append(
        ReceivedNotification(uuid.uuid4(), old, Verdict.FORGED, "junk", None, None, None)
    )
    retention = NotificationRetention(
        lambda: FakeUnitOfWork(store), fixed_clock, timedelta(days=7), timedelta(days=30), batch_size=2
    )
    first = await retention.purge()
    second = await retention.purge()
    assert (first.rejects, first.reduced) == (1, 3)
    assert (second.rejects, second.reduced) == (0, 0)
    by_order = {n.order_id: n for n in store.notifications}
    assert set(by_order) == {"pay-0", "pay-1", "pay-2", "pay-new"}
    assert all("masked_card" not in by_order[f"pay-{i}"].raw_body for i in range(3))
    assert by_order["pay-new"].body == fresh
