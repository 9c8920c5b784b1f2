"""Round trips to PostgreSQL per step of a payment: each one costs this service's CPU and the
database's, and every booking makes a charge and hears its notifications (Midtrans's pending,
then its settlement, which usually finds the payment applied already). Counted at the driver
(asyncpg: BEGIN, COMMIT and ROLLBACK, and statements; not the once-per-connection prepares), on
open connections; the budgets are today's counts, so a change that adds round trips to the money
path has to say so here. Only what the requests send is counted: the service's own background
passes (the start-up purges and retention) can fall inside a step on a busy machine."""

from __future__ import annotations

import httpx
import pytest
import respx
from fastapi import FastAPI

from testkit.asgi import running_app
from testkit.round_trips import RoundTrips, count_round_trips
from tests.api.support import charge_body, mock_snap, mock_status, new_order_id, notify
from tests.conftest import INTERNAL
from tests.midtrans_payloads import notification, status_body


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> RoundTrips:
    return count_round_trips(monkeypatch)


async def _one_payment(
    client: httpx.AsyncClient, midtrans: respx.MockRouter, trips: RoundTrips
) -> dict[str, list[str]]:
    order_id = new_order_id()
    steps: dict[str, list[str]] = {}
    mock_snap(midtrans)
    trips.take()
    created = await client.post(
        "/internal/charges",
        json=charge_body(order_id),
        headers={**INTERNAL, "Idempotency-Key": f"k-{order_id}"},
    )
    assert created.status_code == 201, created.text
    steps["charge"] = trips.take(requests_only=True)
    read = await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)
    assert read.status_code == 200, read.text
    steps["read"] = trips.take(requests_only=True)
    mock_status(midtrans, order_id, status_body(order_id, "settlement", payment_type="gopay"))
    notified = await notify(client, notification(order_id, "settlement", payment_type="gopay"))
    assert notified.status_code == 200, notified.text
    steps["notification"] = trips.take(requests_only=True)
    again = await notify(client, notification(order_id, "settlement", payment_type="gopay"))
    assert again.status_code == 200, again.text
    steps["duplicate notification"] = trips.take(requests_only=True)
    forged = await notify(client, {**notification(order_id, "settlement"), "signature_key": "0" * 128})
    assert forged.status_code == 401, forged.text
    steps["refused notification"] = trips.take(requests_only=True)
    return steps


async def test_a_payment_s_round_trips_stay_within_budget(
    app: FastAPI, midtrans: respx.MockRouter, round_trips: RoundTrips
) -> None:
    async with running_app(app) as client:
        await _one_payment(client, midtrans, round_trips)  # opens the pools' connections
        steps = await _one_payment(client, midtrans, round_trips)

    # The key's claim; the charge's row, inserted first and committed on its own (a new order
    # needs no look-up before it); BEGIN, the row locked, (Snap), the token saved, COMMIT; the
    # key's answer.
    assert len(steps["charge"]) <= 7, steps["charge"]
    # One SELECT, no BEGIN/ROLLBACK around it.
    assert len(steps["read"]) == 1, steps["read"]
    # The unlocked read for the checks; (Midtrans's status); BEGIN, the row locked, the charge
    # saved, its event, the notification recorded, COMMIT.
    assert sum("outbox" in s for s in steps["notification"]) == 1, steps["notification"]
    assert len(steps["notification"]) <= 7, steps["notification"]
    # Midtrans saying it again (a retry, or the settlement after a pending that already found it
    # settled): the unlocked read; (Midtrans's status); the notification recorded on its own, since
    # the charge as read has it already (no lock, BEGIN or COMMIT).
    assert steps["duplicate notification"][-1].lstrip().startswith("INSERT INTO notifications"), steps
    assert len(steps["duplicate notification"]) == 2, steps["duplicate notification"]
    # A refused one (here forged) is recorded on its own: one INSERT, no BEGIN/COMMIT around it.
    assert len(steps["refused notification"]) == 1, steps["refused notification"]
