"""An event arrives: record its id, and queue the messages it owes, all or nothing.

A redelivered event (same id) changes nothing; a second event about the same fact (the same
order failing twice) finds its messages already queued. Rendering happens here, once, so that
what the customer gets does not depend on when the provider is back; it happens before the
write, so that the id and the messages go in with one statement (a redelivery, which is rare,
is rendered and then dropped by that statement).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from domain.models import Channel, Kind, Notification, Preferences, Status
from domain.planning import plan
from domain.ports import Clock, EventLog, PreferenceSource, Renderer, TicketPrinter

logger = logging.getLogger("notification.receive")


class Outcome(StrEnum):
    QUEUED = "queued"
    NOTHING_TO_SEND = "nothing-to-send"
    DUPLICATE = "duplicate"


class ReceiveEvent:
    def __init__(
        self,
        events: EventLog,
        preferences: PreferenceSource,
        renderer: Renderer,
        printer: TicketPrinter,
        clock: Clock,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._events = events
        self._preferences = preferences
        self._renderer = renderer
        self._printer = printer
        self._clock = clock
        self._wake = wake

    async def _prefs(self, user_id: str | None) -> Preferences:
        if user_id is None:
            return Preferences()
        try:
            return await self._preferences.preferences(user_id)
        except Exception as exc:  # the profile is a nicety; a transactional message still goes out
            logger.warning("preferences of %s unavailable (%r): defaults used", user_id, exc)
            return Preferences()

    async def handle(self, event_id: uuid.UUID, topic: str, data: dict[str, Any]) -> tuple[Outcome, int]:
        user_id = data.get("user_id") if isinstance(data.get("user_id"), str) else None
        prefs = await self._prefs(user_id)
        facts, planned = plan(topic, data, prefs)
        now = self._clock()
        messages = []
        for p in planned:
            rendered = self._renderer.render(p.kind, p.channel, prefs.language, p.context)
            attachments = rendered.attachments
            if p.kind is Kind.BOOKING_CONFIRMED and p.context["printable"]:
                attachments = (*attachments, self._printer.print(prefs.language, p.context))
            messages.append(
                Notification(
                    id=uuid.uuid4(),
                    dedupe_key=p.dedupe_key,
                    event_id=event_id,
                    user_id=facts.user_id,
                    order_id=facts.order_id,
                    order_number=facts.order_number,
                    channel=p.channel,
                    kind=p.kind,
                    recipient=p.recipient,
                    language=prefs.language,
                    subject=rendered.subject if p.channel is Channel.EMAIL else None,
                    body_text=rendered.text,
                    body_html=rendered.html if p.channel is Channel.EMAIL else None,
                    attachments=attachments,
                    status=Status.QUEUED,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        queued = await self._events.record(event_id, topic[:100], messages)
        if queued is None:
            return Outcome.DUPLICATE, 0
        if queued and self._wake is not None:
            self._wake()
        return (Outcome.QUEUED if queued else Outcome.NOTHING_TO_SEND), queued
