"""Sandbox administration for the Digiflazz stand-in (unauthenticated, local only): its knobs, the
agent's deposit, the transactions it holds, the callback log, and re-sending a callback."""

from __future__ import annotations

from typing import Any

from admin import KnobChanges
from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from state import SandboxState

router = APIRouter(prefix="/sandbox", tags=["sandbox admin"])


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


class DepositChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deposit: int = Field(ge=0, le=10_000_000_000)


class Resend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    copies: int = Field(default=1, ge=1, le=100)


# Declared before admin's /knobs/{supplier} (which knows only the flight suppliers), so it wins.
@router.get("/knobs/digiflazz")
async def digiflazz_knobs(request: Request) -> dict[str, Any]:
    return _state(request).knobs.get("digiflazz").as_dict()


@router.put("/knobs/digiflazz")
async def set_digiflazz_knobs(request: Request, changes: KnobChanges) -> dict[str, Any]:
    return _state(request).knobs.update("digiflazz", changes.model_dump(exclude_none=True)).as_dict()


@router.get("/digiflazz")
async def overview(request: Request) -> dict[str, Any]:
    df = _state(request).digiflazz
    return {
        "deposit": df.ledger.deposit,
        "transactions": len(df.ledger.txns),
        "inquiries": len(df.ledger.inquiries),
        "callback_url": df.settings.callback_url,
    }


@router.put("/digiflazz/deposit")
async def set_deposit(request: Request, change: DepositChange) -> dict[str, Any]:
    """Sets the agent's deposit (show a low balance, or top it up again)."""
    df = _state(request).digiflazz
    df.ledger.deposit = change.deposit
    return {"deposit": df.ledger.deposit}


@router.get("/digiflazz/transactions")
async def transactions(
    request: Request, ref_id: str | None = Query(default=None, max_length=100)
) -> dict[str, Any]:
    """Every purchase the aggregator holds, with its plan (what its number makes it do)."""
    txns = _state(request).digiflazz.ledger.txns.values()
    return {
        "items": [
            {**t.callback_body(), "plan": t.plan, "kind": t.kind}
            for t in txns
            if ref_id is None or t.ref_id == ref_id
        ]
    }


@router.get("/digiflazz/callbacks")
async def callbacks(
    request: Request, ref_id: str | None = Query(default=None, max_length=100)
) -> dict[str, Any]:
    """The callback delivery log, oldest first: ref_id, url, status, delivery, attempt, copy,
    http_status or error, at."""
    return {"items": _state(request).digiflazz.callbacks.entries(ref_id)}


@router.post("/digiflazz/callbacks/{ref_id}/resend")
async def resend(request: Request, ref_id: str, body: Resend) -> dict[str, Any]:
    """Delivers the transaction's last callback again, `copies` times at once."""
    if not _state(request).digiflazz.callbacks.resend(ref_id, body.copies):
        raise HTTPException(404, "no callback was sent for this ref_id")
    return {"ref_id": ref_id, "copies": body.copies}
