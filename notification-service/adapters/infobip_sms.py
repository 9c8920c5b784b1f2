"""SMS through Infobip's SMS API (docs/providers.md, Infobip): `POST /sms/2/text/advanced` with
`Authorization: App <api key>`, one message per request carrying our notification id as its
`messageId` (so Infobip's logs and delivery reports name it), the number in international form
without the plus. The send answer is an acceptance: status group PENDING (1) or DELIVERED (3)
is taken; REJECTED (5) and UNDELIVERABLE (2) will not change on a retry. HTTP 401/403 and 5xx,
429 and transport errors are ours or theirs to fix, and are tried again later; a 400 is a
message Infobip will never take."""

from __future__ import annotations

from typing import Any

import httpx

from domain.errors import DeliveryError
from domain.models import Notification

SEND_PATH = "/sms/2/text/advanced"
_ACCEPTED_GROUPS = {1, 3}  # PENDING, DELIVERED


class InfobipSmsSender:
    def __init__(self, client: httpx.AsyncClient, api_key: str, sender_id: str) -> None:
        self._client = client
        self._api_key = api_key
        self._sender_id = sender_id

    def payload(self, n: Notification) -> dict[str, Any]:
        return {
            "messages": [
                {
                    "destinations": [{"to": n.recipient.removeprefix("+"), "messageId": str(n.id)}],
                    "from": self._sender_id,
                    "text": n.body_text,
                }
            ]
        }

    async def send(self, n: Notification) -> str:
        try:
            response = await self._client.post(
                SEND_PATH,
                json=self.payload(n),
                headers={"Authorization": f"App {self._api_key}", "Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Infobip unreachable: {exc!r}") from exc
        if response.status_code == 400:
            raise DeliveryError(f"Infobip 400: {response.text[:500]}", permanent=True)
        if not response.is_success:
            raise DeliveryError(f"Infobip {response.status_code}: {response.text[:500]}")
        try:
            message = response.json()["messages"][0]
            status = message["status"]
            group = int(status["groupId"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise DeliveryError(f"Infobip answered garbage: {response.text[:300]}") from exc
        if group not in _ACCEPTED_GROUPS:
            raise DeliveryError(
                f"Infobip {status.get('groupName')} {status.get('name')}: {status.get('description')}",
                permanent=True,
            )
        return str(message.get("messageId") or n.id)
