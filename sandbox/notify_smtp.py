"""The SMTP sink: an aiosmtpd server in the sandbox's own event loop that keeps every email it is
given (docs/architecture.md, the sandbox). With the `smtp_down` knob it answers every message
`421 4.3.2 Service not available`, as a mail server in maintenance does, so a sender must keep
its messages and try again later."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from notify_state import NotifyState, parse_email

logger = logging.getLogger("sandbox.smtp")


class SinkHandler:
    def __init__(self, state: NotifyState) -> None:
        self._state = state

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._state.smtp_down:
            return "421 4.3.2 Service not available, try again later"
        raw = envelope.original_content or envelope.content or b""
        content = raw if isinstance(raw, bytes) else raw.encode()
        rcpt = [str(r) for r in envelope.rcpt_tos]
        email = parse_email(self._state.next_number(), str(envelope.mail_from), rcpt, content)
        self._state.emails.append(email)
        if logger.isEnabledFor(logging.INFO):  # the subject is parsed only when it is logged
            logger.info("email %s to %s: %s", email.id, ", ".join(rcpt), email.subject)
        return f"250 2.0.0 OK: queued as sandbox-{email.id}"


@asynccontextmanager
async def running(state: NotifyState) -> AsyncIterator[None]:
    """Listens for the app's lifetime (port 0: a free port the OS picks)."""
    settings = state.settings
    handler = SinkHandler(state)
    loop = asyncio.get_running_loop()

    def protocol() -> Any:
        return SMTP(handler, hostname="sandbox.tiketq.local", enable_SMTPUTF8=True)

    server = await loop.create_server(protocol, settings.smtp_host, settings.smtp_port)
    state.smtp_port = server.sockets[0].getsockname()[1]
    logger.info("SMTP sink on %s:%s", settings.smtp_host, state.smtp_port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
