"""GET /internal/users/{id}/preferences: how to write to a person (language, SMS on or off, the
zone times are written in), for notification-service (service to service with X-Internal-Token;
not in the public API). No profile: 404 `profile-not-found`, and the caller uses its defaults."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from routes.deps import Profiles
from routes.schemas import MessagePreferencesOut
from shared.internal import InternalCaller

router = APIRouter(include_in_schema=False)


@router.get("/internal/users/{user_id}/preferences", include_in_schema=False)
async def message_preferences(user_id: UUID, _: InternalCaller, profiles: Profiles) -> MessagePreferencesOut:
    profile = await profiles.message_preferences(user_id)
    return MessagePreferencesOut(
        user_id=profile.user_id,
        language=profile.language,
        sms_notifications=profile.sms_notifications,
        time_zone=profile.time_zone,
    )
