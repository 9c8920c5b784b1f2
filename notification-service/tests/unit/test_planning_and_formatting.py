"""Which messages an event owes, in the customer's words: rupiah, local times with their zone,
two SMS segments at most, both languages rendered from the real templates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.templates_renderer import TemplateRenderer
from domain.formatting import local_time, rupiah
from domain.models import Channel, Kind, Preferences
from domain.planning import plan
from domain.sms import fit, segments
from tests import events

MOMENT = datetime(2026, 12, 4, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("Asia/Jakarta", "id", "4 Des 2026 21.30 WIB"),
        ("Asia/Makassar", "id", "4 Des 2026 22.30 WITA"),
        ("Asia/Jayapura", "en", "4 Dec 2026 23:30 WIT"),
        ("Asia/Singapore", "en", "4 Dec 2026 22:30 UTC+08:00"),
        ("Not/AZone", "id", "4 Des 2026 21.30 WIB"),
    ],
)
def test_times_are_in_the_customers_zone_with_its_name(zone: str, language: str, expected: str) -> None:
    assert local_time(MOMENT, zone, language) == expected


def test_amounts_read_like_rupiah() -> None:
    assert rupiah("1250000.00") == "Rp1.250.000"


def test_each_event_owes_its_messages() -> None:
    prefs = Preferences()
    owed = {
        topic: [(p.kind, p.channel) for p in plan(topic, data, prefs)[1]]
        for topic, data in [
            ("transaction.created", events.created()),
            ("order.completed", events.completed()),
            ("transaction.failed", events.failed()),
            ("refund.processed", events.refunded()),
            ("payment.confirmed", {"order_id": events.ORDER_ID}),
            ("something.else", events.created()),
        ]
    }
    assert owed == {
        "transaction.created": [
            (Kind.ORDER_CREATED, Channel.EMAIL),
            (Kind.PAYMENT_DEADLINE_SMS, Channel.SMS),
        ],
        "order.completed": [(Kind.BOOKING_CONFIRMED, Channel.EMAIL)],
        "transaction.failed": [(Kind.ORDER_FAILED, Channel.EMAIL)],
        "refund.processed": [(Kind.REFUNDED, Channel.EMAIL), (Kind.REFUND_SMS, Channel.SMS)],
        "payment.confirmed": [],
        "something.else": [],
    }


def test_sms_off_or_no_phone_means_email_only_and_no_email_means_none() -> None:
    no_sms = plan("refund.processed", events.refunded(), Preferences(sms_enabled=False))[1]
    assert [p.channel for p in no_sms] == [Channel.EMAIL]
    data = events.created(customer={"email": None, "phone": "+6281234567890"})
    assert [p.channel for p in plan("transaction.created", data, Preferences())[1]] == [Channel.SMS]


def test_the_same_fact_has_the_same_key_whatever_event_tells_it() -> None:
    first = plan("transaction.failed", events.failed("payment expire"), Preferences())[1]
    second = plan("transaction.failed", events.failed("hold expired"), Preferences())[1]
    assert [p.dedupe_key for p in first] == [p.dedupe_key for p in second]
    assert first[0].dedupe_key == f"order:{events.ORDER_ID}:order-failed:email"


def test_an_event_without_an_order_snapshot_still_renders() -> None:
    bare = {"order_id": events.ORDER_ID, "user_id": events.USER_ID, "status": "FAILED", "reason": "x"}
    assert plan("transaction.failed", bare, Preferences())[1] == []  # nobody to write to


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(
    ("topic", "data"),
    [
        ("transaction.created", events.created()),
        ("order.completed", events.completed()),
        ("order.completed", events.completed(service_type="ppob", documents=[events.PLN_TOKEN])),
        ("transaction.failed", events.failed()),
        ("refund.processed", events.refunded()),
    ],
)
def test_every_template_renders_in_both_languages_and_sms_fit_two_segments(
    language: str, topic: str, data: dict[str, object]
) -> None:
    renderer = TemplateRenderer()
    _facts, planned = plan(topic, dict(data), Preferences(language=language))
    assert planned
    for p in planned:
        rendered = renderer.render(p.kind, p.channel, language, p.context)
        assert "TQ-20261204-7F3C9A" in rendered.text
        if p.channel is Channel.SMS:
            assert segments(rendered.text) <= 2
            assert rendered.html is None
        else:
            assert rendered.subject
            assert rendered.html is not None
            assert "TQ-20261204-7F3C9A" in rendered.html


def test_names_in_html_are_escaped() -> None:
    data = events.created(customer={"first_name": "<script>", "email": "x@example.co.id"})
    [email] = [p for p in plan("transaction.created", data, Preferences())[1] if p.channel is Channel.EMAIL]
    html = TemplateRenderer().render(email.kind, email.channel, "id", email.context).html or ""
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_sms_are_cut_to_two_segments() -> None:
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("é" * 70) == 1  # é is in the GSM alphabet
    assert segments("ā" * 71) == 2  # ā is not: UCS-2
    long = fit("TiketQ " + "x" * 400)
    assert segments(long) == 2
    assert long.endswith("...")
