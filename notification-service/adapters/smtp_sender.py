"""Email over SMTP with aiosmtplib: a multipart/alternative message (plain text and HTML) with
its attachments. The server's answer decides what happens next: a 5xx reply to the recipient
(no such mailbox) will never change, so the message fails for good; a refused connection, a
timeout or a 4xx reply (busy, greylisting, down for maintenance) is tried again later.

One connection is kept open between messages (connect, greeting, EHLO and QUIT for every message
cost both sides more than the message itself), used by one message at a time and closed after any
failure. A connection idle longer than KEEP_IDLE_SECONDS is replaced before use rather than
trusted; one the server closed meanwhile fails its first command, and the message is sent once
more on a fresh connection (nothing was accepted on the dead one)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from email import charset, encoders
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import aiosmtplib

from domain.errors import DeliveryError
from domain.models import Notification

# Well below the 5 minutes RFC 5321 asks servers to wait on an idle client.
KEEP_IDLE_SECONDS = 30.0
# Text that is not plain short-lined ASCII goes as UTF-8 quoted-printable: 7-bit safe, lines
# within SMTP's 998 characters, readable in the raw message.
UTF8_QP = charset.Charset("utf-8")
UTF8_QP.header_encoding = charset.QP
UTF8_QP.body_encoding = charset.QP
LONGEST_LINE = 998


def _text(body: str, subtype: str) -> MIMEText:
    plain = body.isascii() and all(len(line) <= LONGEST_LINE for line in body.splitlines())
    return MIMEText(body, subtype, "us-ascii" if plain else UTF8_QP)  # type: ignore[arg-type]


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
        self._client: aiosmtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = asyncio.Lock()

    def message(self, n: Notification) -> Message:
        """The MIME message: text/plain, with text/html as its alternative, in multipart/mixed with
        the attachments. Built with the email package's classic classes, which cost a third of
        EmailMessage's header registry (building and flattening) for the same message. An address
        that is not ASCII needs SMTPUTF8, which only EmailMessage writes; and a header value with a
        line break goes to EmailMessage too, which refuses it (the classic classes would let it
        write a header of its own)."""
        headers = (n.recipient, self._sender, self._sender_name, n.subject or "", n.order_number or "")
        if not (n.recipient.isascii() and self._sender.isascii()) or any(
            "\n" in value or "\r" in value for value in headers
        ):
            return self._utf8_message(n)
        message: Message = _text(n.body_text, "plain")
        if n.body_html:
            alternative = MIMEMultipart("alternative")
            alternative.attach(message)
            alternative.attach(_text(n.body_html, "html"))
            message = alternative
        if n.attachments:
            mixed = MIMEMultipart("mixed")
            mixed.attach(message)
            for attachment in n.attachments:
                maintype, _, subtype = attachment.content_type.partition("/")
                part = MIMEBase(maintype, subtype)
                part.set_payload(attachment.content)
                encoders.encode_base64(part)
                part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
                mixed.attach(part)
            message = mixed
        subject = n.subject or ""
        message["From"] = formataddr((self._sender_name, self._sender), charset="utf-8")
        message["To"] = n.recipient
        message["Subject"] = subject if subject.isascii() else Header(subject, UTF8_QP)  # type: ignore[assignment]
        self._identify(message, n)
        return message

    def _utf8_message(self, n: Notification) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((self._sender_name, self._sender))
        message["To"] = n.recipient
        message["Subject"] = n.subject or ""
        self._identify(message, n)
        message.set_content(n.body_text)
        if n.body_html:
            message.add_alternative(n.body_html, subtype="html")
        for attachment in n.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            message.add_attachment(
                attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return message

    def _identify(self, message: Message, n: Notification) -> None:
        domain = self._sender.rpartition("@")[2] or "tiketq.id"
        # Our id for the message, the same on every attempt: a receiving system can drop a repeat.
        message["Message-ID"] = f"<{n.id.hex}@{domain}>"
        message["X-TiketQ-Notification"] = str(n.id)
        if n.order_number:
            message["X-TiketQ-Order"] = n.order_number

    async def send(self, n: Notification) -> str:
        message = self.message(n)
        async with self._lock:  # one message at a time on the kept connection
            try:
                errors, answer = await self._send_kept(message)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                self._drop()
                codes = [e.code for e in exc.recipients]
                raise DeliveryError(
                    f"recipient refused: {exc}", permanent=all(500 <= c < 600 for c in codes)
                ) from exc
            except aiosmtplib.SMTPResponseException as exc:
                self._drop()
                raise DeliveryError(
                    f"SMTP {exc.code} {exc.message}", permanent=500 <= exc.code < 600
                ) from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                self._drop()
                raise DeliveryError(f"SMTP server unreachable: {exc!r}") from exc
            except BaseException:
                self._drop()  # cancelled mid-conversation: the connection's state is unknown
                raise
            self._last_used = time.monotonic()
        if errors:
            raise DeliveryError(f"recipient refused: {errors}", permanent=True)
        return str(message["Message-ID"]) + " " + answer[:200]

    async def _send_kept(self, message: Message) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
        client = self._client
        fresh = time.monotonic() - self._last_used < KEEP_IDLE_SECONDS
        if client is not None and client.is_connected and fresh:
            try:
                return await client.send_message(message)
            except aiosmtplib.SMTPServerDisconnected:
                self._drop()  # closed by the server while idle: once more on a fresh connection
        else:
            self._drop()
        client = self._new_client()
        await client.connect()
        self._client = client
        return await client.send_message(message)

    def _new_client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            start_tls=self._start_tls,
            use_tls=self._use_tls,
            timeout=self._timeout,
        )

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Says QUIT on the kept connection (at shutdown)."""
        async with self._lock:
            client, self._client = self._client, None
            if client is not None and client.is_connected:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                    await client.quit(timeout=2)
                client.close()
