"""/users over HTTP, in-process with a real database: who may do what (RBAC_DOCUMENTATION.md:
POST /users/ admin; GET/PUT /users/{id} own or admin; DELETE /users/{id} and GET /users/ admin),
with auth-service replaced by an in-memory directory."""

from __future__ import annotations

import uuid

import httpx

from shared.errors import ProblemError
from tests.conftest import People
from tests.fakes import FakeAccountDirectory

# -- GET /users/{id} and /users/me ------------------------------------------------------------


async def test_owner_reads_their_profile_created_at_registration(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register(email="Siti@Example.com")
    response = await client.get(f"/users/{siti.id}", headers=siti.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user_id"] == siti.id
    assert body["email"] == "siti@example.com"
    assert body["nationality"] == "ID"
    assert body["full_name"] is None


async def test_users_me_is_the_callers_own_profile(client: httpx.AsyncClient, people: People) -> None:
    siti = await people.register()
    response = await client.get("/users/me", headers=siti.headers)
    assert response.status_code == 200
    assert response.json()["user_id"] == siti.id


async def test_users_me_without_a_profile_yet_is_404(client: httpx.AsyncClient, people: People) -> None:
    not_yet = people.account_only()
    response = await client.get("/users/me", headers=not_yet.headers)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_another_users_profile_is_404_exactly_like_a_missing_one(
    client: httpx.AsyncClient, people: People
) -> None:
    siti, budi = await people.register(), await people.register()
    theirs = await client.get(f"/users/{budi.id}", headers=siti.headers)
    missing = await client.get(f"/users/{uuid.uuid4()}", headers=siti.headers)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"] == missing.json()["detail"]


async def test_admin_reads_anyones_profile(client: httpx.AsyncClient, people: People) -> None:
    admin, siti = await people.register("admin"), await people.register()
    response = await client.get(f"/users/{siti.id}", headers=admin.headers)
    assert response.status_code == 200
    assert (await client.get(f"/users/{uuid.uuid4()}", headers=admin.headers)).status_code == 404


async def test_anonymous_and_bad_tokens_are_401_with_a_bearer_challenge(
    client: httpx.AsyncClient, people: People
) -> None:
    siti = await people.register()
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        for method, path in (("GET", f"/users/{siti.id}"), ("GET", "/users/me"), ("GET", "/users/")):
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.headers["content-type"] == "application/problem+json"


async def test_a_malformed_id_is_a_422_problem(client: httpx.AsyncClient, people: People) -> None:
    admin = await people.register("admin")
    for method in ("GET", "PUT", "DELETE"):
        response = await client.request(method, "/users/not-a-uuid", headers=admin.headers, json={})
        assert response.status_code == 422, method
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == ["path", "user_id"]


# -- PUT /users/{id} --------------------------------------------------------------------------


async def test_owner_updates_their_profile_partially(client: httpx.AsyncClient, people: People) -> None:
    siti = await people.register()
    first = await client.put(
        f"/users/{siti.id}",
        headers=siti.headers,
        json={"full_name": "Siti Rahayu", "address": "Jl. Sudirman 1"},
    )
    assert first.status_code == 200, first.text
    second = await client.put(f"/users/{siti.id}", headers=siti.headers, json={"phone": "0812-3456-7890"})
    body = second.json()
    assert body["full_name"] == "Siti Rahayu"
    assert body["address"] == "Jl. Sudirman 1"
    assert body["phone"] == "+6281234567890"
    assert body["updated_at"] >= body["created_at"]


async def test_updating_another_users_profile_is_404_and_changes_nothing(
    client: httpx.AsyncClient, people: People
) -> None:
    siti, budi = await people.register(), await people.register()
    response = await client.put(f"/users/{budi.id}", headers=siti.headers, json={"full_name": "Hacked"})
    assert response.status_code == 404
    assert (await client.get(f"/users/{budi.id}", headers=budi.headers)).json()["full_name"] is None


async def test_admin_updates_anyones_profile(client: httpx.AsyncClient, people: People) -> None:
    admin, siti = await people.register("admin"), await people.register()
    response = await client.put(f"/users/{siti.id}", headers=admin.headers, json={"nationality": "sg"})
    assert response.status_code == 200
    assert response.json()["nationality"] == "SG"


async def test_updating_a_missing_profile_is_404(client: httpx.AsyncClient, people: People) -> None:
    admin = await people.register("admin")
    response = await client.put(f"/users/{uuid.uuid4()}", headers=admin.headers, json={"full_name": "X"})
    assert response.status_code == 404


async def test_anonymous_update_is_401(client: httpx.AsyncClient, people: People) -> None:
    siti = await people.register()
    assert (await client.put(f"/users/{siti.id}", json={"full_name": "X"})).status_code == 401


# -- POST /users/ -----------------------------------------------------------------------------


async def test_admin_creates_the_profile_of_an_existing_account(
    client: httpx.AsyncClient, people: People
) -> None:
    admin = await people.register("admin")
    account = people.account_only(email="Budi@Example.com")
    response = await client.post(
        "/users/",
        headers=admin.headers,
        json={"user_id": account.id, "full_name": "Budi Santoso", "phone": "+62 812 3456 7890"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/users/{account.id}"
    body = response.json()
    assert body["email"] == "budi@example.com"
    assert body["phone"] == "+6281234567890"
    assert (await client.get("/users/me", headers=account.headers)).json()["full_name"] == "Budi Santoso"


async def test_creating_a_profile_for_an_unknown_account_is_404(
    client: httpx.AsyncClient, people: People
) -> None:
    admin = await people.register("admin")
    response = await client.post("/users/", headers=admin.headers, json={"user_id": str(uuid.uuid4())})
    assert response.status_code == 404
    assert response.json()["detail"] == "account not found"


async def test_creating_a_second_profile_is_409(client: httpx.AsyncClient, people: People) -> None:
    admin, siti = await people.register("admin"), await people.register()
    response = await client.post("/users/", headers=admin.headers, json={"user_id": siti.id})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_users_cannot_create_profiles(client: httpx.AsyncClient, people: People) -> None:
    siti = people.account_only()
    assert (await client.post("/users/", headers=siti.headers, json={"user_id": siti.id})).status_code == 403
    assert (await client.post("/users/", json={"user_id": siti.id})).status_code == 401


# -- DELETE /users/{id} -----------------------------------------------------------------------


async def test_admin_delete_deactivates_the_account_and_its_token_stops_working(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    admin, siti = await people.register("admin"), await people.register()
    response = await client.delete(f"/users/{siti.id}", headers=admin.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert directory.deactivated == [siti.account.id]
    assert (await client.get(f"/users/{siti.id}", headers=admin.headers)).status_code == 404
    assert (await client.get("/users/me", headers=siti.headers)).status_code == 401


async def test_deleting_an_account_without_a_profile_still_deactivates_it(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    admin, no_profile = await people.register("admin"), people.account_only()
    assert (await client.delete(f"/users/{no_profile.id}", headers=admin.headers)).status_code == 204
    assert not directory.accounts[no_profile.account.id].is_active


async def test_deleting_an_id_with_neither_account_nor_profile_is_404(
    client: httpx.AsyncClient, people: People
) -> None:
    admin = await people.register("admin")
    assert (await client.delete(f"/users/{uuid.uuid4()}", headers=admin.headers)).status_code == 404


async def test_when_auth_service_is_down_delete_is_503_and_nothing_is_deleted(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    admin, siti = await people.register("admin"), await people.register()
    directory.unavailable = ProblemError(503, "upstream-unavailable", "auth-service is unavailable.")
    response = await client.delete(f"/users/{siti.id}", headers=admin.headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    directory.unavailable = None
    assert (await client.get(f"/users/{siti.id}", headers=siti.headers)).status_code == 200


async def test_admins_cannot_delete_their_own_account(client: httpx.AsyncClient, people: People) -> None:
    admin = await people.register("admin")
    assert (await client.delete(f"/users/{admin.id}", headers=admin.headers)).status_code == 409
    assert (await client.get("/users/me", headers=admin.headers)).status_code == 200


async def test_when_auth_service_refuses_to_deactivate_delete_is_409_and_nothing_is_deleted(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    admin, other_admin = await people.register("admin"), await people.register("admin")
    directory.refuse_deactivation.add(other_admin.account.id)  # as auth-service does for the last admin
    response = await client.delete(f"/users/{other_admin.id}", headers=admin.headers)
    assert response.status_code == 409
    assert response.json()["detail"] == "the last active admin cannot be deactivated"
    assert (await client.get("/users/me", headers=other_admin.headers)).status_code == 200


async def test_users_cannot_delete_even_themselves(
    client: httpx.AsyncClient, people: People, directory: FakeAccountDirectory
) -> None:
    siti, budi = await people.register(), await people.register()
    assert (await client.delete(f"/users/{siti.id}", headers=siti.headers)).status_code == 403
    assert (await client.delete(f"/users/{budi.id}", headers=siti.headers)).status_code == 403
    assert (await client.delete(f"/users/{budi.id}")).status_code == 401
    assert directory.deactivated == []


# -- GET /users/ ------------------------------------------------------------------------------


async def test_admin_lists_profiles_newest_first_in_the_page_envelope(
    client: httpx.AsyncClient, people: People
) -> None:
    admin = await people.register("admin")
    marker = uuid.uuid4().hex[:10]
    made = [await people.register(email=f"{marker}.{i}@example.com") for i in range(3)]
    response = await client.get("/users/", headers=admin.headers, params={"q": marker, "limit": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert body["total"] == 3
    assert body["limit"] == 2
    assert body["offset"] == 0
    assert [p["user_id"] for p in body["items"]] == [made[2].id, made[1].id]
    rest = (await client.get("/users/", headers=admin.headers, params={"q": marker, "offset": 2})).json()
    assert [p["user_id"] for p in rest["items"]] == [made[0].id]


async def test_admin_searches_by_name_case_insensitively(client: httpx.AsyncClient, people: People) -> None:
    admin, siti = await people.register("admin"), await people.register()
    marker = uuid.uuid4().hex[:10]
    await client.put(f"/users/{siti.id}", headers=siti.headers, json={"full_name": f"Siti {marker} Rahayu"})
    found = (await client.get("/users/", headers=admin.headers, params={"q": marker.upper()})).json()
    assert [p["user_id"] for p in found["items"]] == [siti.id]


async def test_list_paging_limits_are_enforced(client: httpx.AsyncClient, people: People) -> None:
    admin = await people.register("admin")
    # A NUL would reach PostgreSQL's text, which holds none: refused as a validation error.
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"q": "x" * 101}, {"q": "siti\x00"}):
        response = await client.get("/users/", headers=admin.headers, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


async def test_users_cannot_list_profiles(client: httpx.AsyncClient, people: People) -> None:
    siti = await people.register()
    assert (await client.get("/users/", headers=siti.headers)).status_code == 403
