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
            ("payment.instructions", events.instructions()),
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
        "payment.instructions": [
            (Kind.PAYMENT_INSTRUCTIONS, Channel.EMAIL),
            (Kind.PAYMENT_INSTRUCTIONS, Channel.SMS),
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
        ("payment.instructions", events.instructions(events.BCA_VA)),
        ("payment.instructions", events.instructions(events.MANDIRI_BILL)),
        ("payment.instructions", events.instructions(events.QRIS)),
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


def _rendered(topic: str, data: dict[str, object], prefs: Preferences, channel: Channel) -> str:
    [planned] = [p for p in plan(topic, dict(data), prefs)[1] if p.channel is channel]
    rendered = TemplateRenderer().render(planned.kind, channel, prefs.language, planned.context)
    return f"{rendered.subject or ''}\n{rendered.text}\n{rendered.html or ''}"


def test_the_instructions_say_which_bank_and_account_and_until_when_in_the_customers_zone() -> None:
    wib = _rendered("payment.instructions", events.instructions(), Preferences(), Channel.EMAIL)
    assert "Bayar ke BCA Virtual Account 12345678901 sebesar Rp1.250.000 sebelum 5 Des 2026 14.00 WIB" in wib
    wita = Preferences(time_zone="Asia/Makassar")
    assert "5 Des 2026 15.00 WITA" in _rendered(
        "payment.instructions", events.instructions(), wita, Channel.EMAIL
    )
    sms = _rendered("payment.instructions", events.instructions(), wita, Channel.SMS)
    assert "BCA Virtual Account 12345678901" in sms
    assert "15.00 WITA" in sms
    english = Preferences(language="en", time_zone="Asia/Jayapura")
    text = _rendered("payment.instructions", events.instructions(events.MANDIRI_BILL), english, Channel.EMAIL)
    assert "biller code 70012, bill key 990000000260" in text
    qris = _rendered("payment.instructions", events.instructions(events.QRIS), english, Channel.EMAIL)
    assert "https://qr.example/q.png" in qris
    assert "4 Dec 2026 16:20 WIT" in qris


def test_one_instructions_message_per_payment_and_none_without_a_destination() -> None:
    payment_id = "7d0c2f1e-9a4b-4c3d-8e2f-0a1b2c3d4e5f"
    first = plan("payment.instructions", events.instructions(payment_id=payment_id), Preferences())[1]
    again = plan("payment.instructions", events.instructions(payment_id=payment_id), Preferences())[1]
    assert [p.dedupe_key for p in first] == [p.dedupe_key for p in again]
    assert first[0].dedupe_key == f"payment:{payment_id}:payment-instructions:email"
    for useless in ({}, {"method": "bank_transfer", "bank": "bca"}, {"method": "qris", "qr_url": "ftp://x"}):
        assert plan("payment.instructions", events.instructions(useless), Preferences())[1] == []


def test_an_order_created_event_that_knows_the_account_shows_it_and_all_times_follow_the_zone() -> None:
    data = {**events.created(), "payment_instructions": events.BCA_VA}
    wita = _rendered("transaction.created", data, Preferences(time_zone="Asia/Makassar"), Channel.EMAIL)
    assert "BCA Virtual Account 12345678901" in wita
    assert "4 Des 2026 15.20 WITA" in wita  # the order's deadline, 07.20 UTC
    assert "WIB" not in wita
    without = _rendered("transaction.created", events.created(), Preferences(), Channel.EMAIL)
    assert "Virtual Account" not in without.replace("virtual account", "")
    assert "4 Des 2026 14.20 WIB" in without
    sms = _rendered(
        "transaction.created", events.created(), Preferences(time_zone="Asia/Jayapura"), Channel.SMS
    )
    assert "4 Des 2026 16.20 WIT" in sms
