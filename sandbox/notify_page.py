"""What the sandbox's SMTP sink and SMS gateway received, for people and for tests:

- `GET /sandbox/notify`: a page listing every email (open one to see it rendered, download its
  PDF) and every SMS, newest first;
- `GET /sandbox/notify/emails` and `/sandbox/notify/sms`: the same as JSON (`?to=` filters);
- `GET /sandbox/notify/emails/{id}/html`, `/attachments/{n}`: one email's HTML body, an attachment;
- `PUT /sandbox/notify/knobs` `{"smtp_down": true}` or `{"sms_down": true}`: take one down;
- `DELETE /sandbox/notify`: forget everything (and bring both back up).
"""

from __future__ import annotations

from html import escape
from typing import Any

import notify_sms
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from notify_state import NotifySettings, NotifyState
from pydantic import BaseModel

router = APIRouter(prefix="/sandbox/notify", tags=["sandbox notifications"])


def _state(request: Request) -> NotifyState:
    state: NotifyState = request.app.state.notify
    return state


class NotifyKnobs(BaseModel):
    smtp_down: bool | None = None
    sms_down: bool | None = None


@router.get("/emails")
async def emails(request: Request, to: str | None = None) -> dict[str, Any]:
    found = [e for e in _state(request).emails if to is None or to in e.rcpt_to]
    return {"items": [e.summary() for e in found], "total": len(found)}


@router.get("/sms")
async def sms(request: Request, to: str | None = None) -> dict[str, Any]:
    wanted = to.removeprefix("+") if to else None
    found = [s for s in _state(request).sms if wanted is None or s.to == wanted]
    return {"items": [s.summary() for s in found], "total": len(found)}


@router.get("/emails/{number}/html", response_class=HTMLResponse)
async def email_html(request: Request, number: int) -> HTMLResponse:
    for email in _state(request).emails:
        if email.id == number:
            body = email.html or f"<pre>{escape(email.text)}</pre>"
            return HTMLResponse(body)
    raise HTTPException(404, "no such email")


@router.get("/emails/{number}/attachments/{index}")
async def attachment(request: Request, number: int, index: int) -> Response:
    for email in _state(request).emails:
        if email.id == number and 0 <= index < len(email.attachments):
            a = email.attachments[index]
            disposition = f'inline; filename="{a.filename}"'
            return Response(
                a.content, media_type=a.content_type, headers={"Content-Disposition": disposition}
            )
    raise HTTPException(404, "no such attachment")


@router.put("/knobs")
async def set_knobs(request: Request, knobs: NotifyKnobs) -> dict[str, Any]:
    state = _state(request)
    if knobs.smtp_down is not None:
        state.smtp_down = knobs.smtp_down
    if knobs.sms_down is not None:
        state.sms_down = knobs.sms_down
    return state.knobs()


@router.get("/knobs")
async def get_knobs(request: Request) -> dict[str, Any]:
    return _state(request).knobs()


@router.delete("")
async def forget(request: Request) -> dict[str, Any]:
    _state(request).reset()
    return {"status": "reset"}


@router.get("", response_class=HTMLResponse)
async def page(request: Request) -> HTMLResponse:
    state = _state(request)
    email_rows = "".join(
        "<tr><td>{}</td><td>{}</td><td><a href='{}' target='_blank'>{}</a></td><td>{}</td></tr>".format(
            escape(e.received_at.strftime("%H:%M:%S")),
            escape(", ".join(e.rcpt_to)),
            f"/sandbox/notify/emails/{e.id}/html",
            escape(e.subject),
            " ".join(
                f"<a href='/sandbox/notify/emails/{e.id}/attachments/{i}'>{escape(a.filename)}</a>"
                for i, a in enumerate(e.attachments)
            ),
        )
        for e in reversed(state.emails)
    )
    sms_rows = "".join(
        f"<tr><td>{escape(s.received_at.strftime('%H:%M:%S'))}</td><td>+{escape(s.to)}</td>"
        f"<td>{escape(s.text)}</td></tr>"
        for s in reversed(state.sms)
    )
    smtp = "DOWN" if state.smtp_down else "up"
    status = f"SMTP {smtp} (port {state.smtp_port}), SMS {'DOWN' if state.sms_down else 'up'}"
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'><title>Sandbox: sent messages</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}</style></head><body>"
        f"<h1>What TiketQ sent</h1><p>{escape(status)}</p>"
        f"<h2>Email ({len(state.emails)})</h2><table><tr><th>time</th><th>to</th><th>subject</th>"
        f"<th>attachments</th></tr>{email_rows}</table>"
        f"<h2>SMS ({len(state.sms)})</h2><table><tr><th>time</th><th>to</th><th>text</th></tr>{sms_rows}"
        "</table></body></html>"
    )


def install(app: FastAPI) -> NotifyState:
    """The SMTP sink's and SMS gateway's state on `app.state.notify`, the Infobip routes and the page."""
    state = NotifyState(NotifySettings())
    app.state.notify = state
    app.include_router(notify_sms.router)
    app.include_router(router)
    return state
