"""Who may read which messages: a customer their own, an admin anyone's (with filters)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from domain.errors import NotificationNotFound
from domain.models import Notification
from domain.ports import Filters, NotificationReader


class NotificationReads:
    def __init__(self, reader: NotificationReader) -> None:
        self._reader = reader

    async def list_for(
        self, account_id: str, is_admin: bool, filters: Filters, limit: int, offset: int
    ) -> tuple[list[Notification], int]:
        # A customer's own messages only, whatever user_id they ask for.
        scoped = filters if is_admin else replace(filters, user_id=account_id)
        return await self._reader.list(scoped, limit, offset)

    async def get_for(self, account_id: str, is_admin: bool, notification_id: uuid.UUID) -> Notification:
        found = await self._reader.get(notification_id)
        # Someone else's message reads as missing, so ids cannot be probed.
        if found is None or (not is_admin and found.user_id != account_id):
            raise NotificationNotFound()
        return found
