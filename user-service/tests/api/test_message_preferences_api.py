"""How TiketQ writes to a person: the profile's language and SMS choice, set with PUT /users/{id}
and read by notification-service at GET /internal/users/{id}/preferences."""

from __future__ import annotations

import uuid

import httpx

from shared.internal import internal_headers
from tests.conftest import INTERNAL_TOKEN, People

INTERNAL = internal_headers(INTERNAL_TOKEN)


def preferences_of(user_id: str) -> str:
    return f"/internal/users/{user_id}/preferences"


async def test_a_new_profile_is_indonesian_with_sms_on(client: httpx.AsyncClient, people: People) -> None:
    siti = await people.register()
    body = (await client.get(f"/users/{siti.id}", headers=siti.headers)).json()
    assert (body["language"], body["sms_notifications"]) == ("id", True)
    internal = await client.get(
        f"/internal/users/{siti.id}/preferences", headers=internal_headers(INTERNAL_TOKEN)
    )
    assert internal.json() == {
        "user_id": siti.id,
        "language": "id",
        "sms_notifications": True,
        "time_zone": "Asia/Jakarta",
    }


async def test_the_owner_chooses_english_and_no_sms_and_notifications_read_it(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    changed = await client.put(
        f"/users/{siti.id}", json={"language": "en", "sms_notifications": False}, headers=siti.headers
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["language"], changed.json()["sms_notifications"]) == ("en", False)
    internal = await client.get(
        f"/internal/users/{siti.id}/preferences", headers=internal_headers(INTERNAL_TOKEN)
    )
    assert internal.json()["language"] == "en"
    assert internal.json()["sms_notifications"] is False


async def test_an_unknown_language_or_a_null_is_422_and_changes_nothing(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    for body in ({"language": "jv"}, {"language": None}, {"sms_notifications": None}):
        response = await client.put(f"/users/{siti.id}", json=body, headers=siti.headers)
        assert response.status_code == 422, body
    after = (await client.get(f"/users/{siti.id}", headers=siti.headers)).json()
    assert (after["language"], after["sms_notifications"]) == ("id", True)


async def test_the_internal_route_needs_the_internal_token_and_a_profile(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    assert (
        await client.get(f"/internal/users/{siti.id}/preferences", headers=siti.headers)
    ).status_code == 404
    missing = await client.get(
        f"/internal/users/{uuid.uuid4()}/preferences", headers=internal_headers(INTERNAL_TOKEN)
    )
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/profile-not-found")


async def test_the_owner_chooses_wita_and_notifications_read_it(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    changed = await client.put(f"/users/{siti.id}", json={"time_zone": "Asia/Makassar"}, headers=siti.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["time_zone"] == "Asia/Makassar"
    assert changed.json()["language"] == "id"  # the rest is unchanged
    internal = await client.get(preferences_of(siti.id), headers=INTERNAL)
    assert internal.json()["time_zone"] == "Asia/Makassar"
    eastern = await client.put(f"/users/{siti.id}", json={"time_zone": "Asia/Jayapura"}, headers=siti.headers)
    assert eastern.json()["time_zone"] == "Asia/Jayapura"


async def test_a_zone_outside_indonesia_or_a_null_is_a_clear_422_and_changes_nothing(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    for zone in ("Asia/Singapore", "WITA", "asia/makassar", "Asia/Pontianak", "", None, 7):
        response = await client.put(f"/users/{siti.id}", json={"time_zone": zone}, headers=siti.headers)
        assert response.status_code == 422, zone
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Asia/Makassar" in response.text, response.text  # the answer says what is allowed
    after = (await client.get(f"/users/{siti.id}", headers=siti.headers)).json()
    assert after["time_zone"] == "Asia/Jakarta"
