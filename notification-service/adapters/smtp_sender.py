"""Email over SMTP with aiosmtplib: a multipart/alternative message (plain text and HTML) with
its attachments. The server's answer decides what happens next: a 5xx reply to the recipient
(no such mailbox) will never change, so the message fails for good; a refused connection, a
timeout or a 4xx reply (busy, greylisting, down for maintenance) is tried again later."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import aiosmtplib

from domain.errors import DeliveryError
from domain.models import Notification


class SmtpSender:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        sender_name: str,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = False,
        use_tls: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._sender_name = sender_name
        self._username = username
        self._password = password
        self._start_tls = start_tls
        self._use_tls = use_tls
        self._timeout = timeout

    def message(self, n: Notification) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((self._sender_name, self._sender))
        message["To"] = n.recipient
        message["Subject"] = n.subject or ""
        domain = self._sender.rpartition("@")[2] or "tiketq.id"
        # Our id for the message, stable across retries: a receiving system can drop a repeat.
        message["Message-ID"] = make_msgid(idstring=n.id.hex, domain=domain)
        message["X-TiketQ-Notification"] = str(n.id)
        if n.order_number:
            message["X-TiketQ-Order"] = n.order_number
        message.set_content(n.body_text)
        if n.body_html:
            message.add_alternative(n.body_html, subtype="html")
        for attachment in n.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(
                attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return message

    async def send(self, n: Notification) -> str:
        message = self.message(n)
        try:
            errors, answer = await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                start_tls=self._start_tls,
                use_tls=self._use_tls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [e.code for e in exc.recipients]
            raise DeliveryError(
                f"recipient refused: {exc}", permanent=all(500 <= c < 600 for c in codes)
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.code} {exc.message}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"SMTP server unreachable: {exc!r}") from exc
        if errors:
            raise DeliveryError(f"recipient refused: {errors}", permanent=True)
        return str(message["Message-ID"]) + " " + answer[:200]
