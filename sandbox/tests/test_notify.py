"""The SMTP sink and the Infobip-shaped SMS gateway: what they take, what they refuse, the knobs
that take them down, and the page that lists what was sent."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import pytest
from fastapi import FastAPI
from notify_state import parse_email

from app import create_app
from testkit.asgi import running_app
from tests.conftest import make_settings

SMS_AUTH = {"Authorization": "App sandbox-infobip-api-key"}


def an_email() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "TiketQ <no-reply@tiketq.id>"
    message["To"] = "siti@example.co.id"
    message["Subject"] = "Pesanan TQ-1 berhasil - kode booking HJK1EY"
    message.set_content("Kode booking: HJK1EY")
    message.add_alternative("<p>Kode booking: <strong>HJK1EY</strong></p>", subtype="html")
    message.add_attachment(b"%PDF-1.3 HJK1EY", maintype="application", subtype="pdf", filename="tiket.pdf")
    return message


@pytest.fixture
def app() -> FastAPI:
    return create_app(make_settings())


async def test_the_sink_keeps_emails_and_the_page_shows_them(app: FastAPI) -> None:
    async with running_app(app) as client:
        port = (await client.get("/sandbox/notify/knobs")).json()["smtp_port"]
        await aiosmtplib.send(an_email(), hostname="127.0.0.1", port=port, timeout=5)
        [email] = (await client.get("/sandbox/notify/emails", params={"to": "siti@example.co.id"})).json()[
            "items"
        ]
        assert email["subject"] == "Pesanan TQ-1 berhasil - kode booking HJK1EY"
        assert email["text"].strip() == "Kode booking: HJK1EY"
        [pdf] = email["attachments"]
        assert pdf["filename"] == "tiket.pdf"
        assert (await client.get(pdf["url"])).content == b"%PDF-1.3 HJK1EY"
        html = await client.get(email["html_url"])
        assert "<strong>HJK1EY</strong>" in html.text
        page = await client.get("/sandbox/notify")
        assert "Pesanan TQ-1 berhasil" in page.text


def test_an_email_is_parsed_when_first_read_and_reads_as_the_message_sent() -> None:
    raw = bytes(an_email())
    email = parse_email(7, "no-reply@tiketq.id", ["siti@example.co.id"], raw)
    assert email._parsed is None  # taking it costs no parsing; reading it does, once
    summary = email.summary()
    assert email._parsed is not None
    assert summary["subject"] == "Pesanan TQ-1 berhasil - kode booking HJK1EY"
    assert summary["text"].strip() == "Kode booking: HJK1EY"
    assert summary["attachments"][0]["filename"] == "tiket.pdf"
    assert email.attachments[0].content == b"%PDF-1.3 HJK1EY"
    assert email.html is not None
    assert "<strong>HJK1EY</strong>" in email.html
    assert email.headers["To"] == "siti@example.co.id"


async def test_smtp_down_answers_421_and_keeps_nothing_until_it_is_back(app: FastAPI) -> None:
    async with running_app(app) as client:
        port = (await client.put("/sandbox/notify/knobs", json={"smtp_down": True})).json()["smtp_port"]
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await aiosmtplib.send(an_email(), hostname="127.0.0.1", port=port, timeout=5)
        assert refused.value.code == 421
        await client.put("/sandbox/notify/knobs", json={"smtp_down": False})
        await aiosmtplib.send(an_email(), hostname="127.0.0.1", port=port, timeout=5)
        assert (await client.get("/sandbox/notify/emails")).json()["total"] == 1


async def test_the_sms_gateway_speaks_infobip(app: FastAPI) -> None:
    body = {
        "messages": [
            {
                "destinations": [{"to": "6281234567890", "messageId": "n-1"}],
                "from": "TiketQ",
                "text": "TiketQ: Token PLN 1234-5678-9012-3456-7890",
            }
        ]
    }
    async with running_app(app) as client:
        sent = await client.post("/infobip/sms/2/text/advanced", json=body, headers=SMS_AUTH)
        assert sent.status_code == 200
        [answer] = sent.json()["messages"]
        assert answer["messageId"] == "n-1"
        assert answer["status"]["groupName"] == "PENDING"
        [sms] = (await client.get("/sandbox/notify/sms", params={"to": "+6281234567890"})).json()["items"]
        assert sms["text"] == "TiketQ: Token PLN 1234-5678-9012-3456-7890"

        wrong_key = await client.post(
            "/infobip/sms/2/text/advanced", json=body, headers={"Authorization": "App x"}
        )
        assert wrong_key.status_code == 401
        assert wrong_key.json()["requestError"]["serviceException"]["messageId"] == "UNAUTHORIZED"
        bad = {"messages": [{"destinations": [{"to": "+62 812"}], "text": "x"}]}
        assert (
            await client.post("/infobip/sms/2/text/advanced", json=bad, headers=SMS_AUTH)
        ).status_code == 400
        await client.put("/sandbox/notify/knobs", json={"sms_down": True})
        down = await client.post("/infobip/sms/2/text/advanced", json=body, headers=SMS_AUTH)
        assert down.status_code == 503
        await client.delete("/sandbox/notify")
        assert (await client.get("/sandbox/notify/sms")).json()["total"] == 0
        assert (await client.get("/sandbox/notify/knobs")).json()["sms_down"] is False


async def test_an_unknown_email_or_attachment_is_404(app: FastAPI) -> None:
    async with running_app(app) as client:
        assert (await client.get("/sandbox/notify/emails/99/html")).status_code == 404
        assert (await client.get("/sandbox/notify/emails/99/attachments/0")).status_code == 404
