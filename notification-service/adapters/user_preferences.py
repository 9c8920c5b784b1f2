"""The customer's message preferences from user-service (`GET /internal/users/{id}/preferences`,
service to service with X-Internal-Token): language, whether they want SMS, and the zone times
are written in. An account with no profile reads as the defaults (Indonesian, SMS on, WIB); a
zone this service does not know (a newer user-service) reads as WIB."""

from __future__ import annotations

import httpx

from domain.models import DEFAULT_LANGUAGE, DEFAULT_TIME_ZONE, LANGUAGES, TIME_ZONES, Preferences
from shared.internal import internal_headers


class UserServicePreferences:
    def __init__(self, client: httpx.AsyncClient, internal_token: str) -> None:
        self._client = client
        self._token = internal_token

    async def preferences(self, user_id: str) -> Preferences:
        response = await self._client.get(
            f"/internal/users/{user_id}/preferences", headers=internal_headers(self._token)
        )
        if response.status_code == 404:
            return Preferences()
        response.raise_for_status()
        body = response.json()
        language = body.get("language")
        zone = body.get("time_zone")
        return Preferences(
            language=language if language in LANGUAGES else DEFAULT_LANGUAGE,
            sms_enabled=body.get("sms_notifications") is not False,
            time_zone=zone if zone in TIME_ZONES else DEFAULT_TIME_ZONE,
        )
