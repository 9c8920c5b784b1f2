"""What the sandbox's SMTP sink and SMS gateway were given, in memory: the emails as received
(kept raw, parsed for the page when first read), the SMS as Infobip would have sent them,
and the knobs that take either one down."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import SettingsBase


class NotifySettings(SettingsBase):
    """SANDBOX_SMTP_HOST/PORT: where the SMTP sink listens (`make dev` says 2525; unset, any free
    port, which the knobs show); SANDBOX_INFOBIP_API_KEY: the key the SMS gateway accepts."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_", extra="ignore", case_sensitive=False)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=0, ge=0, le=65535)
    infobip_api_key: str = "sandbox-infobip-api-key"


@dataclass
class ReceivedAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class _Parsed:
    subject: str
    text: str
    html: str | None
    attachments: list[ReceivedAttachment]
    headers: dict[str, str]


class ReceivedEmail:
    """An email as the sink took it: the envelope and the raw bytes at once, the parts (subject,
    text, HTML, attachments, headers) parsed when first read. Parsing with the standard library's
    header registry is most of what the sink costs per message, and under load nobody reads most
    of them."""

    def __init__(
        self, id: int, received_at: datetime, mail_from: str, rcpt_to: list[str], raw: bytes
    ) -> None:
        self.id = id
        self.received_at = received_at
        self.mail_from = mail_from
        self.rcpt_to = rcpt_to
        self.raw = raw
        self._parsed: _Parsed | None = None

    def _parts(self) -> _Parsed:
        if self._parsed is None:
            self._parsed = _parse(self.raw)
        return self._parsed

    @property
    def subject(self) -> str:
        return self._parts().subject

    @property
    def text(self) -> str:
        return self._parts().text

    @property
    def html(self) -> str | None:
        return self._parts().html

    @property
    def attachments(self) -> list[ReceivedAttachment]:
        return self._parts().attachments

    @property
    def headers(self) -> dict[str, str]:
        return self._parts().headers

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "received_at": self.received_at.isoformat().replace("+00:00", "Z"),
            "from": self.mail_from,
            "to": self.rcpt_to,
            "subject": self.subject,
            "text": self.text,
            "html_url": f"/sandbox/notify/emails/{self.id}/html",
            "message_id": self.headers.get("Message-ID", ""),
            "attachments": [
                {
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": len(a.content),
                    "url": f"/sandbox/notify/emails/{self.id}/attachments/{i}",
                }
                for i, a in enumerate(self.attachments)
            ],
        }


@dataclass
class SentSms:
    message_id: str
    bulk_id: str
    received_at: datetime
    sender: str
    to: str
    text: str

    def summary(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "bulk_id": self.bulk_id,
            "received_at": self.received_at.isoformat().replace("+00:00", "Z"),
            "from": self.sender,
            "to": self.to,
            "text": self.text,
        }


def parse_email(number: int, mail_from: str, rcpt_to: list[str], raw: bytes) -> ReceivedEmail:
    return ReceivedEmail(number, datetime.now(UTC), mail_from, list(rcpt_to), raw)


def _parse(raw: bytes) -> _Parsed:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        attachments.append(
            ReceivedAttachment(part.get_filename() or "attachment", part.get_content_type(), content)
        )
    return _Parsed(
        # A long subject arrives folded over lines; people read it as one.
        subject=" ".join(str(message.get("Subject", "")).split()),
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else None,
        attachments=attachments,
        headers={k: str(v) for k, v in message.items()},
    )


@dataclass
class NotifyState:
    settings: NotifySettings
    emails: list[ReceivedEmail] = field(default_factory=list)
    sms: list[SentSms] = field(default_factory=list)
    smtp_down: bool = False
    sms_down: bool = False
    smtp_port: int | None = None  # where the sink really listens (port 0 asks the OS)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_number(self) -> int:
        return next(self._numbers)

    def reset(self) -> None:
        self.emails.clear()
        self.sms.clear()
        self.smtp_down = False
        self.sms_down = False

    def knobs(self) -> dict[str, Any]:
        return {"smtp_down": self.smtp_down, "sms_down": self.sms_down, "smtp_port": self.smtp_port}
