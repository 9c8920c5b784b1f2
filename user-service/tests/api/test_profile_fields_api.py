"""What the profile fields accept over HTTP: normalisation, 422s naming the field, fields that
cannot be set, and the id number hidden from everyone but admins."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.conftest import People


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("+6561234567", "+6561234567"),
    ],
)
async def test_phone_numbers_are_stored_in_e164(
    client: httpx.AsyncClient, people: People, typed: str, stored: str
) -> None:
    siti = await people.register()
    response = await client.put(f"/users/{siti.id}", headers=siti.headers, json={"phone": typed})
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == stored


async def test_an_invalid_phone_number_is_a_422_naming_the_field(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    response = await client.put(f"/users/{siti.id}", headers=siti.headers, json={"phone": "0899"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "phone"]
    assert "phone is not a valid phone number" in error["msg"]
    assert "0899" not in response.text  # the rejected input is never echoed


@pytest.mark.parametrize(
    "forbidden",
    [
        {"role": "admin"},
        {"user_id": "0b6f8a52-4c1e-4d4b-9f0e-6c1f2a3b4c5d"},
        {"email": "me@evil.test"},
        {"x": 1},
    ],
)
async def test_fields_that_cannot_be_set_are_refused(
    client: httpx.AsyncClient, people: People, forbidden: dict[str, object]
) -> None:
    siti = await people.register()
    response = await client.put(
        f"/users/{siti.id}", headers=siti.headers, json={"full_name": "Siti", **forbidden}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "extra_forbidden"
    assert (await client.get("/users/me", headers=siti.headers)).json()["full_name"] is None


async def test_admin_create_refuses_an_email_too(client: httpx.AsyncClient, people: People) -> None:
    admin, account = await people.register("admin"), people.account_only()
    response = await client.post(
        "/users/", headers=admin.headers, json={"user_id": account.id, "email": "other@example.com"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date_of_birth": (datetime.now(UTC).date() + timedelta(days=2)).isoformat()}, "date_of_birth"),
        ({"date_of_birth": "1890-01-01"}, "date_of_birth"),
        ({"date_of_birth": "17-05-1990"}, "date_of_birth"),
        ({"date_of_birth": 0}, "date_of_birth"),
        ({"nationality": "XX"}, "nationality"),
        ({"nationality": None}, "nationality"),
        ({"id_number": "12345"}, "id_number"),
        ({"address": "a" * 501}, "address"),
        ({"full_name": "   "}, "full_name"),
        ({"full_name": 42}, "full_name"),
        ({"full_name": "Siti\u0000Rahayu"}, "full_name"),
        ({"address": "Jl. Sudirman\u0000 1"}, "address"),
    ],
)
async def test_values_that_break_a_rule_are_422_naming_the_field(
    client: httpx.AsyncClient, people: People, body: dict[str, object], field: str
) -> None:
    siti = await people.register()
    response = await client.put(f"/users/{siti.id}", headers=siti.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", field]


async def test_every_field_can_be_set_and_null_clears_the_optional_ones(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    full = {
        "full_name": "  Siti   Rahayu ",
        "phone": "081234567890",
        "date_of_birth": "1990-05-17",
        "nationality": "id",
        "id_number": "A1234567",
        "address": "Jl. Sudirman 1, Jakarta",
    }
    response = await client.put(f"/users/{siti.id}", headers=siti.headers, json=full)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["full_name"] == "Siti Rahayu"
    assert body["date_of_birth"] == "1990-05-17"
    assert body["nationality"] == "ID"
    cleared = await client.put(
        f"/users/{siti.id}",
        headers=siti.headers,
        json={"phone": None, "date_of_birth": None, "id_number": None, "address": None, "full_name": None},
    )
    assert cleared.status_code == 200
    assert {
        k: cleared.json()[k] for k in ("phone", "date_of_birth", "id_number", "address", "full_name")
    } == {
        "phone": None,
        "date_of_birth": None,
        "id_number": None,
        "address": None,
        "full_name": None,
    }
    assert cleared.json()["nationality"] == "ID"


async def test_the_id_number_is_masked_for_its_owner_and_shown_to_admins(
    client: httpx.AsyncClient, people: People
) -> None:
    admin, siti = await people.register("admin"), await people.register()
    put = await client.put(f"/users/{siti.id}", headers=siti.headers, json={"id_number": "3201234567893456"})
    assert put.json()["id_number"] == "************3456"
    assert (await client.get("/users/me", headers=siti.headers)).json()["id_number"] == "************3456"
    assert (await client.get(f"/users/{siti.id}", headers=siti.headers)).json()[
        "id_number"
    ] == "************3456"
    assert (await client.get(f"/users/{siti.id}", headers=admin.headers)).json()[
        "id_number"
    ] == "3201234567893456"
    listed = (await client.get("/users/", headers=admin.headers, params={"q": siti.account.email})).json()
    assert listed["items"][0]["id_number"] == "3201234567893456"


async def test_admins_find_a_profile_by_its_whole_identity_number(
    client: httpx.AsyncClient, people: People
) -> None:
    admin, budi = await people.register("admin"), await people.register()
    number = f"35{uuid.uuid4().int % 10**14:014d}"
    await client.put(f"/users/{budi.id}", headers=budi.headers, json={"id_number": number})

    found = (await client.get("/users/", headers=admin.headers, params={"q": number})).json()
    partial = (await client.get("/users/", headers=admin.headers, params={"q": number[:10]})).json()

    assert [item["user_id"] for item in found["items"]] == [budi.id]
    assert partial["total"] == 0  # stored encrypted: only the whole number can be looked up


async def test_timestamps_are_utc_iso_8601(client: httpx.AsyncClient, people: People) -> None:
    siti = await people.register()
    body = (await client.get("/users/me", headers=siti.headers)).json()
    created = datetime.fromisoformat(body["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)
    assert date.fromisoformat(body["created_at"][:10])
