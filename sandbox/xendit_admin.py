"""Sandbox administration for the Xendit stand-in (unauthenticated, local only): its knobs, the
invoices and refunds it holds, the callback delivery log, and re-sending a callback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from state import SandboxState

router = APIRouter(prefix="/sandbox", tags=["sandbox admin"])


class XenditKnobChanges(BaseModel):
    """Any subset of Xendit's knobs."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    duplicate_callbacks: int | None = Field(default=None, ge=0, le=100)
    callback_delay_ms: int | None = Field(default=None, ge=0, le=120_000)
    fail_refunds: bool | None = None


class Resend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    copies: int = Field(default=1, ge=1, le=100)


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


# Declared before admin's /knobs/{supplier} (which knows only the flight suppliers), so it wins.
@router.get("/knobs/xendit")
async def xendit_knobs(request: Request) -> dict[str, Any]:
    return _state(request).xendit.knobs.as_dict()


@router.put("/knobs/xendit")
async def set_xendit_knobs(request: Request, changes: XenditKnobChanges) -> dict[str, Any]:
    return _state(request).xendit.update_knobs(changes.model_dump(exclude_none=True)).as_dict()


@router.get("/xendit/invoices")
async def invoices(
    request: Request, external_id: str | None = Query(default=None, max_length=1000)
) -> dict[str, Any]:
    """Every invoice held, with its refunds' total."""
    state = _state(request).xendit
    return {
        "items": [
            {**i.core(state.settings.business_id), "refunded": i.refunded}
            for i in state.invoices.values()
            if external_id is None or i.external_id == external_id
        ]
    }


@router.get("/xendit/callbacks")
async def callbacks(
    request: Request, key: str | None = Query(default=None, max_length=100)
) -> dict[str, Any]:
    """The callback delivery log, oldest first: key (invoice or refund id), url, status, attempt,
    copy, http_status or error, at."""
    return {"items": _state(request).xendit.callbacks.entries(key)}


@router.post("/xendit/callbacks/{key}/resend")
async def resend(request: Request, key: str, body: Resend) -> dict[str, Any]:
    """Delivers the invoice's (or refund's) last callback again, `copies` times at once."""
    if not _state(request).xendit.callbacks.resend(key, body.copies):
        raise HTTPException(404, "no callback was sent for this invoice or refund")
    return {"key": key, "copies": body.copies}
