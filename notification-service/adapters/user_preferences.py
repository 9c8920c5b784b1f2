"""The customer's message preferences from user-service (`GET /internal/users/{id}/preferences`,
service to service with X-Internal-Token): language, whether they want SMS, and the zone times
are written in. An account with no profile reads as the defaults (Indonesian, SMS on, WIB); a
zone this service does not know (a newer user-service) reads as WIB.

An order's events (placed, where to pay, issued) come seconds apart and each asks for the same
profile, so a profile read is kept `ttl_seconds` (NOTIFY_PREFERENCES_CACHE_SECONDS): a change
of language, zone or SMS choice reaches messages at most that late. A missing profile is not
kept (it may be on its way from auth-service's account event), nor is a failure."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from domain.models import DEFAULT_LANGUAGE, DEFAULT_TIME_ZONE, LANGUAGES, TIME_ZONES, Preferences
from shared.internal import internal_headers

MAX_KEPT = 10_000  # profiles kept at most; the oldest read goes first


class UserServicePreferences:
    def __init__(
        self,
        client: httpx.AsyncClient,
        internal_token: str,
        ttl_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._token = internal_token
        self._ttl = ttl_seconds
        self._clock = clock
        self._kept: dict[str, tuple[float, Preferences]] = {}

    async def preferences(self, user_id: str) -> Preferences:
        if self._ttl <= 0:
            found, _ = await self._read(user_id)
            return found
        now = self._clock()
        kept = self._kept.get(user_id)
        if kept is not None and now - kept[0] < self._ttl:
            return kept[1]
        found, exists = await self._read(user_id)
        self._kept.pop(user_id, None)
        if exists:
            if len(self._kept) >= MAX_KEPT:
                del self._kept[next(iter(self._kept))]
            self._kept[user_id] = (now, found)
        return found

    async def _read(self, user_id: str) -> tuple[Preferences, bool]:
        """The profile's preferences, and whether there is a profile."""
        response = await self._client.get(
            f"/internal/users/{user_id}/preferences", headers=internal_headers(self._token)
        )
        if response.status_code == 404:
            return Preferences(), False
        response.raise_for_status()
        body = response.json()
        language = body.get("language")
        zone = body.get("time_zone")
        return Preferences(
            language=language if language in LANGUAGES else DEFAULT_LANGUAGE,
            sms_enabled=body.get("sms_notifications") is not False,
            time_zone=zone if zone in TIME_ZONES else DEFAULT_TIME_ZONE,
        ), True
