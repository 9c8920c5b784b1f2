"""/users: profiles. People read and update their own; admins manage everyone's."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response, status

from routes.deps import AdminCaller, Caller, Profiles
from routes.schemas import ProfileCreate, ProfileOut, ProfileUpdate
from shared.errors import problem_responses
from shared.pagination import Page, Pagination, text_filter

router = APIRouter(prefix="/users", tags=["users"])


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    summary="Create the profile of an existing account (admin)",
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503, 504),
)
async def create_profile(
    body: ProfileCreate, admin: AdminCaller, profiles: Profiles, response: Response
) -> ProfileOut:
    profile = await profiles.create_for_account(admin, body.user_id, body.changes())
    response.headers["Location"] = f"/users/{profile.user_id}"
    return ProfileOut.of(profile, admin)


@router.get(
    "/",
    summary="List profiles, newest first (admin)",
    responses=problem_responses(401, 403, 422),
)
async def list_profiles(
    admin: AdminCaller,
    profiles: Profiles,
    page: Pagination,
    q: Annotated[
        str | None,
        text_filter(100, "Part of a full name or email, any case; or a whole KTP or passport number."),
    ] = None,
) -> Page[ProfileOut]:
    found = await profiles.list_profiles(admin, q, limit=page.limit, offset=page.offset)
    return Page[ProfileOut](
        items=[ProfileOut.of(p, admin) for p in found.items],
        total=found.total,
        limit=page.limit,
        offset=page.offset,
    )


# Declared before /users/{user_id}, which would otherwise try to read "me" as an id.
@router.get("/me", summary="The caller's own profile", responses=problem_responses(401, 404))
async def my_profile(caller: Caller, profiles: Profiles) -> ProfileOut:
    return ProfileOut.of(await profiles.get(caller, caller.account_id), caller)


@router.get(
    "/{user_id}",
    summary="A profile (the owner's own, or any for admins)",
    responses=problem_responses(401, 404, 422),
)
async def get_profile(user_id: UUID, caller: Caller, profiles: Profiles) -> ProfileOut:
    return ProfileOut.of(await profiles.get(caller, user_id), caller)


@router.put(
    "/{user_id}",
    summary="Update a profile partially (the owner's own, or any for admins)",
    responses=problem_responses(401, 404, 422),
)
async def update_profile(
    user_id: UUID, body: ProfileUpdate, caller: Caller, profiles: Profiles
) -> ProfileOut:
    return ProfileOut.of(await profiles.update(caller, user_id, body.changes()), caller)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Deactivate the account and delete its profile (admin)",
    description=(
        "Deactivates the account at auth-service first, so its tokens stop working, then deletes "
        "the profile. If auth-service cannot be reached nothing is deleted (503/504). An account "
        "without a profile is still deactivated (204); 404 only when neither exists."
    ),
    responses=problem_responses(401, 403, 404, 409, 422, 502, 503, 504),
)
async def delete_profile(user_id: UUID, admin: AdminCaller, profiles: Profiles) -> Response:
    await profiles.delete(admin, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
