"""An Infobip-shaped SMS gateway (docs/providers.md, Infobip): `POST /infobip/sms/2/text/advanced`
with `Authorization: App <key>`. Each destination is answered with status group PENDING
(`PENDING_ACCEPTED`), as Infobip's send answer is an acceptance, not a delivery. A bad key is 401,
a body without messages, destinations or text is 400, each with Infobip's `requestError`
envelope; the `sms_down` knob answers 503."""

from __future__ import annotations

import hmac
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from notify_state import NotifyState, SentSms

router = APIRouter(prefix="/infobip", include_in_schema=False)
logger = logging.getLogger("sandbox.sms")

PENDING_ACCEPTED = {
    "groupId": 1,
    "groupName": "PENDING",
    "id": 26,
    "name": "PENDING_ACCEPTED",
    "description": "Message sent to next instance",
}


def _request_error(status: int, message_id: str, text: str) -> JSONResponse:
    return JSONResponse(
        {"requestError": {"serviceException": {"messageId": message_id, "text": text}}}, status_code=status
    )


@router.post("/sms/2/text/advanced")
async def send_sms(request: Request) -> JSONResponse:
    state: NotifyState = request.app.state.notify
    given = request.headers.get("authorization", "")
    expected = f"App {state.settings.infobip_api_key}"
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _request_error(401, "UNAUTHORIZED", "Invalid login details")
    if state.sms_down:
        return _request_error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable")
    try:
        body: Any = await request.json()
        messages = body["messages"]
    except (ValueError, KeyError, TypeError):
        return _request_error(400, "BAD_REQUEST", "Bad request")
    if not isinstance(messages, list) or not messages:
        return _request_error(400, "BAD_REQUEST", "Bad request")
    bulk_id = str(uuid.uuid4())
    answers = []
    for message in messages:
        text = message.get("text") if isinstance(message, dict) else None
        destinations = message.get("destinations") if isinstance(message, dict) else None
        if not isinstance(text, str) or not text or not isinstance(destinations, list) or not destinations:
            return _request_error(400, "BAD_REQUEST", "Bad request")
        for destination in destinations:
            to = str(destination.get("to", "")) if isinstance(destination, dict) else ""
            if not to.isdigit() or not 8 <= len(to) <= 15:
                return _request_error(400, "BAD_REQUEST", f"Invalid destination address: {to!r}")
            message_id = str(destination.get("messageId") or uuid.uuid4())
            state.sms.append(
                SentSms(message_id, bulk_id, datetime.now(UTC), str(message.get("from", "")), to, text)
            )
            logger.info("SMS to %s: %s", to, text)
            answers.append({"messageId": message_id, "status": PENDING_ACCEPTED, "to": to})
    return JSONResponse({"bulkId": bulk_id, "messages": answers})
