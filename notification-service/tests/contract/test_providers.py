"""The outbound adapters against their counterparts: SMTP against a real aiosmtpd server (the
sink's library) that accepts, answers 421 or refuses the mailbox; Infobip and user-service with
respx in their documented shapes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import respx
from aiosmtpd.smtp import SMTP, Envelope, Session

from adapters.infobip_sms import InfobipSmsSender
from adapters.smtp_sender import SmtpSender
from adapters.user_preferences import UserServicePreferences
from domain.errors import DeliveryError
from domain.models import Attachment, Channel, Kind, Notification, Preferences, Status

NOW = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)


def a_message(channel: Channel = Channel.EMAIL, recipient: str = "siti@example.co.id") -> Notification:
    return Notification(
        id=uuid.uuid4(),
        dedupe_key="order:1:booking-confirmed:email",
        event_id=uuid.uuid4(),
        user_id="u1",
        order_id="o1",
        order_number="TQ-20261204-7F3C9A",
        channel=channel,
        kind=Kind.BOOKING_CONFIRMED,
        recipient=recipient,
        language="id",
        subject="Pesanan TQ-20261204-7F3C9A berhasil - kode booking HJK1EY",
        body_text="Kode booking: HJK1EY",
        body_html="<p>Kode booking: <strong>HJK1EY</strong></p>",
        attachments=(Attachment("tiketq.pdf", "application/pdf", b"%PDF-1.3 HJK1EY"),),
        status=Status.QUEUED,
        attempts=0,
        next_attempt_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


class Mailbox:
    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.answer: str | None = None  # set: every message gets this reply instead
        self.connections = 0
        self.sessions: list[SMTP] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answer:
            return self.answer
        raw = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 2.0.0 queued as 42"


@pytest.fixture
async def smtp_server() -> AsyncIterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()

    def protocol() -> Any:
        mailbox.connections += 1
        session = SMTP(mailbox, hostname="mx.test")
        mailbox.sessions.append(session)
        return session

    server = await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", 0)
    yield mailbox, server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def sender(port: int) -> SmtpSender:
    return SmtpSender(
        host="127.0.0.1", port=port, sender="no-reply@tiketq.id", sender_name="TiketQ", timeout=5
    )


async def test_an_email_goes_as_text_html_and_the_pdf_under_a_stable_message_id(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    message = a_message()
    answer = await sender(port).send(message)
    [received] = mailbox.received
    assert received["Subject"] == message.subject
    assert received["From"] == "TiketQ <no-reply@tiketq.id>"
    assert message.id.hex in received["Message-ID"]
    assert answer.startswith(received["Message-ID"])
    body = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert body is not None
    assert html is not None
    assert body.get_content().strip() == "Kode booking: HJK1EY"
    assert "<strong>HJK1EY</strong>" in html.get_content()
    [pdf] = list(received.iter_attachments())
    assert pdf.get_filename() == "tiketq.pdf"
    assert pdf.get_payload(decode=True) == b"%PDF-1.3 HJK1EY"


async def test_words_beyond_ascii_and_long_lines_arrive_as_written(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    long_line = "<td>" + "Rp1.250.000 " * 120 + "</td>"  # over SMTP's 998 characters
    message = replace(
        a_message(),
        subject="Pesanan TQ-1 berhasil — kode booking HJK1EY, Sari Wulandarí " + "x" * 60,
        body_text="Halo Sarí,\nKode booking: HJK1EY\n",
        body_html=f"<p>Halo Sarí</p>{long_line}",
    )
    await sender(port).send(message)
    [received] = mailbox.received
    assert received["Subject"] == message.subject
    assert received["Message-ID"] == f"<{message.id.hex}@tiketq.id>"  # the same on every attempt
    body = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert body is not None
    assert html is not None
    assert body.get_content().replace("\r\n", "\n") == message.body_text  # SMTP ends lines CRLF
    assert long_line in html.get_content()
    assert "Sarí" in html.get_content()
    # An address beyond ASCII needs SMTPUTF8, which only EmailMessage writes.
    assert isinstance(sender(port).message(a_message(recipient="sarí@example.co.id")), EmailMessage)
    # A line break in a header value never writes a header of its own.
    with pytest.raises(ValueError, match="linefeed"):
        sender(port).message(replace(a_message(), subject="Pesanan\r\nBcc: mallory@example.com"))


async def test_a_busy_server_is_retried_and_an_unknown_mailbox_is_not(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    mailbox.answer = "421 4.3.2 Service not available"
    with pytest.raises(DeliveryError) as busy:
        await sender(port).send(a_message())
    assert busy.value.permanent is False
    assert "421" in busy.value.answer
    mailbox.answer = None
    with pytest.raises(DeliveryError) as unknown:
        await sender(port).send(a_message(recipient="nobody@example.co.id"))
    assert unknown.value.permanent is True


async def test_messages_share_one_connection_and_a_connection_the_server_closed_is_replaced(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    email = sender(port)
    await email.send(a_message())
    await email.send(a_message())
    assert mailbox.connections == 1
    # The server hangs up on the idle connection: the next message goes on a new one.
    transport = mailbox.sessions[-1].transport
    assert transport is not None
    transport.close()
    await asyncio.sleep(0.05)
    await email.send(a_message())
    assert mailbox.connections == 2
    # A refusal closes the connection; the next message opens another and goes.
    mailbox.answer = "421 4.3.2 Service not available"
    with pytest.raises(DeliveryError):
        await email.send(a_message())
    mailbox.answer = None
    await email.send(a_message())
    assert mailbox.connections == 3
    assert len(mailbox.received) == 4
    await email.aclose()


async def test_a_server_that_is_not_there_is_retried() -> None:
    with pytest.raises(DeliveryError) as down:
        await sender(1).send(a_message())
    assert down.value.permanent is False


INFOBIP = "https://xyz.api.infobip.com"


def accepted(message_id: str) -> dict[str, Any]:
    return {
        "bulkId": "2034072219640523073",
        "messages": [
            {
                "messageId": message_id,
                "status": {
                    "groupId": 1,
                    "groupName": "PENDING",
                    "id": 26,
                    "name": "PENDING_ACCEPTED",
                    "description": "Message sent to next instance",
                },
                "to": "6281234567890",
            }
        ],
    }


def refusal(message_id: str) -> dict[str, Any]:
    return {"requestError": {"serviceException": {"messageId": message_id, "text": message_id.lower()}}}


@respx.mock
async def test_an_sms_goes_to_infobip_with_our_id_and_the_number_without_plus() -> None:
    message = a_message(Channel.SMS, "+6281234567890")
    route = respx.post(f"{INFOBIP}/sms/2/text/advanced").mock(
        return_value=httpx.Response(200, json=accepted(str(message.id)))
    )
    async with httpx.AsyncClient(base_url=INFOBIP) as client:
        provider_id = await InfobipSmsSender(client, "key-1", "TiketQ").send(message)
    assert provider_id == str(message.id)
    request = route.calls.last.request
    assert request.headers["Authorization"] == "App key-1"
    sent = httpx.Response(200, content=request.content).json()
    assert sent == {
        "messages": [
            {
                "destinations": [{"to": "6281234567890", "messageId": str(message.id)}],
                "from": "TiketQ",
                "text": message.body_text,
            }
        ]
    }


@respx.mock
@pytest.mark.parametrize(
    ("answer", "permanent"),
    [
        (
            httpx.Response(
                503, json={"requestError": {"serviceException": {"messageId": "X", "text": "down"}}}
            ),
            False,
        ),
        (
            httpx.Response(401, json={"requestError": {"serviceException": {"messageId": "UNAUTHORIZED"}}}),
            False,
        ),
        (
            httpx.Response(400, json={"requestError": {"serviceException": {"messageId": "BAD_REQUEST"}}}),
            True,
        ),
        (httpx.Response(200, text="<html>proxy error</html>"), False),
    ],
)
async def test_infobip_refusals_are_retried_unless_they_never_change(
    answer: httpx.Response, permanent: bool
) -> None:
    respx.post(f"{INFOBIP}/sms/2/text/advanced").mock(return_value=answer)
    async with httpx.AsyncClient(base_url=INFOBIP) as client:
        with pytest.raises(DeliveryError) as refused:
            await InfobipSmsSender(client, "key-1", "TiketQ").send(a_message(Channel.SMS, "+6281234567890"))
    assert refused.value.permanent is permanent


@respx.mock
async def test_a_rejected_number_fails_for_good() -> None:
    body = accepted("m1")
    body["messages"][0]["status"] = {
        "groupId": 5,
        "groupName": "REJECTED",
        "id": 51,
        "name": "REJECTED_DESTINATION",
        "description": "Invalid destination address",
    }
    respx.post(f"{INFOBIP}/sms/2/text/advanced").mock(return_value=httpx.Response(200, json=body))
    async with httpx.AsyncClient(base_url=INFOBIP) as client:
        with pytest.raises(DeliveryError) as refused:
            await InfobipSmsSender(client, "key-1", "TiketQ").send(a_message(Channel.SMS, "+6281234567890"))
    assert refused.value.permanent is True
    assert "REJECTED_DESTINATION" in refused.value.answer


@respx.mock
async def test_preferences_come_from_user_service_and_a_missing_profile_means_the_defaults() -> None:
    respx.get("http://user.test/internal/users/u1/preferences").mock(
        return_value=httpx.Response(
            200,
            json={
                "user_id": "u1",
                "language": "en",
                "sms_notifications": False,
                "time_zone": "Asia/Makassar",
            },
        )
    )
    respx.get("http://user.test/internal/users/u4/preferences").mock(
        return_value=httpx.Response(
            200, json={"user_id": "u4", "language": "id", "time_zone": "Mars/Olympus"}
        )
    )
    respx.get("http://user.test/internal/users/u2/preferences").mock(
        return_value=httpx.Response(404, json={"type": ".../profile-not-found"})
    )
    respx.get("http://user.test/internal/users/u3/preferences").mock(return_value=httpx.Response(503))
    async with httpx.AsyncClient(base_url="http://user.test") as client:
        profiles = UserServicePreferences(client, "token")
        assert await profiles.preferences("u1") == Preferences(
            language="en", sms_enabled=False, time_zone="Asia/Makassar"
        )
        assert await profiles.preferences("u2") == Preferences()
        assert (await profiles.preferences("u4")).time_zone == "Asia/Jakarta"  # unknown: WIB
        with pytest.raises(httpx.HTTPStatusError):
            await profiles.preferences("u3")
    assert respx.calls[0].request.headers["X-Internal-Token"] == "token"


@respx.mock
async def test_a_profile_is_read_once_for_an_orders_events_and_again_once_it_is_old() -> None:
    found = respx.get("http://user.test/internal/users/u1/preferences").mock(
        return_value=httpx.Response(200, json={"user_id": "u1", "language": "en"})
    )
    missing = respx.get("http://user.test/internal/users/u2/preferences").mock(
        return_value=httpx.Response(404, json={"type": ".../profile-not-found"})
    )
    now = [100.0]
    async with httpx.AsyncClient(base_url="http://user.test") as client:
        profiles = UserServicePreferences(client, "token", ttl_seconds=30, clock=lambda: now[0])
        assert (await profiles.preferences("u1")).language == "en"
        now[0] += 29
        assert (await profiles.preferences("u1")).language == "en"
        assert found.call_count == 1
        found.mock(return_value=httpx.Response(200, json={"user_id": "u1", "language": "id"}))
        now[0] += 1  # 30 s after the read: read again, and the change is seen
        assert (await profiles.preferences("u1")).language == "id"
        assert found.call_count == 2
        # No profile yet (its account event may still be on its way): asked every time.
        assert await profiles.preferences("u2") == Preferences()
        assert await profiles.preferences("u2") == Preferences()
        assert missing.call_count == 2
