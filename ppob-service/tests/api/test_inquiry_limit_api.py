"""Anonymous inquiries are limited per client address: past the limit → 429 too-many-inquiries
with Retry-After, and the aggregator is not asked. The address is the X-Forwarded-For the
gateway (a trusted proxy) sends."""

from __future__ import annotations

import dataclasses

from app import create_app
from config import InquirySettings
from testkit.asgi import running_app
from tests.conftest import make_settings
from tests.fakes import Clock, FakeAggregator, FakeAlerts

BILL = {"product_code": "pln", "customer_no": "530000000016"}


async def test_past_the_limit_a_client_gets_429_and_the_aggregator_is_not_asked(
    migrated_database_url: str, aggregator: FakeAggregator, alerts: FakeAlerts, clock: Clock
) -> None:
    settings = dataclasses.replace(
        make_settings(migrated_database_url),
        inquiries=InquirySettings(INQUIRIES_PER_CLIENT=3),  # type: ignore[call-arg]
    )
    app = create_app(settings, aggregator=aggregator, alerts=alerts, clock=clock, workers=False)
    phone = {"X-Forwarded-For": "203.0.113.7"}
    async with running_app(app) as client:
        allowed = [await client.post("/ppob/inquiries", json=BILL, headers=phone) for _ in range(3)]
        asked = len(aggregator.inquiries)
        refused = await client.post("/ppob/inquiries", json=BILL, headers=phone)
        elsewhere = await client.post(
            "/ppob/inquiries", json=BILL, headers={"X-Forwarded-For": "198.51.100.9"}
        )
    assert [r.status_code for r in allowed] == [201, 201, 201], allowed[0].text
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too-many-inquiries")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert elsewhere.status_code == 201
    assert len(aggregator.inquiries) == asked + 1  # only the other client's inquiry reached it
